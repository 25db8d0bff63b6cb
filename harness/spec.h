/* spec: the requirements docs/SPEC.md defines.
 *
 * The spec is the one home of the requirement set: each requirement is a
 * heading "### ID (LEVEL)", and its "- Checked by:" line lists the scenarios
 * that check it. `bcsim list --requirements` holds the scenarios against it,
 * and `bcsim validate` refuses a check of a requirement it does not define. */
#ifndef BC_SPEC_H
#define BC_SPEC_H
#include <stddef.h>

#define SPEC_ID 64

typedef struct spec_req {
  char id[SPEC_ID];
  char level[8];          /* MUST or SHOULD */
  char checked_by[2048];  /* the "- Checked by:" line's text after the colon */
  int line;               /* of its heading */
} spec_req_t;

typedef struct spec spec_t;

/* Parses spec text (pure). Returns a new spec, or NULL when out of memory. */
spec_t *spec_parse(const char *text);
/* Reads and parses a file; NULL if it cannot be read. */
spec_t *spec_load(const char *path);
void spec_free(spec_t *s);
int spec_count(const spec_t *s);
/* The i-th requirement in the spec's order, or NULL; they are contiguous:
 * spec_at(s, 0)[0 .. spec_count(s)). */
const spec_req_t *spec_at(const spec_t *s, int i);
/* Every ID, in the spec's order (for scenario_opts_t and did-you-mean). */
const char *const *spec_ids(const spec_t *s);
#endif
