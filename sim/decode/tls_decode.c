#include "sim/decode/tls_decode.h"

#include <stdio.h>
#include <string.h>

#include "base/rd.h"

enum { EXT_SNI = 0, EXT_ALPN = 16, EXT_SUPPORTED_VERSIONS = 43 };

static rd_t sub_clamped(rd_t *r, size_t n) {
  return rd_sub(r, n <= rd_left(r) ? n : rd_left(r));
}

static void parse_sni(rd_t ext, tls_hello_view_t *out) {
  rd_t list = sub_clamped(&ext, rd_u16(&ext));
  while (rd_ok(&list) && rd_left(&list) >= 3) {
    uint8_t type = rd_u8(&list);
    uint16_t n = rd_u16(&list);
    const uint8_t *name = rd_bytes(&list, n);
    if (!name) return;
    if (type == 0 && n < sizeof out->sni) {
      memcpy(out->sni, name, n);
      out->sni[n] = 0;
      out->has_sni = true;
      return;
    }
  }
}

static void parse_alpn(rd_t ext, tls_hello_view_t *out) {
  rd_t list = sub_clamped(&ext, rd_u16(&ext));
  uint8_t n = rd_u8(&list);
  const uint8_t *p = rd_bytes(&list, n);
  if (p && n < sizeof out->alpn) {
    memcpy(out->alpn, p, n);
    out->alpn[n] = 0;
  }
}

static void parse_versions(rd_t ext, tls_hello_view_t *out) {
  rd_t list = sub_clamped(&ext, rd_u8(&ext));
  uint16_t hi = 0, lo = 0xffff;
  while (rd_left(&list) >= 2) {
    uint16_t v = rd_u16(&list);
    if ((v & 0x0f0f) == 0x0a0a) continue; /* GREASE */
    if (v > hi) hi = v;
    if (v < lo) lo = v;
  }
  if (hi) {
    out->max_version = hi;
    out->min_version = lo;
  }
}

int tls_decode_client_hello(const uint8_t *data, size_t len, tls_hello_view_t *out) {
  memset(out, 0, sizeof *out);
  rd_t r = rd_make(data, len);
  if (rd_u8(&r) != 22) return -1; /* handshake record */
  rd_skip(&r, 2);
  rd_t rec = sub_clamped(&r, rd_u16(&r));
  if (rd_u8(&rec) != 1) return -1; /* ClientHello */
  rd_t hs = sub_clamped(&rec, rd_u24(&rec));
  out->legacy_version = rd_u16(&hs);
  rd_skip(&hs, 32);                 /* random */
  rd_skip(&hs, rd_u8(&hs));         /* session id */
  rd_skip(&hs, rd_u16(&hs));        /* cipher suites */
  rd_skip(&hs, rd_u8(&hs));         /* compression */
  if (!rd_ok(&hs)) return out->legacy_version ? 0 : -1;
  out->max_version = out->min_version = out->legacy_version;
  rd_t exts = sub_clamped(&hs, rd_u16(&hs));
  while (rd_ok(&exts) && rd_left(&exts) >= 4) {
    uint16_t type = rd_u16(&exts);
    uint16_t n = rd_u16(&exts);
    if (n > rd_left(&exts)) break; /* truncated capture: stop, keep what we have */
    rd_t ext = rd_sub(&exts, n);
    if (type == EXT_SNI) parse_sni(ext, out);
    else if (type == EXT_ALPN) parse_alpn(ext, out);
    else if (type == EXT_SUPPORTED_VERSIONS) parse_versions(ext, out);
  }
  return 0;
}

int tls_decode_server_hello(const uint8_t *data, size_t len, uint16_t *version) {
  rd_t r = rd_make(data, len);
  *version = 0;
  if (rd_u8(&r) != 22) return -1;
  rd_skip(&r, 2);
  rd_t rec = sub_clamped(&r, rd_u16(&r));
  if (rd_u8(&rec) != 2) return -1; /* ServerHello */
  rd_t hs = sub_clamped(&rec, rd_u24(&rec));
  uint16_t legacy = rd_u16(&hs);
  rd_skip(&hs, 32);         /* random */
  rd_skip(&hs, rd_u8(&hs)); /* session id */
  rd_skip(&hs, 3);          /* cipher suite, compression */
  if (!rd_ok(&hs)) return -1;
  *version = legacy;
  rd_t exts = sub_clamped(&hs, rd_u16(&hs));
  while (rd_ok(&exts) && rd_left(&exts) >= 4) {
    uint16_t type = rd_u16(&exts);
    rd_t ext = sub_clamped(&exts, rd_u16(&exts));
    if (type == EXT_SUPPORTED_VERSIONS && rd_left(&ext) >= 2) *version = rd_u16(&ext);
  }
  return 0;
}

const char *tls_version_name(uint16_t v) {
  switch (v) {
    case 0x0300: return "ssl3";
    case 0x0301: return "1.0";
    case 0x0302: return "1.1";
    case 0x0303: return "1.2";
    case 0x0304: return "1.3";
    default: return "unknown";
  }
}
