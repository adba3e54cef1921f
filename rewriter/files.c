/* files.c — which files a run looks at, and their real identity.
 *
 * Files are keyed by dev/inode, not by the spelled path, so a header reached through a
 * symlink, a relative path and its real path is one file and gets each edit once.
 * Folders are walked for *.c and *.h (sorted, so runs are deterministic); --exclude
 * globs match the path as walked and its basename. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate.h"

int anyc__file_identity(const char *path, file_id *out)
{
  struct stat st;
  if (stat(path, &st) != 0)
    return -errno;
  out->dev = st.st_dev;
  out->ino = st.st_ino;
  return 0;
}

src_file *anyc__file_lookup(file_table *t, file_id id)
{
  for (size_t i = 0; i < t->f.n; i++)
    if (t->f.v[i].id.dev == id.dev && t->f.v[i].id.ino == id.ino)
      return &t->f.v[i];
  return NULL;
}

static int excluded(const options *o, const char *path)
{
  const char *base = strrchr(path, '/'), *rel = path;
  base = base ? base + 1 : path;
  while (rel[0] == '.' && rel[1] == '/') /* `./src/gen/x.c` matches the glob `src/gen/x.c` too */
    rel += 2;
  for (size_t i = 0; i < o->exclude.n; i++)
    if (fnmatch(o->exclude.v[i], path, 0) == 0 || fnmatch(o->exclude.v[i], rel, 0) == 0 ||
        fnmatch(o->exclude.v[i], base, 0) == 0)
      return 1;
  return 0;
}

static int c_or_h(const char *name)
{
  size_t n = strlen(name);
  return n > 2 && name[n - 2] == '.' && (name[n - 1] == 'c' || name[n - 1] == 'h');
}

static void add_file(file_table *t, const char *path, file_id id)
{
  if (anyc__file_lookup(t, id))
    return; /* the same file named twice (or through a symlink) */
  src_file f = {0};
  f.path = anyc__xstrdup(path);
  f.id = id;
  f.scanned = 1;
  VEC_PUSH(t->f, f);
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const options *o, file_table *t, const char *dir, FILE *err, int *bad)
{
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(err, "anyc-migrate: cannot read folder %s: %s\n", dir, strerror(errno));
    ++*bad;
    return;
  }
  VEC(char *) names = {0};
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.')
      VEC_PUSH(names, anyc__xstrdup(e->d_name));
  closedir(d);
  if (names.n)
    qsort(names.v, names.n, sizeof *names.v, cmp_str);
  for (size_t i = 0; i < names.n; i++) {
    size_t dl = strlen(dir);
    char *p = anyc__xasprintf("%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", names.v[i]);
    struct stat st;
    if (!excluded(o, p) && stat(p, &st) == 0) {
      if (S_ISDIR(st.st_mode))
        walk(o, t, p, err, bad);
      else if (S_ISREG(st.st_mode) && c_or_h(names.v[i]))
        add_file(t, p, (file_id){st.st_dev, st.st_ino});
    }
    free(p);
    free(names.v[i]);
  }
  free(names.v);
}

void anyc__collect_files(const options *o, file_table *t, FILE *err, int *bad)
{
  for (size_t i = 0; i < o->paths.n; i++) {
    const char *p = o->paths.v[i];
    struct stat st;
    if (stat(p, &st) != 0) {
      fprintf(err, "anyc-migrate: cannot read %s: %s\n", p, strerror(errno));
      ++*bad;
    } else if (S_ISDIR(st.st_mode)) {
      walk(o, t, p, err, bad);
    } else if (!excluded(o, p)) {
      if (access(p, R_OK) != 0) {
        fprintf(err, "anyc-migrate: cannot read %s: %s\n", p, strerror(errno));
        ++*bad;
      } else {
        add_file(t, p, (file_id){st.st_dev, st.st_ino});
      }
    }
  }
}

int anyc__read_file(const char *path, char **data, size_t *size)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  sbuf b = {0};
  char chunk[65536];
  for (;;) {
    ssize_t r = read(fd, chunk, sizeof chunk);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      int e = -errno;
      close(fd);
      free(b.s);
      return e;
    }
    if (r == 0)
      break;
    anyc__sb_addn(&b, chunk, (size_t)r);
  }
  close(fd);
  if (!b.s)
    b.s = anyc__xstrdup("");
  *data = b.s;
  *size = b.n;
  return 0;
}

static int cmp_id(const void *pa, const void *pb)
{
  const file_id *a = pa, *b = pb;
  if (a->dev != b->dev)
    return a->dev < b->dev ? -1 : 1;
  return a->ino < b->ino ? -1 : a->ino > b->ino;
}

void anyc__file_index_build(file_table *t)
{
  free(t->index);
  t->index = anyc__xrealloc(NULL, (t->f.n + 1) * sizeof *t->index);
  t->nindex = t->f.n;
  for (size_t i = 0; i < t->f.n; i++)
    t->index[i] = t->f.v[i].id;
  if (t->nindex)
    qsort(t->index, t->nindex, sizeof *t->index, cmp_id);
}

int anyc__file_scanned(const file_table *t, file_id id)
{
  return t->nindex && bsearch(&id, t->index, t->nindex, sizeof id, cmp_id) != NULL;
}

void anyc__sites_free(site_vec *v)
{
  for (size_t s = 0; s < v->n; s++) {
    free(v->v[s].what);
    free(v->v[s].reason);
    free(v->v[s].suggest);
  }
  free(v->v);
  v->v = NULL;
  v->n = v->cap = 0;
}

void anyc__file_table_free(file_table *t)
{
  free(t->index);
  for (size_t i = 0; i < t->f.n; i++) {
    src_file *f = &t->f.v[i];
    free(f->path);
    free(f->content);
    free(f->conflict_msg);
    free(f->parse_msg);
    anyc__edits_free(&f->edits);
    anyc__edits_free(&f->svc_edits);
    anyc__sites_free(&f->sites);
  }
  free(t->f.v);
}
