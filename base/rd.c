#include "base/rd.h"

rd_t rd_make(const void *data, size_t len) {
  rd_t r = {.base = data, .len = data ? len : 0, .off = 0, .bad = data == NULL};
  return r;
}

size_t rd_left(const rd_t *r) { return r->bad ? 0 : r->len - r->off; }

const uint8_t *rd_bytes(rd_t *r, size_t n) {
  if (r->bad || n > r->len - r->off) {
    r->bad = true;
    return NULL;
  }
  const uint8_t *p = r->base + r->off;
  r->off += n;
  return p;
}

uint8_t rd_u8(rd_t *r) {
  const uint8_t *p = rd_bytes(r, 1);
  return p ? p[0] : 0;
}

uint16_t rd_u16(rd_t *r) {
  const uint8_t *p = rd_bytes(r, 2);
  return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t rd_u24(rd_t *r) {
  const uint8_t *p = rd_bytes(r, 3);
  return p ? (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2] : 0;
}

uint32_t rd_u32(rd_t *r) {
  const uint8_t *p = rd_bytes(r, 4);
  return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

void rd_skip(rd_t *r, size_t n) { (void)rd_bytes(r, n); }

rd_t rd_sub(rd_t *r, size_t n) {
  const uint8_t *p = rd_bytes(r, n);
  rd_t s = rd_make(p, n);
  return s;
}
