/* main.c — the anyc-migrate executable: everything is in the core library so the
 * tests can run the whole tool in-process (see driver.c). */
#include <stdio.h>

#include "migrate.h"

int main(int argc, char **argv)
{
  return anyc__migrate_main(argc, argv, stdout, stderr);
}
