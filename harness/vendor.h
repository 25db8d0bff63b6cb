/* vendor: a vendor profile, as BoGo's per-vendor config: which failures a
 * vendor expects and which scenarios or requirements it disables, each entry
 * a glob with a written reason (fixtures/vendors/, docs/vendor-profile.md).
 *
 * Waivers are bounded: an entry may reach a MUST requirement (docs/SPEC.md,
 * through harness/spec.h) only with "waive_must": true, and a run in which
 * such a waiver touched a MUST check is "pass-with-waivers", never "pass".
 * Every check a waiver changes carries it ("waiver": list, match, reason,
 * waive_must), so the reports and the certificate list every waiver.
 *
 * Pure: applying a profile rewrites verdicts in result objects. A glob is
 * matched against a requirement ID, a scenario id, and "scenario/check". */
#ifndef BC_VENDOR_H
#define BC_VENDOR_H
#include <cjson/cJSON.h>
#include <stdio.h>

#include "base/diag.h"
#include "harness/scenario.h"

typedef struct vendor vendor_t;

/* Loads and validates a profile; NULL with d filled in. Free with vendor_free. */
vendor_t *vendor_load(const char *path, diag_t *d);
vendor_t *vendor_parse(const char *text, const char *path, diag_t *d);
void vendor_free(vendor_t *v);
const char *vendor_name(const vendor_t *v);
/* The rule of waivers: an entry without "waive_must" must reach no MUST
 * requirement, neither by its ID nor through a check of the scenarios (a
 * scenario glob reaches every check of the scenarios it matches). False
 * with d at the entry (file:line:col, the MUST it reaches, a hint). */
bool vendor_check_levels(const vendor_t *v, scenario_t *const *scs, int n, diag_t *d);
/* The reason a scenario is disabled, or NULL if it is not. */
const char *vendor_disabled_scenario(vendor_t *v, const char *scenario_id);
/* The result of a scenario the profile disables as a whole: never run, every
 * check "disabled" with its waiver, so the reports show what was not
 * judged. NULL when the profile does not disable it. */
cJSON *vendor_disabled_result(vendor_t *v, const scenario_t *sc);
/* Rewrites one scenario result in place: expected failures become xfail
 * (or xpass when they passed), disabled requirements become disabled, each
 * with its "waiver"; the scenario verdict is recomputed. */
void vendor_apply(vendor_t *v, cJSON *scenario_result);
/* Whether waiver (a check's "waiver": list, match, reason, waive_must) is one
 * of the profile's entries, the same in every field; and, when scenario is
 * not NULL, an entry that covers that scenario's check (by its id, or the
 * requirement it names). bcsim verify asks this of every waiver a
 * certificate lists. */
bool vendor_has_waiver(const vendor_t *v, const cJSON *waiver, const char *scenario, const char *check,
                       const char *requirement);
/* Warns about every entry that matched nothing; returns how many. */
int vendor_warn_unused(const vendor_t *v, FILE *to);
#endif
