/* output.c — what leaves the tool: files replaced atomically (the report: report.c).
 *
 * Replacing a file: read it again and compare with the bytes the parses saw (a file
 * changed on disk since is not written: -ESTALE), write the new text beside it, fsync,
 * give it the old mode, compare once more, rename over the original, fsync the folder.
 * A failure at any step leaves the original as it was. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate.h"

void (*anyc__before_write_hook)(const char *path);

static int unchanged(const char *path, const char *expect, size_t n)
{
  char *now;
  size_t nn;
  int r = anyc__read_file(path, &now, &nn);
  if (r != 0)
    return r;
  r = nn == n && memcmp(now, expect, n) == 0 ? 0 : -ESTALE;
  free(now);
  return r;
}

int anyc__replace_file(const char *path, const char *expect, size_t expect_n,
                       const char *data, size_t n)
{
  int r = unchanged(path, expect, expect_n);
  if (r != 0)
    return r;
  /* Resolve a symlink: replace the file it names, keep the link. */
  char *real = realpath(path, NULL);
  if (!real)
    return -errno;
  struct stat st;
  if (stat(real, &st) != 0) {
    r = -errno;
    free(real);
    return r;
  }
  /* A read-only file is the user's "do not touch", even for root (who could rename
   * over it). */
  if (!(st.st_mode & 0222) || access(real, W_OK) != 0) {
    free(real);
    return -EACCES;
  }
  char *tmp = anyc__xasprintf("%s.anyc-migrate.XXXXXX", real);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    r = -errno;
    goto out;
  }
  for (size_t done = 0; done < n;) {
    ssize_t w = write(fd, data + done, n - done);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      r = -errno;
      break;
    }
    done += (size_t)w;
  }
  /* the owner too, where this process may set it (root rewriting a user's tree): the
   * new file must not become root's.  Before the mode: a chown clears set-id bits. */
  if (r == 0 && (st.st_uid != geteuid() || st.st_gid != getegid()) &&
      fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM)
    r = -errno;
  if (r == 0 && fchmod(fd, st.st_mode & 07777) != 0)
    r = -errno;
  if (r == 0 && fsync(fd) != 0)
    r = -errno;
  if (close(fd) != 0 && r == 0)
    r = -errno;
  if (r == 0 && anyc__before_write_hook)
    anyc__before_write_hook(path);
  if (r == 0)
    r = unchanged(real, expect, expect_n);
  if (r == 0 && rename(tmp, real) != 0)
    r = -errno;
  if (r != 0) {
    unlink(tmp);
  } else {
    char *dcopy = anyc__xstrdup(real);
    int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      fsync(dfd);
      close(dfd);
    }
    free(dcopy);
  }
out:
  free(tmp);
  free(real);
  return r;
}
