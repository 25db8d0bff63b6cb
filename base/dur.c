#include "base/dur.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool dur_parse(const char *text, int64_t *ms) {
  if (!text || !*text) return false;
  char *end = NULL;
  double v = strtod(text, &end);
  if (end == text || !isfinite(v) || v < 0) return false;
  static const struct { const char *unit; double ms; } units[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (strcmp(end, units[i].unit) == 0) {
      double r = v * units[i].ms;
      if (r > 7.0 * 24 * 3600000) return false; /* a week: the longest BC timer */
      *ms = (int64_t)llround(r);
      return true;
    }
  }
  return false;
}

int64_t dur_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
