/* replay: runs a fuzz target once on each file named, or on each file in each
 * directory named, without libFuzzer. The regression inputs run this way in
 * every build (see tests/CMakeLists.txt). */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rbe");
  if (!f) {
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return -1;
  }
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0, got;
  do {
    if (len == cap) {
      uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
      if (!nb) abort();
      buf = nb;
    }
    got = fread(buf + len, 1, cap - len, f);
    len += got;
  } while (got > 0);
  fclose(f);
  LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  return 0;
}

/* A file, or every file under a directory; returns -1 if one could not be read. */
static int replay_path(const char *path, int *files) {
  struct stat st;
  if (stat(path, &st) < 0) {
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    (*files)++;
    return replay_file(path);
  }
  int rc = 0;
  DIR *d = opendir(path);
  for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
    char sub[4096];
    if (e->d_name[0] == '.') continue;
    snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
    if (replay_path(sub, files) < 0) rc = -1;
  }
  if (d) closedir(d);
  return d ? rc : -1;
}

int main(int argc, char **argv) {
  int files = 0, bad = 0;
  for (int i = 1; i < argc; i++) bad |= replay_path(argv[i], &files) < 0;
  printf("%s: %d inputs replayed\n", argv[0], files);
  return bad || files == 0; /* replaying nothing proves nothing */
}
