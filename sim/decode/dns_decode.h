/* dns_decode: a summary of one DNS message seen on the wire.
 *
 * The wire format is parsed by ldns (ldns_wire2pkt), which checks every
 * length itself; this module only flattens the result for the timeline. */
#ifndef BC_DNS_DECODE_H
#define BC_DNS_DECODE_H
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_VIEW_MAX_ADDRS 16

typedef struct dns_view {
  uint16_t id;
  bool is_response;
  bool truncated;
  int rcode;
  char qname[256]; /* without the trailing dot, lower case */
  char qtype[16];  /* "A", "AAAA", ... */
  int n_addrs;
  char addrs[DNS_VIEW_MAX_ADDRS][INET6_ADDRSTRLEN];
  uint32_t min_ttl;
} dns_view_t;

/* Decodes a DNS message (without the TCP length prefix). 0 on success, -1 if
 * ldns rejects it or it has no question. */
int dns_decode(const uint8_t *msg, size_t len, dns_view_t *out);
/* For DNS over TCP: strips the two-byte length prefix of the first message in
 * a segment; -1 if the segment does not hold a whole message. */
int dns_decode_tcp(const uint8_t *seg, size_t len, dns_view_t *out);
/* "NOERROR", "NXDOMAIN", ... */
const char *dns_rcode_name(int rcode);
#endif
