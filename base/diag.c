#include "base/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct diag_list {
  diag_t items[DIAG_LIST_MAX];
  size_t n, errors, lost;
};

void diag_set(diag_t *d, const char *file, int line, int col, const char *hint, const char *fmt, ...) {
  snprintf(d->file, sizeof d->file, "%s", file ? file : "");
  d->line = line;
  d->col = col;
  d->level = DIAG_ERROR;
  snprintf(d->hint, sizeof d->hint, "%s", hint ? hint : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  va_end(ap);
}

void diag_print(const diag_t *d, FILE *to) {
  const char *what = d->level == DIAG_WARNING ? "warning" : "error";
  if (d->line > 0) fprintf(to, "%s:%d:%d: %s: %s\n", d->file, d->line, d->col, what, d->msg);
  else if (d->file[0]) fprintf(to, "%s: %s: %s\n", d->file, what, d->msg);
  else fprintf(to, "%s: %s\n", what, d->msg);
  if (d->hint[0]) fprintf(to, "  hint: %s\n", d->hint);
}

diag_list_t *diag_list_new(void) { return calloc(1, sizeof(diag_list_t)); }

void diag_list_free(diag_list_t *l) { free(l); }

void diag_list_add(diag_list_t *l, const diag_t *d) {
  if (d->level == DIAG_ERROR) l->errors++;
  if (l->n < DIAG_LIST_MAX) l->items[l->n++] = *d;
  else l->lost++;
}

size_t diag_list_count(const diag_list_t *l) { return l->n; }
const diag_t *diag_list_at(const diag_list_t *l, size_t i) { return i < l->n ? &l->items[i] : NULL; }
size_t diag_list_errors(const diag_list_t *l) { return l->errors; }

void diag_list_print(diag_list_t *l, FILE *to) {
  /* Insertion sort: stable, and lists are short. */
  for (size_t i = 1; i < l->n; i++) {
    diag_t d = l->items[i];
    size_t j = i;
    while (j > 0 && (l->items[j - 1].line > d.line || (l->items[j - 1].line == d.line && l->items[j - 1].col > d.col))) {
      l->items[j] = l->items[j - 1];
      j--;
    }
    l->items[j] = d;
  }
  for (size_t i = 0; i < l->n; i++) diag_print(&l->items[i], to);
  if (l->lost) fprintf(to, "... and %zu more\n", l->lost);
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
