# deprecated_check.cmake — compile a legacy source with -DASYNC_SERVICE_DEPRECATED and
# check that the compiler names each legacy call with its native replacement.
#   cmake -DCC=<compiler> -DINCLUDE=<dir> -DSOURCE=<file.c> -P deprecated_check.cmake
execute_process(COMMAND ${CC} -std=c11 -fsyntax-only -DASYNC_SERVICE_DEPRECATED
                        -I${INCLUDE} ${SOURCE}
                ERROR_VARIABLE err RESULT_VARIABLE rc)
foreach(want "as_run_daemon_task" "use anyc_start_soon_named (anyc.h)"
             "as_sleep" "use anyc_sleep (anyc.h)" "as_cancel" "use anyc_group_cancel")
  string(FIND "${err}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "no deprecation naming '${want}' in:\n${err}")
  endif()
endforeach()
