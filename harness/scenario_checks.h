/* scenario_checks: the part of the scenario loader that reads "checks" and
 * "requirements": each check's fields, its expect, forbid or limit with its
 * counts and match, its window and anchors; the built-in check every
 * scenario has; and the warnings about windows the duration does not cover.
 *
 * Internal to the loader (scenario.c and scenario_checks.c share what one
 * parse carries); every other module uses harness/scenario.h. */
#ifndef BC_SCENARIO_CHECKS_H
#define BC_SCENARIO_CHECKS_H
#include <cjson/cJSON.h>
#include <stdbool.h>

#include "base/jsonv.h"
#include "harness/scenario.h"

/* What the parse of one file carries: the scenario being built and the
 * caller's options (requirement IDs). It is the jsonv_t's user pointer. */
typedef struct scenario_parse {
  scenario_t *sc;
  const scenario_opts_t *o;
} scenario_parse_t;
#define SC(v) (((scenario_parse_t *)(v)->user)->sc)
#define OPTS(v) (((scenario_parse_t *)(v)->user)->o)

/* Expands ${vars} in every string of a match value (alternatives and
 * operators too), in place; an unknown variable is an error at path. */
bool scenario__expand_match(jsonv_t *v, cJSON *value, const char *path);
/* "checks": every check is read, so that each bad one is reported, and each
 * one read gets its window warnings. */
bool scenario__parse_checks(jsonv_t *v, const cJSON *root);
/* "requirements": what the scenario is about; each must be checked by one of
 * its checks. Without it, every requirement its checks name. */
bool scenario__parse_about(jsonv_t *v, const cJSON *root);
/* Adds SC_UNKNOWN_ADDRESS_CHECK unless the scenario states it itself. */
bool scenario__add_builtin_checks(jsonv_t *v);
#endif
