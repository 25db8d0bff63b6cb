/* rd: a bounds-checked reader over untrusted bytes.
 *
 * Every decoder reads wire data only through these getters. A read past the
 * end sets a sticky error and returns zero, so a decoder can read a whole
 * header and test rd_ok() once; a truncated or hostile packet can never make
 * it touch memory outside the buffer. */
#ifndef BC_RD_H
#define BC_RD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rd {
  const uint8_t *base;
  size_t len;
  size_t off;
  bool bad;
} rd_t;

rd_t rd_make(const void *data, size_t len);
uint8_t rd_u8(rd_t *r);
uint16_t rd_u16(rd_t *r);          /* network byte order */
uint32_t rd_u24(rd_t *r);
uint32_t rd_u32(rd_t *r);
void rd_skip(rd_t *r, size_t n);
/* Returns a pointer to n bytes inside the buffer, or NULL (and sets bad). */
const uint8_t *rd_bytes(rd_t *r, size_t n);
/* A sub-reader over the next n bytes; the parent advances past them. */
rd_t rd_sub(rd_t *r, size_t n);
size_t rd_left(const rd_t *r);
static inline bool rd_ok(const rd_t *r) { return !r->bad; }
#endif
