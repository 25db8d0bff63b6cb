/* The wire decoder, driven offline with real TLS and DNS bytes: an OpenSSL
 * client and server shake hands in memory, and the test wraps what each
 * sends into TCP frames with true sequence numbers, split, repeated and
 * reordered the way a real capture can have them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "sim/decode/packet.h"
#include "sim/decode/wire.h"

/* ---- what the decoder said ---- */

#define MAX_SEEN 512
typedef struct seen {
  int n;
  char type[MAX_SEEN][32];
  cJSON *fields[MAX_SEEN];
} seen_t;

static void on_event(void *arg, int64_t t, const char *type, cJSON *fields) {
  seen_t *s = arg;
  if (s->n >= MAX_SEEN) {
    cJSON_Delete(fields);
    return;
  }
  snprintf(s->type[s->n], sizeof s->type[0], "%s", type);
  s->fields[s->n++] = fields;
}

static int count(const seen_t *s, const char *type) {
  int n = 0;
  for (int i = 0; i < s->n; i++) n += strcmp(s->type[i], type) == 0;
  return n;
}

static const cJSON *first(const seen_t *s, const char *type) {
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->type[i], type) == 0) return s->fields[i];
  return NULL;
}

static const char *str(const cJSON *f, const char *key) {
  const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, key));
  return v ? v : "";
}

static void seen_free(seen_t *s) {
  for (int i = 0; i < s->n; i++) cJSON_Delete(s->fields[i]);
  s->n = 0;
}

static const wire_party_t parties[] = {
    {"198.18.0.10", "client", "client"}, {"198.18.1.11", "pcc1", "pcc"}, {"198.18.1.53", "dns", "resolver"}};

/* ---- frames ---- */

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v) {
  put16(p, (uint16_t)(v >> 16));
  put16(p + 2, (uint16_t)v);
}

enum { SYN = 0x02, ACK = 0x10, FIN = 0x01, PSH = 0x08 };

/* Ethernet + IPv4 + TCP; up is client to server. */
static void tcp(wire_t *w, bool up, uint16_t cport, uint16_t sport, const char *server, uint32_t seq, uint8_t flags,
                const uint8_t *payload, size_t n) {
  uint8_t *f = calloc(1, 14 + 20 + 20 + n); /* exact size: ASan sees any overread */
  put16(f + 12, 0x0800);
  uint8_t *ip = f + 14;
  ip[0] = 0x45;
  put16(ip + 2, (uint16_t)(40 + n));
  ip[8] = 64;
  ip[9] = 6;
  uint8_t client[4] = {198, 18, 0, 10}, srv[4];
  inet_pton(AF_INET, server, srv);
  memcpy(ip + 12, up ? client : srv, 4);
  memcpy(ip + 16, up ? srv : client, 4);
  uint8_t *t = ip + 20;
  put16(t, up ? cport : sport);
  put16(t + 2, up ? sport : cport);
  put32(t + 4, seq);
  t[12] = 5 << 4;
  t[13] = flags;
  if (n) memcpy(t + 20, payload, n);
  wire_frame(w, 0, f, 14 + 40 + n, DLT_EN10MB);
  free(f);
}

/* One TCP connection, with the sequence numbers of both sides. */
typedef struct conn {
  wire_t *w;
  uint16_t cport;
  const char *server;
  uint16_t sport;
  uint32_t cseq, sseq;
} conn_t;

static conn_t open_conn(wire_t *w, uint16_t cport, const char *server, uint16_t sport) {
  conn_t c = {w, cport, server, sport, 1000, 50000};
  tcp(w, true, cport, sport, server, c.cseq++, SYN, NULL, 0);
  tcp(w, false, cport, sport, server, c.sseq++, SYN | ACK, NULL, 0);
  return c;
}

/* Sends bytes one way, in segments of at most mss. */
static void send_bytes(conn_t *c, bool up, const uint8_t *p, size_t n, size_t mss) {
  for (size_t off = 0; off < n; off += mss) {
    size_t k = n - off < mss ? n - off : mss;
    uint32_t *seq = up ? &c->cseq : &c->sseq;
    tcp(c->w, up, c->cport, c->sport, c->server, *seq, PSH | ACK, p + off, k);
    *seq += (uint32_t)k;
  }
}

/* ---- real TLS, in memory ---- */

static EVP_PKEY *key;
static X509 *cert;

static int make_cert(void **state) {
  key = EVP_EC_gen("P-256");
  cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC, (const unsigned char *)"c2.bc.example.com", -1, -1, 0);
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  X509_sign(cert, key, EVP_sha256());
  return 0;
}

static int free_cert(void **state) {
  X509_free(cert);
  EVP_PKEY_free(key);
  return 0;
}

typedef struct tls_pair {
  SSL_CTX *cctx, *sctx;
  SSL *c, *s;
} tls_pair_t;

/* A client (trusting our certificate or not) and a server, joined by memory BIOs. */
static tls_pair_t tls_pair(bool trust, int max_version) {
  tls_pair_t p;
  p.sctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate(p.sctx, cert);
  SSL_CTX_use_PrivateKey(p.sctx, key);
  if (max_version) SSL_CTX_set_max_proto_version(p.sctx, max_version);
  p.cctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(p.cctx, SSL_VERIFY_PEER, NULL);
  if (trust) X509_STORE_add_cert(SSL_CTX_get_cert_store(p.cctx), cert);
  p.c = SSL_new(p.cctx);
  p.s = SSL_new(p.sctx);
  SSL_set_tlsext_host_name(p.c, "c2.bc.example.com");
  SSL_set_bio(p.c, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
  SSL_set_bio(p.s, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
  SSL_set_connect_state(p.c);
  SSL_set_accept_state(p.s);
  return p;
}

static void tls_pair_free(tls_pair_t *p) {
  SSL_free(p->c);
  SSL_free(p->s);
  SSL_CTX_free(p->cctx);
  SSL_CTX_free(p->sctx);
}

/* What one side wrote since last time; handed to the other side, and onto the wire. */
static size_t flight(SSL *from, SSL *to, uint8_t *buf, size_t cap) {
  int n = BIO_read(SSL_get_wbio(from), buf, (int)cap);
  if (n <= 0) return 0;
  BIO_write(SSL_get_rbio(to), buf, n);
  return (size_t)n;
}

/* Runs the handshake, putting every flight on the wire (the client's in mss-sized segments). */
static void handshake(tls_pair_t *p, conn_t *c, size_t client_mss) {
  uint8_t buf[16384];
  for (int round = 0; round < 6; round++) {
    SSL_do_handshake(p->c);
    size_t n = flight(p->c, p->s, buf, sizeof buf);
    if (n) send_bytes(c, true, buf, n, client_mss);
    SSL_do_handshake(p->s);
    n = flight(p->s, p->c, buf, sizeof buf);
    if (n) send_bytes(c, false, buf, n, 1400);
  }
}

/* ---- the tests ---- */

/* TLS 1.3: a ClientHello cut in three segments is one ClientHello; the
 * client's Finished is no application data; its first request is. */
static void test_tls13_hello_and_app_data(void **state) {
  seen_t s = {0};
  wire_t *w = wire_new(parties, 3, on_event, &s);
  conn_t c = open_conn(w, 40000, "198.18.1.11", 443);
  tls_pair_t p = tls_pair(true, 0);
  handshake(&p, &c, 100);
  assert_int_equal(SSL_is_init_finished(p.c), 1);
  assert_int_equal(count(&s, "tcp.connect"), 1);
  assert_int_equal(count(&s, "tls.client_hello"), 1);
  const cJSON *hello = first(&s, "tls.client_hello");
  assert_string_equal(str(hello, "sni"), "c2.bc.example.com");
  assert_string_equal(str(hello, "dst_name"), "pcc1");
  assert_string_equal(str(hello, "dst_role"), "pcc");
  assert_string_equal(str(first(&s, "tls.server_hello"), "version"), "1.3");
  assert_int_equal(count(&s, "tls.app_data"), 0); /* the Finished alone is not data */
  uint8_t buf[4096];
  SSL_write(p.c, "POST /v1/bc/connect HTTP/1.1\r\n\r\n", 32);
  send_bytes(&c, true, buf, flight(p.c, p.s, buf, sizeof buf), 1400);
  assert_int_equal(count(&s, "tls.app_data"), 1);
  assert_string_equal(str(first(&s, "tls.app_data"), "sni"), "c2.bc.example.com");
  SSL_write(p.c, "more", 4);
  send_bytes(&c, true, buf, flight(p.c, p.s, buf, sizeof buf), 1400);
  assert_int_equal(count(&s, "tls.app_data"), 1); /* once per connection */
  tls_pair_free(&p);
  wire_free(w);
  seen_free(&s);
}

/* A close_notify after a handshake the client completed and left unused is no data. */
static void test_close_notify_is_no_data(void **state) {
  seen_t s = {0};
  wire_t *w = wire_new(parties, 3, on_event, &s);
  conn_t c = open_conn(w, 40007, "198.18.1.11", 443);
  tls_pair_t p = tls_pair(true, 0);
  handshake(&p, &c, 1400);
  uint8_t buf[4096];
  SSL_shutdown(p.c);
  size_t n = flight(p.c, p.s, buf, sizeof buf);
  assert_true(n > 0);
  send_bytes(&c, true, buf, n, 1400);
  assert_int_equal(count(&s, "tls.app_data"), 0);
  tls_pair_free(&p);
  wire_free(w);
  seen_free(&s);
}

/* A client that refuses the certificate sends its alert, never data. */
static void test_refused_certificate_sends_no_data(void **state) {
  seen_t s = {0};
  wire_t *w = wire_new(parties, 3, on_event, &s);
  conn_t c = open_conn(w, 40001, "198.18.1.11", 443);
  tls_pair_t p = tls_pair(false, 0);
  handshake(&p, &c, 1400);
  assert_int_equal(SSL_is_init_finished(p.c), 0);
  assert_int_equal(count(&s, "tls.client_hello"), 1);
  assert_int_equal(count(&s, "tls.app_data"), 0);
  tls_pair_free(&p);
  wire_free(w);
  seen_free(&s);
}

/* TLS 1.2: the Finished is a handshake record, so the first encrypted record is data. */
static void test_tls12_app_data(void **state) {
  seen_t s = {0};
  wire_t *w = wire_new(parties, 3, on_event, &s);
  conn_t c = open_conn(w, 40002, "198.18.1.11", 443);
  tls_pair_t p = tls_pair(true, TLS1_2_VERSION);
  handshake(&p, &c, 1400);
  assert_string_equal(str(first(&s, "tls.server_hello"), "version"), "1.2");
  assert_int_equal(count(&s, "tls.app_data"), 0);
  uint8_t buf[4096];
  SSL_write(p.c, "x", 1);
  send_bytes(&c, true, buf, flight(p.c, p.s, buf, sizeof buf), 1400);
  assert_int_equal(count(&s, "tls.app_data"), 1);
  assert_string_equal(str(first(&s, "tls.app_data"), "version"), "1.2");
  tls_pair_free(&p);
  wire_free(w);
  seen_free(&s);
}

/* A ClientHello sent again (TCP retransmission) and a SYN sent again are not new attempts. */
static void test_retransmissions_are_not_attempts(void **state) {
  seen_t s = {0};
  wire_t *w = wire_new(parties, 3, on_event, &s);
  tcp(w, true, 40003, 443, "198.18.1.11", 7000, SYN, NULL, 0);
  tcp(w, true, 40003, 443, "198.18.1.11", 7000, SYN, NULL, 0); /* the SYN again */
  tcp(w, false, 40003, 443, "198.18.1.11", 90000, SYN | ACK, NULL, 0);
  conn_t c = {w, 40003, "198.18.1.11", 443, 7001, 90001};
  tls_pair_t p = tls_pair(true, 0);
  uint8_t hello[4096];
  SSL_do_handshake(p.c);
  size_t n = flight(p.c, p.s, hello, sizeof hello);
  send_bytes(&c, true, hello, n, 1400);
  tcp(w, true, 40003, 443, "198.18.1.11", 7001, PSH | ACK, hello, n); /* the stall: sent again */
  tcp(w, true, 40003, 443, "198.18.1.11", 7001, PSH | ACK, hello, n);
  assert_int_equal(count(&s, "tcp.connect"), 1);
  assert_int_equal(count(&s, "tls.client_hello"), 1);
  assert_int_equal(count(&s, "tcp.retransmission"), 3);
  /* A new connection on the same ports (another initial sequence number) is a new attempt. */
  tcp(w, true, 40003, 443, "198.18.1.11", 123456, SYN, NULL, 0);
  assert_int_equal(count(&s, "tcp.connect"), 2);
  tls_pair_free(&p);
  wire_free(w);
  seen_free(&s);
}

/* The server's flight arriving out of order is put back in order. */
static void test_reordered_server_flight(void **state) {
  seen_t s = {0};
  wire_t *w = wire_new(parties, 3, on_event, &s);
  conn_t c = open_conn(w, 40004, "198.18.1.11", 443);
  tls_pair_t p = tls_pair(true, 0);
  uint8_t buf[16384];
  SSL_do_handshake(p.c);
  send_bytes(&c, true, buf, flight(p.c, p.s, buf, sizeof buf), 1400);
  SSL_do_handshake(p.s);
  size_t n = flight(p.s, p.c, buf, sizeof buf);
  assert_true(n > 200);
  size_t half = 60; /* inside the ServerHello */
  tcp(w, false, 40004, 443, "198.18.1.11", c.sseq + (uint32_t)half, PSH | ACK, buf + half, n - half);
  assert_int_equal(count(&s, "tls.server_hello"), 0); /* a hole before it */
  tcp(w, false, 40004, 443, "198.18.1.11", c.sseq, PSH | ACK, buf, half);
  assert_int_equal(count(&s, "tls.server_hello"), 1);
  tls_pair_free(&p);
  wire_free(w);
  seen_free(&s);
}

static size_t dns_query(const char *name, uint16_t id, uint8_t *out) {
  ldns_pkt *q = NULL;
  uint8_t *wire = NULL;
  size_t len = 0;
  assert_int_equal(ldns_pkt_query_new_frm_str(&q, name, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD), LDNS_STATUS_OK);
  ldns_pkt_set_id(q, id);
  assert_int_equal(ldns_pkt2wire(&wire, q, &len), LDNS_STATUS_OK);
  put16(out, (uint16_t)len); /* the TCP length prefix */
  memcpy(out + 2, wire, len);
  free(wire);
  ldns_pkt_free(q);
  return len + 2;
}

/* DNS over TCP: two messages in one segment are two; one message in two segments is one (RFC 7766). */
static void test_dns_over_tcp(void **state) {
  seen_t s = {0};
  wire_t *w = wire_new(parties, 3, on_event, &s);
  conn_t c = open_conn(w, 40005, "198.18.1.53", 53);
  uint8_t seg[1024];
  size_t n = dns_query("any2bcp.bc.example.com", 1, seg);
  n += dns_query("any2bcp.bc.example.com", 2, seg + n);
  send_bytes(&c, true, seg, n, 1400);
  assert_int_equal(count(&s, "dns.query"), 2);
  n = dns_query("bcpsp.bc.example.com", 3, seg);
  send_bytes(&c, true, seg, n, 7); /* in pieces of 7 bytes */
  assert_int_equal(count(&s, "dns.query"), 3);
  assert_string_equal(str(s.fields[s.n - 1], "qname"), "bcpsp.bc.example.com");
  assert_string_equal(str(s.fields[s.n - 1], "proto"), "tcp");
  assert_string_equal(str(s.fields[s.n - 1], "dst_role"), "resolver");
  wire_free(w);
  seen_free(&s);
}

/* The connections net.inject-rst may reset: open ones, with the server's next sequence number. */
static void test_live_connections(void **state) {
  seen_t s = {0};
  wire_t *w = wire_new(parties, 3, on_event, &s);
  conn_t c = open_conn(w, 40006, "198.18.1.11", 443);
  uint8_t data[10] = {0};
  send_bytes(&c, false, data, sizeof data, 1400);
  wire_conn_t live[4];
  assert_int_equal(wire_live_conns(w, "198.18.1.11", live, 4), 1);
  assert_int_equal(live[0].server_next_seq, 50001 + 10);
  assert_int_equal(live[0].cport, 40006);
  tcp(w, true, 40006, 443, "198.18.1.11", c.cseq, FIN | ACK, NULL, 0);
  assert_int_equal(wire_live_conns(w, "198.18.1.11", live, 4), 0);
  wire_free(w);
  seen_free(&s);
}

/* A hole the capture never fills: parsing of that direction stops (nothing is
 * invented), and what a forged RST needs still follows the highest segment. */
static void test_hole_never_filled(void **state) {
  seen_t s = {0};
  wire_t *w = wire_new(parties, 3, on_event, &s);
  conn_t c = open_conn(w, 40008, "198.18.1.11", 443);
  uint8_t data[100] = {23, 3, 3, 0, 95};
  c.sseq += 100; /* these 100 bytes of the server's were lost by the capture */
  for (int i = 0; i < 20; i++) send_bytes(&c, false, data, sizeof data, 1400);
  wire_conn_t live[2];
  assert_int_equal(wire_live_conns(w, "198.18.1.11", live, 2), 1);
  assert_int_equal(live[0].server_next_seq, c.sseq);
  /* The other direction goes on: a ClientHello still counts once, and its repeat is a retransmission. */
  tls_pair_t p = tls_pair(true, 0);
  uint8_t hello[4096];
  SSL_do_handshake(p.c);
  size_t n = flight(p.c, p.s, hello, sizeof hello);
  send_bytes(&c, true, hello, n, 1400);
  tcp(w, true, 40008, 443, "198.18.1.11", c.cseq - (uint32_t)n, PSH | ACK, hello, n);
  assert_int_equal(count(&s, "tls.client_hello"), 1);
  assert_int_equal(count(&s, "tcp.retransmission"), 1);
  tls_pair_free(&p);
  wire_free(w);
  seen_free(&s);
}

/* A flood of connections and garbage: memory stays bounded, nothing crashes.
 * A bad read that does not segfault passes here: `make test-asan` runs this
 * under ASan and UBSan, which catch it. */
static void test_flood_and_garbage(void **state) {
  seen_t s = {0};
  wire_t *w = wire_new(parties, 3, on_event, &s);
  unsigned seed = 7;
  uint8_t junk[3000];
  for (int i = 0; i < 3000; i++) {
    uint16_t port = (uint16_t)(20000 + i);
    conn_t c = open_conn(w, port, i % 2 ? "198.18.1.11" : "198.18.1.53", i % 2 ? 443 : 53);
    size_t n = (size_t)(rand_r(&seed) % sizeof junk);
    for (size_t k = 0; k < n; k++) junk[k] = (uint8_t)rand_r(&seed);
    if (i % 3 == 0) junk[0] = 22; /* looks like TLS */
    send_bytes(&c, true, junk, n, 1 + (size_t)(rand_r(&seed) % 1500));
    send_bytes(&c, false, junk, n, 1 + (size_t)(rand_r(&seed) % 1500));
    seen_free(&s);
  }
  wire_free(w);
}

/* A capture file may claim any time: a stamp that does not fit in microseconds is refused. */
static void test_stamps_that_do_not_fit(void **state) {
  int64_t us = 0;
  assert_true(wire_stamp_us(1700000000, 250000, &us));
  assert_int_equal(us, INT64_C(1700000000250000));
  assert_false(wire_stamp_us(INT64_MAX / 1000, 0, &us));
  assert_false(wire_stamp_us(-(INT64_MAX / 1000), 0, &us));
  assert_false(wire_stamp_us(1, 1000000, &us));
  assert_false(wire_stamp_us(1, -1, &us));
}

/* world/parties.json, written and read back: what rejudge names is what the run named. */
static void test_parties_round_trip(void **state) {
  wire_party_t in[2] = {{"198.18.1.11", "pcc1", "pcc"}, {"2001:2:0:200::12", "pcc2", "pcc"}}, out[4];
  cJSON *json = wire_parties_to_json(in, 2);
  cJSON_AddItemToArray(json, cJSON_CreateString("not a party")); /* skipped, not fatal */
  assert_int_equal(wire_parties_from_json(json, out, 4), 2);
  assert_string_equal(out[1].addr, "2001:2:0:200::12");
  assert_string_equal(out[1].name, "pcc2");
  assert_string_equal(out[0].role, "pcc");
  assert_int_equal(wire_parties_from_json(json, out, 1), 1); /* never more than room */
  cJSON_Delete(json);
  cJSON *obj = cJSON_CreateObject();
  assert_int_equal(wire_parties_from_json(obj, out, 4), -1);
  cJSON_Delete(obj);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stamps_that_do_not_fit),       cmocka_unit_test(test_parties_round_trip),
      cmocka_unit_test(test_tls13_hello_and_app_data),     cmocka_unit_test(test_refused_certificate_sends_no_data),
      cmocka_unit_test(test_close_notify_is_no_data),
      cmocka_unit_test(test_tls12_app_data),               cmocka_unit_test(test_retransmissions_are_not_attempts),
      cmocka_unit_test(test_reordered_server_flight),      cmocka_unit_test(test_dns_over_tcp),
      cmocka_unit_test(test_live_connections),             cmocka_unit_test(test_flood_and_garbage),
      cmocka_unit_test(test_hole_never_filled),
  };
  return cmocka_run_group_tests(tests, make_cert, free_cert);
}
