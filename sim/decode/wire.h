/* wire: the client's traffic, frame by frame, turned into timeline events.
 *
 * Pure: no I/O. The runner feeds it every frame of the live capture, and
 * `bcsim rejudge` feeds it the same frames from capture.pcap, so both derive
 * the same wire events from the same bytes.
 *
 * TCP is followed per connection and per direction, in sequence order, the
 * way tshark reassembles it: a ClientHello split over segments is one
 * ClientHello, two DNS messages in one segment are two messages, and a
 * segment the client sends again is a retransmission, never a new attempt.
 * Memory is bounded: a fixed table of connections (the least recently used
 * one is forgotten first) and capped reassembly buffers, so a flood costs
 * events, not the harness.
 *
 * Events (docs/scenario-format.md has their fields):
 *   dns.query, dns.answer          every DNS message, UDP or TCP
 *   tcp.connect                    a client's SYN (not its retransmissions)
 *   tcp.reset                      a RST, either way
 *   tcp.retransmission             a segment or SYN sent again
 *   tls.client_hello               SNI, versions, ALPN
 *   tls.server_hello               the version the server chose
 *   ip.unknown                     the client sent to an address no party has
 *                                  and no DNS answer gave it (once per address)
 *   tls.app_data                   the client's first application data on a
 *                                  connection: in TLS 1.3 the second
 *                                  encrypted record (the first is its
 *                                  Finished), in TLS 1.2 the first */
#ifndef BC_WIRE_H
#define BC_WIRE_H
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One address of the world: who owns it, and that party's role. */
typedef struct wire_party {
  char addr[INET6_ADDRSTRLEN];
  char name[32];
  char role[16];
} wire_party_t;

typedef struct wire wire_t;

/* The party table as world/parties.json keeps it: [{"addr", "name", "role"}, ...].
 * The runner writes it, and `bcsim rejudge` reads it back, through these. */
cJSON *wire_parties_to_json(const wire_party_t *parties, int n);
/* Fills out[] (at most max); entries without the three strings are skipped.
 * Returns how many, or -1 if json is not an array. */
int wire_parties_from_json(const cJSON *json, wire_party_t *out, int max);

/* Receives each event: its time, type and fields (ownership passes). */
typedef void (*wire_emit_fn)(void *arg, int64_t t_us, const char *type, cJSON *fields);

/* Copies the party table. NULL when out of memory. */
wire_t *wire_new(const wire_party_t *parties, int n_parties, wire_emit_fn emit, void *arg);
void wire_free(wire_t *w);
/* A capture's stamp (seconds and microseconds, as libpcap gives them) in
 * microseconds. False when it does not fit: a capture file may claim any
 * time, and such a frame is dropped rather than given a wrapped one. */
bool wire_stamp_us(int64_t sec, int64_t usec, int64_t *out);
/* One captured frame (linktype: a pcap DLT) seen at t_us. Hostile or cut
 * frames are ignored. */
void wire_frame(wire_t *w, int64_t t_us, const uint8_t *frame, size_t caplen, int linktype);

/* A client's connection that is still open, as net.inject-rst needs it. */
typedef struct wire_conn {
  char server[INET6_ADDRSTRLEN], client[INET6_ADDRSTRLEN];
  uint16_t sport, cport;
  uint32_t server_next_seq; /* the server's next sequence number */
} wire_conn_t;

/* Open connections to server address addr; returns how many were copied. */
int wire_live_conns(const wire_t *w, const char *addr, wire_conn_t *out, int max);
/* Forgets a connection (after a forged RST ended it). */
void wire_conn_closed(wire_t *w, const wire_conn_t *c);
/* The party that owns addr, or NULL. */
const wire_party_t *wire_party(const wire_t *w, const char *addr);
#endif
