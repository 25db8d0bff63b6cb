/* diag: errors for people. Each names the file, line and column, says what
 * was wrong, and gives a hint; bad input exits 2 (see main.c).
 *
 * A diag_list collects every error and warning of one file, so that
 * `bcsim validate` reports them all in one run instead of one per run. */
#ifndef BC_DIAG_H
#define BC_DIAG_H
#include <stddef.h>
#include <stdio.h>

typedef enum { DIAG_ERROR, DIAG_WARNING } diag_level_t;

typedef struct diag {
  char file[512];
  int line, col; /* 1-based; 0 when the error is not tied to a place */
  char msg[512];
  char hint[512];
  diag_level_t level; /* diag_set makes an error; only diag_list_add takes a warning */
} diag_t;

void diag_set(diag_t *d, const char *file, int line, int col, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* "file:line:col: error: msg" (or "warning:"), then the hint. */
void diag_print(const diag_t *d, FILE *to);
/* Nearest candidate by edit distance, or NULL if none is plausibly meant. */
const char *diag_nearest(const char *word, const char *const *candidates, size_t n);

/* An ordered list of diags (opaque). diag_list_new returns NULL when out of
 * memory; a full list (DIAG_LIST_MAX) keeps its first entries and counts the rest. */
#define DIAG_LIST_MAX 200
typedef struct diag_list diag_list_t;
diag_list_t *diag_list_new(void);
void diag_list_free(diag_list_t *l);
/* Appends a copy of d. */
void diag_list_add(diag_list_t *l, const diag_t *d);
size_t diag_list_count(const diag_list_t *l);
const diag_t *diag_list_at(const diag_list_t *l, size_t i);
size_t diag_list_errors(const diag_list_t *l);
/* Prints every entry in the order of the file (line, then column; stable),
 * and how many were not kept. */
void diag_list_print(diag_list_t *l, FILE *to);
#endif
