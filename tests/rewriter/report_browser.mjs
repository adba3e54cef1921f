// report_browser.mjs — drive the HTML report in headless Chromium (playwright-core).
// usage: node report_browser.mjs REPORT.html SCREENSHOT.png [MAX_LOAD_MS]
// Loads the page from disk, fails on any console error or network request, sorts the
// site table by clicking a header (both directions), filters it, opens a site's
// before/after snippet, and saves a screenshot.  Exit 0 = pass.
import { chromium } from 'playwright-core';
import path from 'node:path';
import fs from 'node:fs';

const [html, shot, maxMsArg] = process.argv.slice(2);
const maxMs = Number(maxMsArg || 2000);
const fail = (msg) => { console.error('report_browser: ' + msg); process.exitCode = 1; };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  page.on('pageerror', (e) => errors.push('page error: ' + e));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) errors.push('network: ' + r.url());
  });
  const t0 = Date.now();
  await page.goto('file://' + path.resolve(html));
  await page.waitForSelector('#sites tbody tr');
  const loadMs = Date.now() - t0;
  const total = await page.evaluate(() => JSON.parse(document.getElementById('data').textContent).sites.length);
  const shown = await page.$$eval('#sites tbody tr.site', (r) => r.length);
  if (shown !== Math.min(total, 500)) fail(`${shown} rows shown of ${total}`);
  console.log(`loaded ${total} rows in ${loadMs} ms (${fs.statSync(html).size} bytes)`);
  if (loadMs > maxMs) fail(`took ${loadMs} ms to render (limit ${maxMs})`);

  const lines = () => page.$$eval('#sites tbody tr.site td:nth-child(2)', (t) => t.map((x) => +x.textContent));
  const sorted = (a, d) => a.every((x, i) => i === 0 || (d > 0 ? a[i - 1] <= x : a[i - 1] >= x));
  await page.click('#sites th[data-key=line]');
  if (!sorted(await lines(), 1)) fail('clicking Line did not sort ascending');
  await page.click('#sites th[data-key=line]');
  if (!sorted(await lines(), -1)) fail('clicking Line again did not sort descending');
  const aria = await page.getAttribute('#sites th[data-key=line]', 'aria-sort');
  if (aria !== 'descending') fail('aria-sort is ' + aria);

  await page.selectOption('#status', 'left');
  const statuses = await page.$$eval('#sites tbody tr.site td:nth-child(4)', (t) => t.map((x) => x.textContent));
  if (!statuses.length || statuses.some((s) => s !== 'left')) fail('status filter failed');
  await page.selectOption('#status', '');
  const firstRule = await page.$eval('#sites tbody tr.site td:nth-child(3)', (t) => t.textContent);
  await page.fill('#filter', firstRule.toLowerCase());
  const rules = await page.$$eval('#sites tbody tr.site td:nth-child(3)', (t) => t.map((x) => x.textContent));
  if (!rules.length) fail('text filter returned nothing');
  const count = await page.textContent('#count');
  const matching = parseInt(count, 10);
  if (!(matching >= rules.length) || rules.some((r) => r !== firstRule)) fail('count line says ' + count);
  if (total > 500) {
    await page.fill('#filter', '');
    await page.click('#more');
    const more = await page.$$eval('#sites tbody tr.site', (r) => r.length);
    if (more !== Math.min(total, 2500)) fail('"show more" showed ' + more);
  }
  await page.fill('#filter', '');

  await page.click('#sites tbody tr.site');
  const snip = await page.$$eval('#sites tr.detail pre', (p) => p.length);
  if (snip !== 2) fail('a site row did not open its before/after snippet');
  const bars = await page.$$eval('.bar i', (b) => b.length);
  if (!bars) fail('no progress bars');
  if (!(await page.$('#chart svg'))) fail('no chart');

  await page.screenshot({ path: shot, fullPage: total < 200 });
  if (errors.length) fail(errors.join('\n'));
} finally {
  await browser.close();
}
