/* specdoc: the text of docs/SPEC.md, read at run time.
 *
 * The spec is the one home of the requirement set: each requirement is a
 * heading "### ID (LEVEL)", and its "- Checked by:" line lists the scenarios
 * that check it. The build compiles the IDs and levels into spec.h, which is
 * what validate, the vendor rules and the verdict read; this module reads the
 * document itself, so that `bcsim list --requirements` can hold the scenarios
 * against its "Checked by" lines and the document against the build's table. */
#ifndef BC_SPECDOC_H
#define BC_SPECDOC_H
#include <stddef.h>

#define SPECDOC_ID 64

typedef struct specdoc_req {
  char id[SPECDOC_ID];
  char level[8];          /* MUST or SHOULD */
  char checked_by[2048];  /* the "- Checked by:" line's text after the colon */
  int line;               /* of its heading */
} specdoc_req_t;

typedef struct specdoc specdoc_t;

/* Parses spec text (pure). Returns a new spec, or NULL when out of memory. */
specdoc_t *specdoc_parse(const char *text);
void specdoc_free(specdoc_t *s);
int specdoc_count(const specdoc_t *s);
/* The i-th requirement in the spec's order, or NULL; they are contiguous:
 * specdoc_at(s, 0)[0 .. specdoc_count(s)). */
const specdoc_req_t *specdoc_at(const specdoc_t *s, int i);
#endif
