# The migration report (issue 7): every format produced from one run over a fixture tree
# (and, once present, the corpus), JSON and SARIF schema-validated, the numbers compared
# across formats, the HTML page driven in headless Chromium, and a 10,000-site report
# checked for render time and size.  Included from tests/rewriter/CMakeLists.txt.
set(REPORT_DIR ${CMAKE_CURRENT_BINARY_DIR}/report)
set(SARIF_SCHEMA ${PROJECT_SOURCE_DIR}/../shared/reference/sarif-schema-2.1.0.json)
find_program(ANYC_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)

add_executable(gen_big_report gen_big_report.c)
target_link_libraries(gen_big_report PRIVATE anyc_migrate_core)

# 1. one run, four formats (the fixture is copied: the tool's default mode changes
#    nothing, but a test never points a tool at checked-in sources it could write)
add_test(NAME rewriter.report_formats
  COMMAND sh -c "rm -rf '${REPORT_DIR}' && mkdir -p '${REPORT_DIR}' && cp -r '${CMAKE_CURRENT_SOURCE_DIR}/fixtures/report/src' '${REPORT_DIR}/src' && cd '${REPORT_DIR}' && for f in json sarif md html; do $<TARGET_FILE:anyc-migrate> -q -I '${PROJECT_SOURCE_DIR}/include' --report report.$f src >/dev/null || exit 1; done")
set_tests_properties(rewriter.report_formats PROPERTIES FIXTURES_SETUP anyc_reports
                     LABELS rewriter TIMEOUT 120)

# 2. schemas and identical numbers
add_test(NAME rewriter.report_validate
  COMMAND ${ANYC_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/check_reports.py
          ${REPORT_DIR}/report.json ${REPORT_DIR}/report.sarif ${REPORT_DIR}/report.md
          ${REPORT_DIR}/report.html ${PROJECT_SOURCE_DIR}/docs/report.schema.json
          ${SARIF_SCHEMA})
set_tests_properties(rewriter.report_validate PROPERTIES FIXTURES_REQUIRED anyc_reports
                     LABELS rewriter TIMEOUT 60)

# 3. the page in a real browser; the screenshot stays under build/ as a CI artefact.
#    playwright-core is installed once per build tree by a setup test.
set(NODE_DIR ${PROJECT_BINARY_DIR}/node)
add_test(NAME rewriter.browser_setup
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/browser-test.sh --setup ${NODE_DIR})
set_tests_properties(rewriter.browser_setup PROPERTIES FIXTURES_SETUP anyc_browser
                     LABELS "rewriter;browser" TIMEOUT 300 SKIP_RETURN_CODE 77)
add_test(NAME rewriter.report_browser
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/browser-test.sh ${NODE_DIR} ${REPORT_DIR}/report.html
          ${PROJECT_BINARY_DIR}/report-screenshot.png)
set_tests_properties(rewriter.report_browser PROPERTIES
                     FIXTURES_REQUIRED "anyc_reports;anyc_browser"
                     LABELS "rewriter;browser" TIMEOUT 300 SKIP_RETURN_CODE 77)

# 4. a large report: 10,000 sites render in under 2 s and the page stays under 5 MB
add_test(NAME rewriter.report_browser_large
  COMMAND sh -c "$<TARGET_FILE:gen_big_report> html '${REPORT_DIR}/large.html' 10000 && test $(stat -c %s '${REPORT_DIR}/large.html') -lt 5000000 && '${CMAKE_CURRENT_SOURCE_DIR}/browser-test.sh' '${NODE_DIR}' '${REPORT_DIR}/large.html' '${PROJECT_BINARY_DIR}/report-large-screenshot.png' 2000")
set_tests_properties(rewriter.report_browser_large PROPERTIES
                     FIXTURES_REQUIRED "anyc_reports;anyc_browser"
                     LABELS "rewriter;browser" TIMEOUT 300 SKIP_RETURN_CODE 77)

# 5. the same four formats over the whole corpus (a scratch copy), validated the same way
set(CORPUS_REPORT_DIR ${CMAKE_CURRENT_BINARY_DIR}/report-corpus)
add_test(NAME rewriter.report_corpus
  COMMAND sh -c "rm -rf '${CORPUS_REPORT_DIR}' && mkdir -p '${CORPUS_REPORT_DIR}' && cp -r '${PROJECT_SOURCE_DIR}/corpus' '${CORPUS_REPORT_DIR}/corpus' && cd '${CORPUS_REPORT_DIR}' && for f in json sarif md html; do $<TARGET_FILE:anyc-migrate> -q -I '${PROJECT_SOURCE_DIR}/include' --exclude migrated --report report.$f corpus >/dev/null || exit 1; done && ${ANYC_PYTHON3} '${CMAKE_CURRENT_SOURCE_DIR}/check_reports.py' report.json report.sarif report.md report.html '${PROJECT_SOURCE_DIR}/docs/report.schema.json' '${SARIF_SCHEMA}'")
set_tests_properties(rewriter.report_corpus PROPERTIES LABELS rewriter TIMEOUT 300)
