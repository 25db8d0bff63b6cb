/* vendor: a vendor profile, as BoGo's per-vendor config: which failures a
 * vendor expects and which scenarios or requirements it disables, each entry
 * a glob with a written reason (fixtures/vendors/).
 *
 * Pure: applying a profile rewrites verdicts in result objects. A glob is
 * matched against a requirement ID, a scenario id, and "scenario/check". */
#ifndef BC_VENDOR_H
#define BC_VENDOR_H
#include <cjson/cJSON.h>
#include <stdio.h>

#include "harness/diag.h"

typedef struct vendor vendor_t;

/* Loads and validates a profile; NULL with d filled in. Free with vendor_free. */
vendor_t *vendor_load(const char *path, diag_t *d);
vendor_t *vendor_parse(const char *text, const char *path, diag_t *d);
void vendor_free(vendor_t *v);
const char *vendor_name(const vendor_t *v);
/* The reason a scenario is disabled, or NULL if it is not. */
const char *vendor_disabled_scenario(vendor_t *v, const char *scenario_id);
/* Rewrites one scenario result in place: expected failures become xfail
 * (or xpass when they passed), disabled requirements become disabled; the
 * scenario verdict is recomputed. */
void vendor_apply(vendor_t *v, cJSON *scenario_result);
/* Warns about every entry that matched nothing; returns how many. */
int vendor_warn_unused(const vendor_t *v, FILE *to);
#endif
