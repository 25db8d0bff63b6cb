#include "harness/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/scenario.h"

#define SPEC_MAX 256

struct spec {
  int n;
  spec_req_t reqs[SPEC_MAX];
  const char *ids[SPEC_MAX];
};

spec_t *spec_parse(const char *text) {
  spec_t *s = calloc(1, sizeof *s);
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
    char id[SPEC_ID], level[8];
    if (sscanf(p, "### %63[A-Z0-9-] (%7[A-Z])", id, level) == 2 && s->n < SPEC_MAX) {
      spec_req_t *r = &s->reqs[s->n];
      snprintf(r->id, sizeof r->id, "%s", id);
      snprintf(r->level, sizeof r->level, "%s", level);
      r->line = line;
      s->ids[s->n] = r->id;
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

spec_t *spec_load(const char *path) {
  char *text = scenario_read_file(path);
  spec_t *s = text ? spec_parse(text) : NULL;
  free(text);
  return s;
}

void spec_free(spec_t *s) { free(s); }
int spec_count(const spec_t *s) { return s->n; }
const spec_req_t *spec_at(const spec_t *s, int i) { return i >= 0 && i < s->n ? &s->reqs[i] : NULL; }
const char *const *spec_ids(const spec_t *s) { return s->ids; }
