# unused_result_check.cmake — spec: "Checkpoints are declared warn_unused_result so a
# caller cannot silently ignore a cancellation".  Compiling a call whose status is
# dropped must fail under -Werror=unused-result, for every checkpoint of anyc.h; the same
# calls with their status used must compile.  (-c, not -fsyntax-only: GCC warns about
# unused results after parsing.)
#   cmake -DCC=<compiler> -DINCLUDE=<include dir> -DWORK=<dir> -P unused_result_check.cmake
set(calls
  "anyc_sleep(1)" "anyc_sleep_until(1)" "anyc_checkpoint()" "anyc_event_wait(&e)"
  "anyc_lock_acquire(&l)" "anyc_semaphore_acquire(&s)" "anyc_limiter_acquire(&lim)"
  "anyc_send(tx, 0)" "anyc_receive(rx, &item)" "anyc_to_thread(fn, 0, 0)"
  "anyc_start(&g, sfn, 0, 0)" "anyc_group_close(&g, 0)" "anyc_accept(lst, &st)"
  "anyc_stream_receive(st, buf, 1)" "anyc_stream_send(st, buf, 1)")
file(MAKE_DIRECTORY ${WORK})
foreach(call ${calls})
  foreach(mode drop use)
    if(mode STREQUAL "drop")
      set(stmt "${call};")
    else()
      set(stmt "int rc = (int)${call}; (void)rc;")
    endif()
    file(WRITE ${WORK}/check.c "#include <anyc.h>
void f(anyc_event e, anyc_lock l, anyc_semaphore s, anyc_limiter lim, anyc_sender *tx,
       anyc_receiver *rx, anyc_fn fn, anyc_group g, anyc_start_fn sfn, anyc_listener *lst,
       anyc_stream *st, char *buf);
void f(anyc_event e, anyc_lock l, anyc_semaphore s, anyc_limiter lim, anyc_sender *tx,
       anyc_receiver *rx, anyc_fn fn, anyc_group g, anyc_start_fn sfn, anyc_listener *lst,
       anyc_stream *st, char *buf)
{
  void *item;
  (void)e; (void)l; (void)s; (void)lim; (void)tx; (void)rx; (void)fn; (void)g; (void)sfn;
  (void)lst; (void)st; (void)buf; (void)item;
  ${stmt}
}
")
    execute_process(COMMAND ${CC} -std=c11 -c -o ${WORK}/check.o -Werror=unused-result -I ${INCLUDE}
                            ${WORK}/check.c RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(mode STREQUAL "drop" AND rc EQUAL 0)
      message(FATAL_ERROR "${call}: an ignored status compiles without a warning")
    elseif(mode STREQUAL "use" AND NOT rc EQUAL 0)
      message(FATAL_ERROR "${call}: using the status does not compile:\n${err}")
    endif()
  endforeach()
endforeach()
message(STATUS "every checkpoint is warn_unused_result")
