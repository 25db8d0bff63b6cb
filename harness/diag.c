#include "harness/diag.h"

#include <stdarg.h>
#include <string.h>

void diag_set(diag_t *d, const char *file, int line, int col, const char *hint, const char *fmt, ...) {
  snprintf(d->file, sizeof d->file, "%s", file ? file : "");
  d->line = line;
  d->col = col;
  snprintf(d->hint, sizeof d->hint, "%s", hint ? hint : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  va_end(ap);
}

void diag_print(const diag_t *d, FILE *to) {
  if (d->line > 0) fprintf(to, "%s:%d:%d: error: %s\n", d->file, d->line, d->col, d->msg);
  else if (d->file[0]) fprintf(to, "%s: error: %s\n", d->file, d->msg);
  else fprintf(to, "error: %s\n", d->msg);
  if (d->hint[0]) fprintf(to, "  hint: %s\n", d->hint);
}

static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return 99;
  size_t row[64];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag_prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t best = diag_prev + cost;
      if (row[j] + 1 < best) best = row[j] + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag_prev = up;
    }
  }
  return row[lb];
}

const char *diag_nearest(const char *word, const char *const *candidates, size_t n) {
  const char *best = NULL;
  size_t best_d = (strlen(word) + 2) / 3 + 1; /* tolerate about one typo in three letters */
  for (size_t i = 0; i < n; i++) {
    size_t d = edit_distance(word, candidates[i]);
    if (d < best_d) {
      best_d = d;
      best = candidates[i];
    }
  }
  return best;
}
