#include "harness/artefacts.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct artefacts {
  int n, declared;
  const char *const *exclude;
  int n_exclude;
  char *paths[ARTEFACTS_MAX];
};

/* Whether real (resolved) is one of the excluded folders or below one. */
static bool excluded(const artefacts_t *a, const char *real) {
  for (int i = 0; i < a->n_exclude; i++) {
    size_t len = strlen(a->exclude[i]);
    if (strncmp(real, a->exclude[i], len) == 0 && (real[len] == 0 || real[len] == '/' || strcmp(a->exclude[i], "/") == 0))
      return true;
  }
  return false;
}

int artefacts_resolve(const char *path, char out[PATH_MAX]) {
  if (realpath(path, out)) return 0;
  /* The deepest folder that exists, resolved, and the rest as written. */
  char head[PATH_MAX];
  if (snprintf(head, sizeof head, "%s", path) >= (int)sizeof head) return -1;
  char *slash = strrchr(head, '/');
  while (slash && slash[1] == 0 && slash != head) { /* "out/": the slash is not a name */
    *slash = 0;
    slash = strrchr(head, '/');
  }
  const char *rest = slash ? slash + 1 : head;
  char parent[PATH_MAX], tail[PATH_MAX];
  snprintf(tail, sizeof tail, "%s", rest);
  if (!slash) snprintf(parent, sizeof parent, ".");
  else if (slash == head) snprintf(parent, sizeof parent, "/");
  else {
    *slash = 0;
    snprintf(parent, sizeof parent, "%s", head);
  }
  if (!*tail || strcmp(tail, ".") == 0 || strcmp(tail, "..") == 0 || strcmp(parent, path) == 0) return -1;
  char up[PATH_MAX];
  if (artefacts_resolve(parent, up) < 0) return -1;
  return snprintf(out, PATH_MAX, "%s/%s", strcmp(up, "/") == 0 ? "" : up, tail) < PATH_MAX ? 0 : -1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Adds path if it is a regular file, or every regular file below it if it is
 * a folder (symbolic links to folders are not followed: no loops). -1 when full. */
static int add(artefacts_t *a, const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return 0;
  char real[PATH_MAX];
  if (!realpath(path, real) || excluded(a, real)) return 0;
  if (S_ISREG(st.st_mode)) {
    if (a->n >= ARTEFACTS_MAX) return -1;
    if (!(a->paths[a->n] = strdup(real))) return -1;
    a->n++;
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

artefacts_t *artefacts_new(const profile_t *p, const char *const *exclude, int n_exclude, diag_t *d) {
  artefacts_t *a = calloc(1, sizeof *a);
  int rc = -1;
  if (!a) {
    diag_set(d, p->path, 0, 0, "", "out of memory");
    goto out;
  }
  a->exclude = exclude;
  a->n_exclude = n_exclude;
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
      diag_set(d, p->artefacts_file, p->artefact_line[i], p->artefact_col[i], "name fewer files, or folders with fewer files",
               "more than %d artefacts", ARTEFACTS_MAX);
      goto out;
    }
    if (a->n == before) {
      diag_set(d, p->artefacts_file, p->artefact_line[i], p->artefact_col[i],
               "artefacts are paths or globs relative to the profile's folder (docs/client-profile.md)",
               "artefact \"%s\" matches no file below %s", p->artefacts[i], p->dir);
      goto out;
    }
  }
  /* The profiles it extends are the client's files too: what they say is
   * part of the profile. (Without "artefacts" they lie in the folder.) */
  for (int i = 0; a->declared && i < p->n_bases; i++) {
    if (add(a, p->bases[i]) < 0) {
      diag_set(d, p->path, 0, 0, "name fewer files, or folders with fewer files", "more than %d artefacts", ARTEFACTS_MAX);
      goto out;
    }
  }
  a->exclude = NULL; /* the caller's: not kept */
  a->n_exclude = 0;
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
