#include "harness/spec.h"

#include <string.h>

typedef struct spec_row {
  const char *id, *level;
} spec_row_t;

static const spec_row_t rows[] = {
#include "spec_levels.inc"
};

static const char *const level_names[] = {"unknown", "MUST", "SHOULD"};

int spec_count(void) { return (int)(sizeof rows / sizeof rows[0]); }

const char *spec_id(int i) { return i >= 0 && i < spec_count() ? rows[i].id : ""; }

const char *const *spec_ids(void) {
  static const char *ids[sizeof rows / sizeof rows[0]];
  if (!ids[0])
    for (int i = 0; i < spec_count(); i++) ids[i] = rows[i].id;
  return ids;
}

const char *spec_level_name(spec_level_t level) {
  return (unsigned)level < sizeof level_names / sizeof level_names[0] ? level_names[level] : "unknown";
}

spec_level_t spec_level_parse(const char *name) {
  if (name && strcmp(name, "MUST") == 0) return SPEC_MUST;
  if (name && strcmp(name, "SHOULD") == 0) return SPEC_SHOULD;
  return SPEC_UNKNOWN;
}

spec_level_t spec_level(const char *requirement) {
  for (int i = 0; requirement && i < spec_count(); i++)
    if (strcmp(rows[i].id, requirement) == 0) return spec_level_parse(rows[i].level);
  return SPEC_UNKNOWN;
}
