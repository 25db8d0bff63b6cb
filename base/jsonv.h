/* jsonv: validation of parsed JSON input files, with errors that point at
 * the offending place in the original text (file:line:col plus a hint).
 *
 * Paths use jsonpos syntax ("checks/2/within"); "" is the root. Every
 * function returns false after filling in the diag, so callers chain them
 * with &&. With a list (all), every error is also appended to it, so a
 * loader can go on after one and report the rest. */
#ifndef BC_JSONV_H
#define BC_JSONV_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

typedef struct jsonv {
  const char *text; /* the original file text, for positions */
  const char *file;
  diag_t *d;
  void *user; /* the object being built, for callers' own helpers */
  diag_list_t *all; /* NULL, or where every error and warning is collected */
} jsonv_t;

/* Parses text; on a syntax error returns NULL with d pointing at where
 * cJSON stopped. The caller frees the result with cJSON_Delete. */
cJSON *jsonv_parse(const char *text, const char *file, diag_t *d);
bool jsonv_fail(jsonv_t *v, const char *path, bool at_key, const char *hint, const char *msg);
/* A warning at path: only recorded in v->all (d is left alone); returns true. */
bool jsonv_warn(jsonv_t *v, const char *path, bool at_key, const char *hint, const char *msg);
/* obj must be an object whose keys are all in allowed. With a list, every
 * unknown key is reported. */
bool jsonv_keys(jsonv_t *v, const cJSON *obj, const char *path, const char *what,
                const char *const *allowed, size_t n);
/* A string member. Missing and not required: out is left untouched. */
bool jsonv_str(jsonv_t *v, const cJSON *obj, const char *path, const char *key, bool required,
               char *out, size_t outlen);
/* A duration member such as "1.5s", in milliseconds. */
bool jsonv_dur(jsonv_t *v, const cJSON *obj, const char *path, const char *key, bool required,
               int64_t *out);
#endif
