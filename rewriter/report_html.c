/* report_html.c — the report as one self-contained HTML page.
 *
 * No network and no external assets: CSS, script and the chart (SVG) are inline, and the
 * model travels as a JSON island (<script type="application/json">, with < > & escaped)
 * that the page's script renders: summary cards, a rewritten-vs-left chart, progress bars
 * per folder and per rule, and a sortable, filterable table of every site whose rows open
 * to the site's before/after snippet and the rule's help.  Sorting and filtering run over
 * every site; the table shows the first 500 matches (more on request), rows are built as
 * one string and details only when opened, so 10,000 sites render well under two seconds.
 */
#include <errno.h>
#include <string.h>

#include "report.h"

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>anyc-migrate report</title>\n<style>\n"
    ":root{--ok:#2f9e44;--left:#e8590c;--bg:#f8f9fa;--fg:#212529;--mute:#6c757d;--line:#dee2e6}\n"
    "*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
    "Roboto,sans-serif;color:var(--fg);background:#fff}\n"
    "header{padding:20px 28px;background:var(--bg);border-bottom:1px solid var(--line)}\n"
    "h1{margin:0 0 4px;font-size:20px}h2{font-size:16px;margin:28px 0 10px}\n"
    "main{padding:0 28px 40px;max-width:1400px}\n"
    ".cards{display:flex;gap:12px;flex-wrap:wrap;margin-top:14px}\n"
    ".card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 16px;"
    "min-width:120px}.card b{display:block;font-size:22px}.card span{color:var(--mute)}\n"
    ".grid{display:grid;grid-template-columns:minmax(260px,1fr) minmax(260px,1fr);gap:28px}\n"
    ".bars div.row{display:grid;grid-template-columns:220px 1fr 90px;gap:10px;align-items:center;"
    "margin:4px 0}.bar{height:12px;background:#ffe8cc;border-radius:6px;overflow:hidden}\n"
    ".bar i{display:block;height:100%;background:var(--ok)}.num{color:var(--mute);"
    "text-align:right;font-variant-numeric:tabular-nums}\n"
    ".name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}\n"
    "table{border-collapse:collapse;width:100%}th,td{padding:5px 8px;border-bottom:1px solid "
    "var(--line);text-align:left;vertical-align:top}\n"
    "th{cursor:pointer;user-select:none;background:var(--bg);position:sticky;top:0}\n"
    "th[aria-sort=ascending]::after{content:' \\25B2'}th[aria-sort=descending]::after"
    "{content:' \\25BC'}\n"
    "tr.site{cursor:pointer}tr.site:hover{background:#f1f3f5}\n"
    ".st{font-weight:600}.st.rewritten{color:var(--ok)}.st.left{color:var(--left)}\n"
    ".controls{display:flex;gap:10px;margin:8px 0 10px}input,select{font:inherit;padding:5px 8px;"
    "border:1px solid var(--line);border-radius:6px}input{flex:1;max-width:420px}\n"
    "pre{margin:4px 0;padding:8px;background:#f8f9fa;border:1px solid var(--line);"
    "border-radius:6px;overflow:auto;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}\n"
    ".snip{display:grid;grid-template-columns:1fr 1fr;gap:12px}.help{color:var(--mute)}\n"
    "a{color:#1c7ed6}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;"
    "margin:0 4px 0 12px}\n"
    "</style>\n</head>\n<body>\n<header><h1>anyc-migrate report</h1>"
    "<div id=\"headline\"></div><div class=\"cards\" id=\"cards\"></div></header>\n<main>\n"
    "<div class=\"grid\"><section><h2>Rewritten vs left</h2><div id=\"chart\"></div></section>"
    "<section><h2>By folder</h2><div class=\"bars\" id=\"folders\"></div></section></div>\n"
    "<section><h2>By rule</h2><div class=\"bars\" id=\"rules\"></div></section>\n"
    "<section><h2>Sites</h2><div class=\"controls\"><input id=\"filter\" type=\"search\" "
    "placeholder=\"Filter: file, rule, call, reason\" aria-label=\"Filter sites\">"
    "<select id=\"status\" aria-label=\"Status\"><option value=\"\">all</option>"
    "<option value=\"left\">left</option><option value=\"rewritten\">rewritten</option>"
    "</select><span id=\"count\" class=\"help\"></span></div>\n"
    "<table id=\"sites\"><thead><tr><th data-key=\"file\">File</th><th data-key=\"line\">"
    "Line</th><th data-key=\"rule\">Rule</th><th data-key=\"status\">Status</th>"
    "<th data-key=\"legacy\">Legacy</th><th data-key=\"reason\">Reason</th></tr></thead>"
    "<tbody></tbody></table></section>\n</main>\n"
    "<script id=\"data\" type=\"application/json\">";

static const char page_tail[] =
    "</script>\n<script>\n"
    "'use strict';\n"
    "const D=JSON.parse(document.getElementById('data').textContent);\n"
    "const esc=s=>String(s==null?'':s).replace(/[&<>\"']/g,c=>({'&':'&amp;','<':'&lt;',"
    "'>':'&gt;','\"':'&quot;',\"'\":'&#39;'}[c]));\n"
    "const pct=(a,b)=>b?Math.round(1000*a/b)/10:100;\n"
    "const S=D.summary;\n"
    "document.getElementById('headline').textContent=S.percent_migrated.toFixed(1)+'% migrated: '+"
    "S.rewritten+' of '+S.sites+' legacy sites rewritten, '+S.left+' left for a person'+"
    "(S.files_not_parsed?'; '+S.files_not_parsed+' file'+(S.files_not_parsed>1?'s':'')+"
    "' not parsed (each counted as one site left)':'')+'.';\n"
    "document.getElementById('cards').innerHTML=[['files scanned',S.files_scanned],"
    "['files using the legacy API',S.files_legacy],['sites',S.sites],['rewritten',S.rewritten],"
    "['left',S.left],['not parsed',S.files_not_parsed]].map(([k,v])=>'<div class=\"card\"><b>'+"
    "v+'</b><span>'+k+'</span></div>').join('');\n"
    "function bars(el,items,label){el.innerHTML=items.map(it=>{const t=it.rewritten+it.left;"
    "return '<div class=\"row\"><span class=\"name\" title=\"'+esc(it.title||it.path)+'\">'+"
    "label(it)+'</span><div class=\"bar\" role=\"progressbar\" aria-valuenow=\"'+"
    "pct(it.rewritten,t)+'\"><i style=\"width:'+pct(it.rewritten,t)+'%\"></i></div>"
    "<span class=\"num\">'+it.rewritten+' / '+t+'</span></div>'}).join('')||"
    "'<p class=\"help\">No legacy sites.</p>';}\n"
    "bars(document.getElementById('folders'),D.folders,f=>esc(f.path));\n"
    "bars(document.getElementById('rules'),D.rules.filter(r=>r.rewritten+r.left>0),"
    "r=>'<a href=\"'+esc(r.doc)+'\">'+esc(r.id)+'</a> '+esc(r.name));\n"
    "(function chart(){const W=420,H=28*Math.max(1,D.rules.filter(r=>r.rewritten+r.left).length)"
    "+60,rs=D.rules.filter(r=>r.rewritten+r.left),max=Math.max(1,...rs.map(r=>r.rewritten+r.left));"
    "let g='';const a=S.percent_migrated/100,R=34,C=2*Math.PI*R;"
    "g+='<circle cx=\"44\" cy=\"44\" r=\"'+R+'\" fill=\"none\" stroke=\"#ffe8cc\" "
    "stroke-width=\"14\"/><circle cx=\"44\" cy=\"44\" r=\"'+R+'\" fill=\"none\" stroke=\"#2f9e44\""
    " stroke-width=\"14\" stroke-dasharray=\"'+(a*C)+' '+C+'\" transform=\"rotate(-90 44 44)\"/>"
    "<text x=\"44\" y=\"49\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"600\">'+"
    "S.percent_migrated.toFixed(1)+'%</text>';"
    "rs.forEach((r,i)=>{const y=12+i*28,w1=260*r.rewritten/max,w2=260*r.left/max;"
    "g+='<text x=\"100\" y=\"'+(y+13)+'\" font-size=\"12\">'+esc(r.id)+'</text><rect x=\"150\" y=\"'+y+"
    "'\" width=\"'+w1+'\" height=\"16\" fill=\"#2f9e44\"><title>'+esc(r.id)+': '+r.rewritten+"
    "' rewritten</title></rect><rect x=\"'+(150+w1)+'\" y=\"'+y+'\" width=\"'+w2+'\" height=\"16\" "
    "fill=\"#e8590c\"><title>'+esc(r.id)+': '+r.left+' left</title></rect>';});"
    "document.getElementById('chart').innerHTML='<svg role=\"img\" aria-label=\"rewritten vs left\" "
    "width=\"'+W+'\" height=\"'+Math.max(H,100)+'\" viewBox=\"0 0 '+W+' '+Math.max(H,100)+'\">'+g+"
    "'</svg><div class=\"legend\"><i style=\"background:#2f9e44\"></i>rewritten<i style=\""
    "background:#e8590c\"></i>left</div>';})();\n"
    "const rules={};D.rules.forEach(r=>rules[r.id]=r);\n"
    "const rows=D.sites.map((s,i)=>Object.assign({i:i,status:s.rewritten?'rewritten':'left',"
    "hay:(s.file+' '+s.rule+' '+s.legacy+' '+s.reason+' '+s.class).toLowerCase()},s));\n"
    "let key='file',dir=1,limit=500;\n"
    "const tbody=document.querySelector('#sites tbody');\n"
    "function render(){const q=document.getElementById('filter').value.toLowerCase().trim(),"
    "st=document.getElementById('status').value;"
    "const v=rows.filter(r=>(!st||r.status===st)&&(!q||r.hay.includes(q)));"
    "v.sort((a,b)=>{const x=a[key],y=b[key];const c=typeof x==='number'?x-y:"
    "String(x).localeCompare(String(y));return c?c*dir:(a.i-b.i)});"
    "const shown=v.slice(0,limit);"
    "tbody.innerHTML=shown.map(r=>'<tr class=\"site\" data-i=\"'+r.i+'\"><td>'+esc(r.file)+'</td><td>'+"
    "r.line+'</td><td>'+esc(r.rule)+'</td><td class=\"st '+r.status+'\">'+r.status+'</td><td><code>'+"
    "esc(r.legacy)+'</code></td><td>'+esc(r.reason)+'</td></tr>').join('')+"
    "(v.length>shown.length?'<tr class=\"more\"><td colspan=\"6\"><button id=\"more\">Show '+"
    "Math.min(2000,v.length-shown.length)+' more</button></td></tr>':'');"
    "document.getElementById('count').textContent=v.length+' of '+rows.length+' sites'+"
    "(v.length>shown.length?' (first '+shown.length+' shown)':'');"
    "document.querySelectorAll('#sites th').forEach(th=>th.setAttribute('aria-sort',"
    "th.dataset.key===key?(dir>0?'ascending':'descending'):'none'));}\n"
    "const reset=()=>{limit=500;render();};\n"
"document.querySelectorAll('#sites th').forEach(th=>th.addEventListener('click',()=>{"
    "const k=th.dataset.key;dir=k===key?-dir:1;key=k;reset();}));\n"
    "document.getElementById('filter').addEventListener('input',reset);\n"
    "document.getElementById('status').addEventListener('change',reset);\n"
    "tbody.addEventListener('click',e=>{if(e.target.id==='more'){limit+=2000;render();return;}"
    "const tr=e.target.closest('tr.site');if(!tr)return;"
    "const n=tr.nextElementSibling;if(n&&n.classList.contains('detail')){n.remove();return;}"
    "const s=rows[+tr.dataset.i],r=rules[s.rule]||{};const d=document.createElement('tr');"
    "d.className='detail';d.innerHTML='<td colspan=\"6\"><div class=\"help\"><a href=\"'+esc(r.doc)+"
    "'\">'+esc(s.rule)+'</a> '+esc(r.title)+' &middot; '+esc(s.file)+':'+s.line+':'+s.column+"
    "' ('+esc(s.class)+')</div><div class=\"snip\"><div><b>before</b><pre>'+esc(s.before)+"
    "'</pre></div><div><b>'+(s.rewritten?'after':'suggested native form')+'</b><pre>'+"
    "esc(s.after)+'</pre></div></div></td>';tr.after(d);});\n"
    "render();\n"
    "</script>\n</body>\n</html>\n";

int anyc__report_html(FILE *out, const report *r)
{
  const run_stats *st = r->st;
  char uri[1024];
  fputs(page_head, out);
  fprintf(out, "{\"summary\": {\"files_scanned\": %zu, \"files_legacy\": %zu, \"sites\": %zu, "
               "\"rewritten\": %zu, \"left\": %zu, \"files_not_parsed\": %zu, "
               "\"percent_migrated\": %.1f},\n\"rules\": [",
          st->files_scanned, st->files_legacy, st->sites, st->rewritten, st->left,
          st->not_parsed, r->percent);
  for (size_t i = 0; i < r->nrules; i++) {
    const report_rule *ru = &r->rules[i];
    fprintf(out, "%s{\"id\": \"%s\", \"name\": ", i ? "," : "", ru->info->id);
    anyc__json_str(out, ru->info->name, 1);
    fputs(", \"title\": ", out);
    anyc__json_str(out, ru->info->title, 1);
    fputs(", \"doc\": ", out);
    anyc__json_str(out, anyc__rule_uri(r, ru->info->id, uri, sizeof uri), 1);
    fprintf(out, ", \"rewritten\": %zu, \"left\": %zu}", ru->rewritten, ru->left);
  }
  fputs("],\n\"folders\": [", out);
  for (size_t i = 0; i < r->nfolders; i++) {
    fputs(i ? ",{\"path\": " : "{\"path\": ", out);
    anyc__json_str(out, r->folders[i].path, 1);
    fprintf(out, ", \"rewritten\": %zu, \"left\": %zu}", r->folders[i].rewritten,
            r->folders[i].left);
  }
  fputs("],\n\"sites\": [", out);
  for (size_t i = 0; i < r->nsites; i++) {
    const report_site *rs = &r->sites[i];
    fputs(i ? ",\n{\"file\": " : "\n{\"file\": ", out);
    anyc__json_str(out, rs->file->path, 1);
    fprintf(out, ", \"line\": %u, \"column\": %u, \"rule\": \"%s\", \"rewritten\": %s, "
                 "\"class\": \"%s\", \"legacy\": ",
            rs->s->line, rs->col_cp, rs->s->rule, rs->s->rewritten ? "true" : "false",
            anyc__site_class_name(rs->s->cls));
    anyc__json_str(out, rs->s->what, 1);
    fputs(", \"reason\": ", out);
    anyc__json_str(out, rs->s->reason, 1);
    fputs(", \"before\": ", out);
    anyc__json_str(out, rs->before, 1);
    fputs(", \"after\": ", out);
    anyc__json_str(out, rs->after, 1);
    fputc('}', out);
  }
  fputs("]}", out);
  fputs(page_tail, out);
  return ferror(out) ? -EIO : 0;
}
