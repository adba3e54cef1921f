#!/usr/bin/python3
"""Check the four renderings of one anyc-migrate run (tests/rewriter/report.cmake).

usage: check_reports.py REPORT.json REPORT.sarif REPORT.md REPORT.html JSON_SCHEMA [SARIF_SCHEMA]

- the JSON report validates against docs/report.schema.json;
- the SARIF report validates against the OASIS SARIF 2.1.0 schema (when given and present;
  the schema is read from ../shared/reference, nothing of it is copied here);
- every format carries the same numbers: sites, rewritten, left, per rule, per site.
"""
import json
import os
import re
import sys

import jsonschema


def validate(doc, schema_path, what):
    schema = json.load(open(schema_path))
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
    for e in errors[:10]:
        print(f"{what}: {'/'.join(map(str, e.path))}: {e.message[:300]}")
    if errors:
        sys.exit(f"{what}: {len(errors)} schema errors")
    print(f"{what}: valid against {os.path.basename(schema_path)}")


def main():
    jpath, spath, mpath, hpath, jschema = sys.argv[1:6]
    sschema = sys.argv[6] if len(sys.argv) > 6 else ""
    rep = json.load(open(jpath))
    validate(rep, jschema, "json")
    sarif = json.load(open(spath))
    if sschema and os.path.exists(sschema):
        validate(sarif, sschema, "sarif")
    else:
        print("sarif: OASIS schema not found; schema validation skipped")

    summ = rep["summary"]
    sites = [(f["path"], s["line"], s["rule"], s["rewritten"]) for f in rep["files"] for s in f["sites"]]
    assert summ["sites"] == len(sites) == summ["rewritten"] + summ["left"], summ
    assert summ["rewritten"] == sum(1 for s in sites if s[3])
    assert summ["sites"] > 0 and summ["left"] > 0 and summ["rewritten"] > 0, "fixture should have both"
    per_rule = {r["id"]: (r["rewritten"], r["left"]) for r in rep["rules"]}
    for rid, (rw, lf) in per_rule.items():
        assert rw == sum(1 for s in sites if s[2] == rid and s[3]), rid
        assert lf == sum(1 for s in sites if s[2] == rid and not s[3]), rid

    # SARIF: one result per site, levels, rules, fixes for rewritten sites
    run = sarif["runs"][0]
    res = run["results"]
    assert len(res) == summ["sites"], (len(res), summ["sites"])
    assert sum(1 for r in res if r["level"] == "warning") == summ["left"]
    assert sum(1 for r in res if r["level"] == "note") == summ["rewritten"]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids == [r["id"] for r in rep["rules"]], "same rules in the same order"
    assert run["columnKind"] in ("unicodeCodePoints", "utf16CodeUnits")
    for r in res:
        assert r["partialFingerprints"], r
        loc = r["locations"][0]["physicalLocation"]
        assert loc["region"]["startLine"] >= 1 and loc["region"]["startColumn"] >= 1
        if r["level"] == "note":
            assert r.get("fixes"), ("rewritten site without a fix", r["ruleId"])
    assert run["properties"]["summary"] == summ, "SARIF carries the summary"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    bad = [f["path"] for f in rep["files"] if f["status"] != "ok"]
    assert len(notes) == len(bad), "one notification per file not parsed or not written"
    assert run["invocations"][0]["executionSuccessful"] == (not bad)
    fps = [tuple(r["partialFingerprints"].values()) for r in res]
    assert len(set(fps)) == len(fps), "fingerprints are unique"

    # Markdown: the summary row, the per-rule rows, one checklist item per left site
    md = open(mpath).read()
    row = f"| {summ['files_scanned']} | {summ['files_legacy']} | {summ['sites']} | " \
          f"{summ['rewritten']} | {summ['left']} | {summ['files_not_parsed']} |"
    assert row in md, row
    for rid, (rw, lf) in per_rule.items():
        if rw or lf:
            assert re.search(rf"\| \[{rid}\]\([^)]*\) \|.*\| {rw} \| {lf} \|", md), rid
    assert md.count("- [ ] ") == min(summ["left"], 100)

    # HTML: self-contained, and the embedded model has the same numbers
    html = open(hpath).read()
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", html), "no network"
    data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>',
                                html, re.S).group(1))
    for k in ("sites", "rewritten", "left", "files_scanned", "files_not_parsed",
              "percent_migrated"):
        assert data["summary"][k] == summ[k], k
    assert len(data["sites"]) == summ["sites"]
    assert {r["id"]: (r["rewritten"], r["left"]) for r in data["rules"]} == per_rule
    print(f"reports agree: {summ['sites']} sites, {summ['rewritten']} rewritten, {summ['left']} left")


if __name__ == "__main__":
    main()
