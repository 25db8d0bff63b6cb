#include "harness/artefacts.h"

#include <dirent.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct artefacts {
  int n, declared;
  char *paths[ARTEFACTS_MAX];
};

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Adds path if it is a regular file, or every regular file below it if it is
 * a folder (symbolic links to folders are not followed: no loops). -1 when full. */
static int add(artefacts_t *a, const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return 0;
  if (S_ISREG(st.st_mode)) {
    char real[PATH_MAX];
    if (a->n >= ARTEFACTS_MAX) return -1;
    if (realpath(path, real) && !(a->paths[a->n] = strdup(real))) return -1;
    a->n += a->paths[a->n] != NULL;
    return 0;
  }
  if (!S_ISDIR(st.st_mode)) return 0;
  struct stat lst;
  DIR *dir = opendir(path);
  int rc = 0;
  for (struct dirent *e = dir ? readdir(dir) : NULL; e && rc == 0; e = readdir(dir)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char child[PATH_MAX];
    if (snprintf(child, sizeof child, "%s/%s", path, e->d_name) >= (int)sizeof child) continue;
    if (lstat(child, &lst) == 0 && S_ISLNK(lst.st_mode) && stat(child, &st) == 0 && S_ISDIR(st.st_mode)) continue;
    rc = add(a, child);
  }
  if (dir) closedir(dir);
  return rc;
}

artefacts_t *artefacts_new(const profile_t *p, diag_t *d) {
  artefacts_t *a = calloc(1, sizeof *a);
  int rc = -1;
  if (!a) {
    diag_set(d, p->path, 0, 0, "", "out of memory");
    goto out;
  }
  a->declared = p->n_artefacts > 0;
  if (!a->declared && add(a, p->dir) < 0) {
    diag_set(d, p->path, 0, 0, "declare the client's files with \"artefacts\" (docs/client-profile.md)",
             "more than %d files below %s", ARTEFACTS_MAX, p->dir);
    goto out;
  }
  for (int i = 0; i < p->n_artefacts; i++) {
    char pattern[PATH_MAX];
    glob_t g = {0};
    snprintf(pattern, sizeof pattern, "%s/%s", p->dir, p->artefacts[i]);
    int before = a->n, full = 0;
    if (glob(pattern, 0, NULL, &g) == 0)
      for (size_t k = 0; k < g.gl_pathc && !full; k++) full = add(a, g.gl_pathv[k]) < 0;
    globfree(&g);
    if (full) {
      diag_set(d, p->path, p->artefact_line[i], p->artefact_col[i], "name fewer files, or folders with fewer files",
               "more than %d artefacts", ARTEFACTS_MAX);
      goto out;
    }
    if (a->n == before) {
      diag_set(d, p->path, p->artefact_line[i], p->artefact_col[i],
               "artefacts are paths or globs relative to the profile's folder (docs/client-profile.md)",
               "artefact \"%s\" matches no file below %s", p->artefacts[i], p->dir);
      goto out;
    }
  }
  qsort(a->paths, (size_t)a->n, sizeof *a->paths, cmp_str);
  int kept = 0;
  for (int i = 0; i < a->n; i++) {
    if (kept && strcmp(a->paths[kept - 1], a->paths[i]) == 0) free(a->paths[i]);
    else a->paths[kept++] = a->paths[i];
  }
  a->n = kept;
  rc = 0;
out:
  if (rc < 0) {
    artefacts_free(a);
    a = NULL;
  }
  return a;
}

void artefacts_free(artefacts_t *a) {
  if (!a) return;
  for (int i = 0; i < a->n; i++) free(a->paths[i]);
  free(a);
}

int artefacts_count(const artefacts_t *a) { return a->n; }
const char *artefacts_path(const artefacts_t *a, int i) { return i >= 0 && i < a->n ? a->paths[i] : ""; }
int artefacts_declared(const artefacts_t *a) { return a->declared; }
