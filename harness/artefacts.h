/* artefacts: the client's own files, which its certificate hashes.
 *
 * The program a profile runs may be an interpreter (/usr/bin/python3): its
 * hash says nothing about the client. So a certificate also hashes the
 * client's code: the files the profile's "artefacts" globs name (relative to
 * the profile's folder; a folder stands for every file below it), or, when
 * it declares none, every file below the profile's folder. */
#ifndef BC_ARTEFACTS_H
#define BC_ARTEFACTS_H
#include "harness/diag.h"
#include "harness/profile.h"

#define ARTEFACTS_MAX 4096

typedef struct artefacts artefacts_t;

/* The profile's artefacts as absolute paths of regular files, sorted, each
 * once. NULL with d set (at the glob's file:line:col) when a declared glob
 * matches no file, or there are more than ARTEFACTS_MAX. */
artefacts_t *artefacts_new(const profile_t *p, diag_t *d);
void artefacts_free(artefacts_t *a);
int artefacts_count(const artefacts_t *a);
const char *artefacts_path(const artefacts_t *a, int i);
/* Whether the profile declared them ("artefacts") rather than taking its whole folder. */
int artefacts_declared(const artefacts_t *a);
#endif
