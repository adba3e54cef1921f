#!/usr/bin/env python3
"""report_schema.py — ctest script: run anyc-migrate with --report on a small tree that
has rewritten, left, macro and unparsable sites, and validate the JSON against
docs/report-schema-1.json; check the numbers agree with each other and with the sites.
Usage: report_schema.py ANYC_MIGRATE SOURCE_DIR.  Exit 77 (skipped) without jsonschema."""
import json, os, subprocess, sys, tempfile

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(77)

tool, src = sys.argv[1], sys.argv[2]
with tempfile.TemporaryDirectory() as d:
    files = {
        "ok.c": '#include <async_service.h>\nstatic int t(void *p) { (void)p; return as_sleep(1); }\n'
                'int main(void) { return as_run(t, NULL); }\n',
        "left.c": '#include <async_service.h>\n#define NAP() as_sleep(1)\nint (*fp)(double) = as_sleep;\n'
                  'int f(void);\nint f(void) { return NAP() + AS_ELIFECYCLE; }\n',
        "bad.c": '#include <async_service.h>\nint f( { return as_sleep(1); }\n',
        "plain.c": 'int g(void);\nint g(void) { return 0; }\n',
    }
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    rep = os.path.join(d, "r.json")
    rc = subprocess.run([tool, "-q", "-I", os.path.join(src, "include"), "--report", rep, d]).returncode
    assert rc == 3, f"exit {rc}, want 3 (bad.c does not parse)"
    report = json.load(open(rep))
    schema = json.load(open(os.path.join(src, "docs", "report-schema-1.json")))
    jsonschema.validate(report, schema)
    s = report["summary"]
    sites = [x for f in report["files"] for x in f["sites"]]
    assert s["sites"] == len(sites) == s["rewritten"] + s["left"], s
    assert s["rewritten"] == sum(x["rewritten"] for x in sites)
    assert s["files_scanned"] == 4 and s["files_not_parsed"] == 1, s
    assert sum(r["rewritten"] + r["left"] for r in report["rules"]) == s["sites"]
    for r in report["rules"]:
        assert os.path.exists(os.path.join(src, r["doc"])), r["doc"]
    status = {os.path.basename(f["path"]): f["status"] for f in report["files"]}
    assert status["bad.c"] == "not-parsed", status
    rules = {x["rule"] for x in sites}
    assert {"AS010", "AS012", "AS001", "AS104", "AS105", "AS108"} <= rules, rules
print("report valid:", s)
