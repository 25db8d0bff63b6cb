/* fuzz: what every fuzz target shares.
 *
 * Each target is one file defining LLVMFuzzerTestOneInput. With
 * BCSIM_FUZZ=ON (clang) it links libFuzzer; otherwise replay.c gives it a
 * main that runs it once per file, so the committed regression inputs run in
 * every build, sanitized or not. A target aborts when an invariant of the
 * code under test breaks, not only when it crashes. */
#ifndef BC_FUZZ_H
#define BC_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The loaders take NUL-terminated text: a copy of the input (caller frees). */
static inline char *fuzz_text(const uint8_t *data, size_t size) {
  char *t = malloc(size + 1);
  if (!t) abort();
  memcpy(t, data, size);
  t[size] = 0;
  return t;
}

/* An invariant broke: say which, and abort so that libFuzzer keeps the input. */
#define FUZZ_REQUIRE(cond)                                                              \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);      \
      abort();                                                                          \
    }                                                                                   \
  } while (0)
#endif
