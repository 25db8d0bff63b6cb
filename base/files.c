#include "base/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct files_atomic {
  FILE *f;
  char *path, *tmp;
};

files_atomic_t *files_atomic_new(const char *path, mode_t mode) {
  files_atomic_t *a = calloc(1, sizeof *a);
  size_t len = strlen(path) + 32;
  int fd = -1;
  if (!a || !(a->path = strdup(path)) || !(a->tmp = malloc(len))) goto fail;
  /* The pid keeps two processes that write the same file (shards of a run in one folder) apart. */
  snprintf(a->tmp, len, "%s.tmp.%d", path, (int)getpid());
  fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) goto fail;
  if (!(a->f = fdopen(fd, "w"))) {
    int saved = errno;
    close(fd);
    unlink(a->tmp);
    errno = saved;
    goto fail;
  }
  return a;
fail:
  if (a) {
    free(a->path);
    free(a->tmp);
  }
  free(a);
  return NULL;
}

FILE *files_atomic_stream(files_atomic_t *a) { return a->f; }

int files_atomic_commit(files_atomic_t *a) {
  int rc = -1, saved = 0;
  FILE *f = a->f;
  a->f = NULL;
  /* The data must be on the disk before the name points at it: after a crash
   * the rename may have happened while the data had not, and the file would be empty. */
  bool written = fflush(f) == 0 && !ferror(f) && fsync(fileno(f)) == 0;
  if (!written) saved = errno;
  if (fclose(f) != 0 && written) {
    written = false;
    saved = errno;
  }
  if (written && rename(a->tmp, a->path) == 0) rc = 0;
  else if (written) saved = errno;
  if (rc != 0) unlink(a->tmp);
  free(a->path);
  free(a->tmp);
  free(a);
  if (rc != 0) errno = saved ? saved : EIO;
  return rc;
}

void files_atomic_free(files_atomic_t *a) {
  if (!a) return;
  if (a->f) {
    fclose(a->f);
    unlink(a->tmp);
  }
  free(a->path);
  free(a->tmp);
  free(a);
}

int files_write(const char *path, const void *data, size_t len, mode_t mode) {
  files_atomic_t *a = files_atomic_new(path, mode);
  if (!a) return -1;
  if (len && fwrite(data, 1, len, files_atomic_stream(a)) != len) {
    int saved = errno;
    files_atomic_free(a);
    errno = saved ? saved : EIO;
    return -1;
  }
  return files_atomic_commit(a);
}

int files_write_text(const char *path, const char *text, mode_t mode) { return files_write(path, text, strlen(text), mode); }

int files_write_json(const char *path, const cJSON *obj, mode_t mode) {
  char *text = cJSON_Print(obj);
  int rc = -1;
  if (!text) {
    errno = ENOMEM;
    return -1;
  }
  files_atomic_t *a = files_atomic_new(path, mode);
  if (a && fputs(text, files_atomic_stream(a)) >= 0 && fputc('\n', files_atomic_stream(a)) != EOF) {
    rc = files_atomic_commit(a);
    a = NULL;
  }
  files_atomic_free(a);
  cJSON_free(text);
  return rc;
}

/* Reads what is left of fd into buf (room for cap bytes), growing it up to cap; *n bytes are read. 0 or -1. */
static int read_all(int fd, char **buf, size_t *room, size_t cap, size_t *n) {
  for (;;) {
    if (*n == *room) {
      if (*room >= cap) return 0; /* full: the caller tells whether there was more */
      size_t grow = *room * 2 < cap ? *room * 2 : cap;
      char *nb = realloc(*buf, grow + 1);
      if (!nb) return -1;
      *buf = nb;
      *room = grow;
    }
    ssize_t got = read(fd, *buf + *n, *room - *n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return -1;
    if (got == 0) return 0;
    *n += (size_t)got;
  }
}

char *files_read(const char *path, size_t max, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC), saved = 0;
  char *buf = NULL;
  /* One more byte than max is read, so that a file of more than max is told from one of exactly max. */
  size_t n = 0, room = 65536, cap = max + 1;
  struct stat st;
  if (fd < 0) return NULL;
  bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (regular && (size_t)st.st_size > max) {
    saved = EFBIG;
    goto fail;
  }
  if (regular) room = (size_t)st.st_size + 1; /* a file that grows meanwhile is read on, up to cap */
  if (room > cap) room = cap;
  if (!(buf = malloc(room + 1)) || read_all(fd, &buf, &room, cap, &n) < 0) {
    saved = errno ? errno : ENOMEM;
    goto fail;
  }
  if (n > max) {
    saved = EFBIG;
    goto fail;
  }
  close(fd);
  buf[n] = 0;
  if (len) *len = n;
  return buf;
fail:
  close(fd);
  free(buf);
  errno = saved;
  return NULL;
}

cJSON *files_read_json(const char *path) {
  size_t len = 0;
  char *text = files_read(path, FILES_INPUT_MAX, &len);
  cJSON *j = text ? cJSON_ParseWithLength(text, len) : NULL;
  free(text);
  return j;
}

void files_tail(const char *path, char *out, size_t outlen) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  size_t n = 0;
  out[0] = 0;
  if (fd < 0 || outlen < 2) goto out;
  off_t end = lseek(fd, 0, SEEK_END);
  off_t from = end > (off_t)(outlen - 1) ? end - (off_t)(outlen - 1) : 0;
  if (end < 0 || lseek(fd, from, SEEK_SET) < 0) goto out;
  while (n < outlen - 1) {
    ssize_t got = read(fd, out + n, outlen - 1 - n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    n += (size_t)got;
  }
  out[n] = 0;
  /* A log is text: it ends at its first NUL, and its last newlines say nothing. */
  n = strlen(out);
  while (n && out[n - 1] == '\n') out[--n] = 0;
out:
  if (fd >= 0) close(fd);
}
