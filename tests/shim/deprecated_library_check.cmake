# deprecated_library_check.cmake — compile every shim source with
# -DASYNC_SERVICE_DEPRECATED -Werror: the library's own legacy calls must not warn.
#   cmake -DCC=<compiler> -DINCLUDE=<dir> -DSHIM=<shim dir> -P deprecated_library_check.cmake
file(GLOB sources ${SHIM}/*.c)
foreach(src ${sources})
  execute_process(COMMAND ${CC} -std=c11 -D_GNU_SOURCE -DASYNC_SERVICE_DEPRECATED -Wall
                          -Werror -fsyntax-only -I${INCLUDE} -I${SHIM} ${src}
                  ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${src} does not build with ASYNC_SERVICE_DEPRECATED:\n${err}")
  endif()
endforeach()
