/* spec: the requirements of docs/SPEC.md and their levels, MUST or SHOULD.
 *
 * SPEC.md is the one home of a requirement's level: the build turns its
 * "### BC-XXX-NN (LEVEL)" headings into the table behind this module
 * (cmake/spec_levels.cmake), and `bcsim list --requirements` refuses a spec
 * that disagrees with the table it was built with. The vendor profile rules
 * (only a SHOULD may be waived without "waive_must") and the run verdict
 * (pass-with-waivers) read levels here. Pure. */
#ifndef BC_SPEC_H
#define BC_SPEC_H
#include <stdbool.h>

typedef enum { SPEC_UNKNOWN, SPEC_MUST, SPEC_SHOULD } spec_level_t;

/* The level of a requirement ID; SPEC_UNKNOWN for an ID the spec lacks (or ""). */
spec_level_t spec_level(const char *requirement);
/* "MUST", "SHOULD" or "unknown". */
const char *spec_level_name(spec_level_t level);
/* The level a name stands for; SPEC_UNKNOWN for one that is neither. */
spec_level_t spec_level_parse(const char *name);
/* The requirements, in the spec's order: how many, and the i-th ID. */
int spec_count(void);
const char *spec_id(int i);
/* Every ID, in the spec's order: spec_count() of them (for scenario_opts_t and did-you-mean). */
const char *const *spec_ids(void);
#endif
