/* rng: a small seeded generator (splitmix64) for every random choice a
 * scenario makes (flapping jitter, loss), so the same seed replays the same
 * run. Not for cryptography. */
#ifndef BC_RNG_H
#define BC_RNG_H
#include <stdint.h>

static inline uint64_t rng_next(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static inline uint64_t rng_below(uint64_t *state, uint64_t n) { return n ? rng_next(state) % n : 0; }
#endif
