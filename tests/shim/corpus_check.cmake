# corpus_check.cmake — run one corpus program and compare its stdout with expected.txt.
#   cmake -DPROGRAM=<exe> -DEXPECTED=<expected.txt> -P corpus_check.cmake
# The program must exit 0; any difference prints both transcripts and fails.
execute_process(COMMAND ${PROGRAM} OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE rc TIMEOUT 60)
file(READ ${EXPECTED} want)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${rc}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(NOT out STREQUAL want)
  message(FATAL_ERROR "transcript differs\n--- expected\n${want}--- got\n${out}--- stderr\n${err}")
endif()
