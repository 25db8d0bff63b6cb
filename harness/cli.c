#include "harness/cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/files.h"
#include "harness/scenario.h"
#include "harness/spec.h"

char cli_bindir[PATH_MAX];
char cli_srcdir[PATH_MAX];

/* The build dir holds the binaries; fixtures are found from the source tree
 * recorded at build time, so `build/bcsim run ...` works from any folder. */
void cli_find_dirs(void) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = 0;
  snprintf(cli_bindir, sizeof cli_bindir, "%s", dirname(exe));
  snprintf(cli_srcdir, sizeof cli_srcdir, "%s", BCSIM_SOURCE_DIR);
}

int cli_mkdirs(const char *path) {
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* A copy of a run's file (a result, events, a capture): written atomically, as the original was. */
static int copy_file(const char *from, const char *to, mode_t mode) {
  int in = open(from, O_RDONLY | O_CLOEXEC), rc = -1;
  files_atomic_t *out = NULL;
  char buf[65536];
  ssize_t n;
  if (in < 0) return -1;
  if (!(out = files_atomic_new(to, mode & 0777))) goto out;
  while ((n = read(in, buf, sizeof buf)) > 0)
    if (fwrite(buf, 1, (size_t)n, files_atomic_stream(out)) != (size_t)n) goto out;
  if (n == 0) {
    rc = files_atomic_commit(out);
    out = NULL;
  }
out:
  close(in);
  files_atomic_free(out);
  return rc;
}

int cli_copy_tree(const char *from, const char *to) {
  DIR *d = opendir(from);
  if (!d || cli_mkdirs(to) < 0) {
    if (d) closedir(d);
    return -1;
  }
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char src[PATH_MAX], dst[PATH_MAX];
    snprintf(src, sizeof src, "%s/%s", from, e->d_name);
    snprintf(dst, sizeof dst, "%s/%s", to, e->d_name);
    struct stat st;
    if (lstat(src, &st) < 0) continue;
    /* Sockets and links of a kept lab are not artefacts. */
    if (S_ISDIR(st.st_mode)) rc = cli_copy_tree(src, dst);
    else if (S_ISREG(st.st_mode)) rc = copy_file(src, dst, st.st_mode);
  }
  closedir(d);
  return rc;
}

int cli_help(const char *text, int code) {
  fputs(text, code == EXIT_PASS ? stdout : stderr);
  return code;
}

int cli_cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int cli_collect_json(const char *path, char **list, int *n, int max) {
  struct stat st;
  if (stat(path, &st) < 0) {
    fprintf(stderr, "%s: error: %s\n  hint: give a .json file or a folder of them\n", path, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    if (*n >= max) {
      fprintf(stderr, "%s: error: more than %d files\n  hint: give fewer at once\n", path, max);
      return -1;
    }
    list[(*n)++] = strdup(path);
    return 0;
  }
  DIR *d = opendir(path);
  if (!d) {
    fprintf(stderr, "%s: error: %s\n", path, strerror(errno));
    return -1;
  }
  char *names[MAX_SCENARIOS];
  int k = 0;
  struct dirent *e;
  while ((e = readdir(d)) && k < MAX_SCENARIOS) {
    if (e->d_name[0] == '.') continue;
    size_t len = strlen(e->d_name);
    char full[PATH_MAX];
    snprintf(full, sizeof full, "%s/%s", path, e->d_name);
    struct stat s2;
    if (stat(full, &s2) < 0) continue;
    if (S_ISDIR(s2.st_mode) || (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)) names[k++] = strdup(full);
  }
  closedir(d);
  qsort(names, (size_t)k, sizeof *names, cli_cmp_str);
  int rc = 0;
  for (int i = 0; i < k; i++) {
    if (rc == 0) rc = cli_collect_json(names[i], list, n, max);
    free(names[i]);
  }
  return rc;
}

scenario_t *cli_load_scenario(const char *file, const scenario_opts_t *o) {
  scenario_opts_t with = o ? *o : (scenario_opts_t){0};
  diag_t d;
  if (!with.requirements) { /* what a run loads is held to the spec as validate holds it */
    with.requirements = spec_ids();
    with.n_requirements = (size_t)spec_count();
    with.spec_name = "docs/SPEC.md";
  }
  with.diags = diag_list_new();
  scenario_t *sc = scenario_load_opts(file, &with, &d);
  if (with.diags) diag_list_print(with.diags, stderr);
  else if (!sc) diag_print(&d, stderr);
  diag_list_free(with.diags);
  return sc;
}

int cli_load_scenarios(int argc, char **argv, scenario_t **scs, int *n_sc) {
  char *files[MAX_SCENARIOS];
  int n = 0, bad = 0;
  for (int i = 0; i < argc; i++)
    if (cli_collect_json(argv[i], files, &n, MAX_SCENARIOS) < 0) bad = 1;
  for (int i = 0; i < n; i++) {
    scenario_t *sc = cli_load_scenario(files[i], NULL);
    if (!sc) {
      bad = 1;
    } else {
      for (int k = 0; k < *n_sc; k++) {
        if (strcmp(scs[k]->id, sc->id) == 0) {
          fprintf(stderr, "%s: error: scenario id \"%s\" is already used by %s\n  hint: ids name output folders; make them unique\n",
                  files[i], sc->id, scs[k]->path);
          bad = 1;
        }
      }
      scs[(*n_sc)++] = sc;
    }
    free(files[i]);
  }
  if (n == 0 && !bad) {
    fprintf(stderr, "error: no scenario files found\n  hint: give .json scenario files or folders holding them\n");
    bad = 1;
  }
  return bad ? -1 : 0;
}

