#include "harness/specdoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPECDOC_MAX 256

struct specdoc {
  int n;
  specdoc_req_t reqs[SPECDOC_MAX];
};

specdoc_t *specdoc_parse(const char *text) {
  specdoc_t *s = calloc(1, sizeof *s);
  char *copy = strdup(text);
  int line = 1;
  if (!s || !copy) {
    free(s);
    s = NULL;
    goto out;
  }
  for (char *p = copy; *p; line++) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = 0;
    char id[SPECDOC_ID], level[8];
    if (sscanf(p, "### %63[A-Z0-9-] (%7[A-Z])", id, level) == 2 && s->n < SPECDOC_MAX) {
      specdoc_req_t *r = &s->reqs[s->n];
      snprintf(r->id, sizeof r->id, "%s", id);
      snprintf(r->level, sizeof r->level, "%s", level);
      r->line = line;
      s->n++;
    } else if (s->n > 0 && strncmp(p, "- Checked by:", 13) == 0) {
      snprintf(s->reqs[s->n - 1].checked_by, sizeof s->reqs[s->n - 1].checked_by, "%s", p + 13);
    }
    if (!nl) break;
    p = nl + 1;
  }
out:
  free(copy);
  return s;
}

void specdoc_free(specdoc_t *s) { free(s); }
int specdoc_count(const specdoc_t *s) { return s->n; }
const specdoc_req_t *specdoc_at(const specdoc_t *s, int i) { return i >= 0 && i < s->n ? &s->reqs[i] : NULL; }
