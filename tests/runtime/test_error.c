/* test_error.c — runtime/error.c: anyc_fail messages and error records. */
#include <errno.h>
#include <string.h>

#include <uv.h>

#include "anyc_test.h"

static int long_message(void *arg)
{
  (void)arg;
  char big[3000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  return anyc_fail(-EIO, "%s", big);
}

static int replaced(void *arg)
{
  (void)arg;
  anyc_fail(-EIO, "first");
  return anyc_fail(-EPIPE, "second"); /* the latest message wins */
}

static int records(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon_named(&g, "long", long_message, NULL), 0);
  CHECK_INT(anyc_start_soon_named(&g, "twice", replaced, NULL), 0);
  CHECK_INT(anyc_group_close(&g, 0), -EIO);
  CHECK_INT(anyc_error_count(), 2);
  anyc_error_info e;
  CHECK_INT(anyc_error_at(0, &e), 0);
  CHECK(e.message && strlen(e.message) == 2999);
  CHECK_INT(anyc_error_at(1, &e), 0);
  CHECK_INT(e.code, -EPIPE);
  CHECK(e.message && strcmp(e.message, "second") == 0);
  CHECK_INT(anyc_error_at(0, NULL), -EINVAL);
  CHECK_INT(anyc_error_at(2, &e), -ERANGE);
  return 0;
}

/* spec: anyc_fail attaches a message and returns code; records carry code, task name,
 * message, in order. */
static void test_error_fail_messages_are_recorded(void **state)
{
  (void)state;
  run_mock_checked(records);
  assert_int_equal(anyc_fail(-EIO, "outside a task"), -EIO); /* still returns the code */
}

/* spec (Conventions): anyc_strerror names any code — the runtime's own, libuv's, and
 * every errno, including those libuv has no entry for. */
static void test_error_strerror_names_every_code(void **state)
{
  (void)state;
  assert_string_equal(anyc_strerror(0), "success");
  assert_string_equal(anyc_strerror(ANYC_EOF), "end of stream");
  assert_string_equal(anyc_strerror(-ECANCELED), "operation cancelled");
  assert_string_equal(anyc_strerror(-ETIMEDOUT), "timed out");
  assert_non_null(strstr(anyc_strerror(-4201), "AS_ELIFECYCLE"));
  assert_string_equal(anyc_strerror(-ECONNREFUSED), uv_strerror(UV_ECONNREFUSED));
  assert_string_equal(anyc_strerror(UV_EAI_NONAME), uv_strerror(UV_EAI_NONAME));
  /* errnos libuv does not map: the C library's description in libuv's lower case,
   * never "unknown error" */
  assert_string_equal(anyc_strerror(-EBADMSG), "bad message");
  assert_string_equal(anyc_strerror(-ESTALE), "stale file handle");
  assert_string_equal(anyc_strerror(-EDQUOT), "disk quota exceeded");
  assert_string_equal(anyc_strerror(-EOWNERDEAD), "owner died");
  assert_string_equal(anyc_strerror(-EREMOTEIO), "remote I/O error");
  assert_string_equal(anyc_strerror(-EBADMSG), anyc_strerror(-EBADMSG)); /* stable */
  assert_ptr_equal(anyc_strerror(-EBADMSG), anyc_strerror(-EBADMSG));
  assert_string_equal(anyc_strerror(-4000), "unknown error");
  assert_string_equal(anyc_strerror(12345), "unknown error");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_error_fail_messages_are_recorded),
      TEST(test_error_strerror_names_every_code),
  };
  return cmocka_run_group_tests_name("runtime/error", tests, NULL, NULL);
}
