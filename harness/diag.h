/* diag: errors for people. Each names the file, line and column, says what
 * was wrong, and gives a hint; bad input exits 2 (see main.c). */
#ifndef BC_DIAG_H
#define BC_DIAG_H
#include <stddef.h>
#include <stdio.h>

typedef struct diag {
  char file[512];
  int line, col; /* 1-based; 0 when the error is not tied to a place */
  char msg[512];
  char hint[512];
} diag_t;

void diag_set(diag_t *d, const char *file, int line, int col, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void diag_print(const diag_t *d, FILE *to);
/* Nearest candidate by edit distance, or NULL if none is plausibly meant. */
const char *diag_nearest(const char *word, const char *const *candidates, size_t n);
#endif
