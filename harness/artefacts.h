/* artefacts: the client's own files, which its certificate hashes.
 *
 * The program a profile runs may be an interpreter (/usr/bin/python3): its
 * hash says nothing about the client. So a certificate also hashes the
 * client's code: the files the profile's "artefacts" globs name (relative to
 * the profile's folder; a folder stands for every file below it) and the
 * profiles it extends, or, when it declares none, every file below the
 * profile's folder. The folders bcsim
 * writes (the run's --out folder, its state folder) are never artefacts:
 * bcsim run lists and hashes the artefacts before any lab starts
 * (certificate_artefacts), and what it writes must not be among them. */
#ifndef BC_ARTEFACTS_H
#define BC_ARTEFACTS_H
#include <limits.h>

#include "base/diag.h"
#include "harness/profile.h"

#define ARTEFACTS_MAX 4096

typedef struct artefacts artefacts_t;

/* The profile's artefacts as absolute paths of regular files, sorted, each
 * once, leaving out every file whose resolved path is in one of the
 * folders exclude names (resolved: artefacts_resolve). NULL with d set (at
 * the glob's file:line:col) when a declared glob matches no file, or there
 * are more than ARTEFACTS_MAX. */
artefacts_t *artefacts_new(const profile_t *p, const char *const *exclude, int n_exclude, diag_t *d);
/* path resolved as realpath(3) does, also when its last components do not
 * exist yet (an --out folder a run is about to make). 0, or -1. */
int artefacts_resolve(const char *path, char out[PATH_MAX]);
void artefacts_free(artefacts_t *a);
int artefacts_count(const artefacts_t *a);
const char *artefacts_path(const artefacts_t *a, int i);
/* Whether the profile declared them ("artefacts") rather than taking its whole folder. */
int artefacts_declared(const artefacts_t *a);
#endif
