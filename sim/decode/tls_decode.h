/* tls_decode: what a client announced in its TLS ClientHello.
 *
 * Pure: reads the first TLS record of a client's stream through rd_t. A
 * ClientHello cut by the capture still yields the fields that arrived. */
#ifndef BC_TLS_DECODE_H
#define BC_TLS_DECODE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tls_hello_view {
  bool has_sni;
  char sni[256];
  uint16_t legacy_version;
  uint16_t max_version; /* highest of supported_versions, else legacy_version */
  uint16_t min_version; /* lowest offered */
  char alpn[64];        /* first protocol offered, "" if none */
} tls_hello_view_t;

/* 0 if data starts with a TLS handshake record holding a ClientHello, -1 otherwise. */
int tls_decode_client_hello(const uint8_t *data, size_t len, tls_hello_view_t *out);
/* 0 if data starts with a TLS handshake record holding a ServerHello (or a
 * HelloRetryRequest); *version is the version the server chose: the
 * supported_versions extension if present, else the legacy version. */
int tls_decode_server_hello(const uint8_t *data, size_t len, uint16_t *version);
/* "1.2", "1.3", "1.0", ... */
const char *tls_version_name(uint16_t v);
#endif
