/* Decoders, driven offline: the test builds real packets (a ClientHello from
 * OpenSSL, a DNS query from ldns), writes them into a pcap file with
 * libpcap, reads the file back and decodes every frame. Then it feeds every
 * truncation and random garbage to show hostile input never crashes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <openssl/ssl.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/rd.h"
#include "sim/decode/dns_decode.h"
#include "sim/decode/packet.h"
#include "sim/decode/tls_decode.h"

/* A real ClientHello, as OpenSSL sends it for the given SNI (NULL: none). */
static size_t make_client_hello(const char *sni, uint8_t *out, size_t cap) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  SSL *ssl = SSL_new(ctx);
  BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, rbio, wbio);
  SSL_set_alpn_protos(ssl, (const unsigned char *)"\x08http/1.1", 9);
  if (sni) SSL_set_tlsext_host_name(ssl, sni);
  SSL_set_connect_state(ssl);
  (void)SSL_do_handshake(ssl);
  int n = BIO_read(wbio, out, (int)cap);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return n > 0 ? (size_t)n : 0;
}

static size_t make_dns_query(const char *name, uint8_t *out, size_t cap) {
  ldns_pkt *q = NULL;
  uint8_t *wire = NULL;
  size_t len = 0;
  assert_int_equal(ldns_pkt_query_new_frm_str(&q, name, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD), LDNS_STATUS_OK);
  ldns_pkt_set_id(q, 0x1234);
  assert_int_equal(ldns_pkt2wire(&wire, q, &len), LDNS_STATUS_OK);
  assert_true(len <= cap);
  memcpy(out, wire, len);
  free(wire);
  ldns_pkt_free(q);
  return len;
}

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* Ethernet + IPv4 + UDP or TCP around a payload. Checksums are left zero: the decoder does not need them. */
static size_t frame_v4(int tcp, const uint8_t *payload, size_t plen, uint16_t dport, uint8_t *out) {
  size_t l4 = tcp ? 20 : 8;
  memset(out, 0, 14 + 20 + l4);
  put16(out + 12, 0x0800);
  uint8_t *ip = out + 14;
  ip[0] = 0x45;
  put16(ip + 2, (uint16_t)(20 + l4 + plen));
  ip[8] = 64;
  ip[9] = tcp ? 6 : 17;
  uint8_t src[4] = {198, 18, 0, 10}, dst[4] = {198, 18, 1, 11};
  memcpy(ip + 12, src, 4);
  memcpy(ip + 16, dst, 4);
  uint8_t *t = ip + 20;
  put16(t, 40000);
  put16(t + 2, dport);
  if (tcp) {
    t[12] = 5 << 4;
    t[13] = 0x18; /* PSH, ACK */
  } else {
    put16(t + 4, (uint16_t)(8 + plen));
  }
  memcpy(t + l4, payload, plen);
  return 14 + 20 + l4 + plen;
}

/* Ethernet + IPv6 + TCP SYN, no payload. */
static size_t frame_v6_syn(uint8_t *out) {
  memset(out, 0, 14 + 40 + 20);
  put16(out + 12, 0x86dd);
  uint8_t *ip = out + 14;
  ip[0] = 0x60;
  put16(ip + 4, 20);
  ip[6] = 6;
  ip[7] = 64;
  ip[8] = 0x20; ip[9] = 0x01; ip[10] = 0x00; ip[11] = 0x02; ip[23] = 0x10;
  ip[24] = 0x20; ip[25] = 0x01; ip[26] = 0x00; ip[27] = 0x02; ip[39] = 0x11;
  uint8_t *t = ip + 40;
  put16(t, 40001);
  put16(t + 2, 443);
  t[12] = 5 << 4;
  t[13] = PKT_TCP_SYN;
  return 14 + 40 + 20;
}

static char pcap_path[64];

static int write_capture(void **state) {
  uint8_t payload[4096], frame[4200];
  snprintf(pcap_path, sizeof pcap_path, "/tmp/bcsim-test-decode-%d.pcap", (int)getpid());
  pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
  pcap_dumper_t *d = pcap_dump_open(dead, pcap_path);
  assert_non_null(d);
  struct pcap_pkthdr h = {0};
  size_t n = make_client_hello("c2.bc.example.com", payload, sizeof payload);
  assert_true(n > 100);
  h.caplen = h.len = (bpf_u_int32)frame_v4(1, payload, n, 443, frame);
  pcap_dump((u_char *)d, &h, frame);
  n = make_dns_query("any2bcp.bc.example.com", payload, sizeof payload);
  h.caplen = h.len = (bpf_u_int32)frame_v4(0, payload, n, 53, frame);
  pcap_dump((u_char *)d, &h, frame);
  h.caplen = h.len = (bpf_u_int32)frame_v6_syn(frame);
  pcap_dump((u_char *)d, &h, frame);
  n = make_client_hello(NULL, payload, sizeof payload);
  h.caplen = h.len = (bpf_u_int32)frame_v4(1, payload, n, 443, frame);
  pcap_dump((u_char *)d, &h, frame);
  pcap_dump_close(d);
  pcap_close(dead);
  return 0;
}

static int remove_capture(void **state) {
  unlink(pcap_path);
  return 0;
}

static void test_offline_capture(void **state) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(pcap_path, err);
  assert_non_null(p);
  struct pcap_pkthdr *h;
  const u_char *data;
  pkt_view_t v;
  tls_hello_view_t th;
  dns_view_t dv;

  assert_int_equal(pcap_next_ex(p, &h, &data), 1);
  assert_int_equal(pkt_decode(data, h->caplen, pcap_datalink(p), &v), 0);
  assert_int_equal(v.family, 4);
  assert_string_equal(v.src, "198.18.0.10");
  assert_string_equal(v.dst, "198.18.1.11");
  assert_int_equal(v.dport, 443);
  assert_int_equal(tls_decode_client_hello(v.payload, v.payload_len, &th), 0);
  assert_true(th.has_sni);
  assert_string_equal(th.sni, "c2.bc.example.com");
  assert_string_equal(th.alpn, "http/1.1");
  assert_string_equal(tls_version_name(th.max_version), "1.3");

  assert_int_equal(pcap_next_ex(p, &h, &data), 1);
  assert_int_equal(pkt_decode(data, h->caplen, pcap_datalink(p), &v), 0);
  assert_int_equal(v.proto, 17);
  assert_int_equal(dns_decode(v.payload, v.payload_len, &dv), 0);
  assert_false(dv.is_response);
  assert_int_equal(dv.id, 0x1234);
  assert_string_equal(dv.qname, "any2bcp.bc.example.com");
  assert_string_equal(dv.qtype, "A");

  assert_int_equal(pcap_next_ex(p, &h, &data), 1);
  assert_int_equal(pkt_decode(data, h->caplen, pcap_datalink(p), &v), 0);
  assert_int_equal(v.family, 6);
  assert_string_equal(v.dst, "2001:2::11");
  assert_int_equal(v.tcp_flags & PKT_TCP_SYN, PKT_TCP_SYN);

  assert_int_equal(pcap_next_ex(p, &h, &data), 1);
  assert_int_equal(pkt_decode(data, h->caplen, pcap_datalink(p), &v), 0);
  assert_int_equal(tls_decode_client_hello(v.payload, v.payload_len, &th), 0);
  assert_false(th.has_sni);
  assert_string_equal(th.sni, "");
  pcap_close(p);
}

/* Every prefix of a real ClientHello: no crash, and the SNI is reported only
 * when all of it arrived. */
static void test_truncated_client_hello(void **state) {
  uint8_t hello[4096];
  size_t n = make_client_hello("c2.bc.example.com", hello, sizeof hello);
  int with_sni = 0;
  for (size_t len = 0; len <= n; len++) {
    uint8_t *copy = malloc(len ? len : 1); /* exact size, so ASan sees any overread */
    memcpy(copy, hello, len);
    tls_hello_view_t th;
    if (tls_decode_client_hello(copy, len, &th) == 0 && th.has_sni) {
      assert_string_equal(th.sni, "c2.bc.example.com");
      with_sni++;
    }
    free(copy);
  }
  assert_true(with_sni > 0);
  assert_true(with_sni < (int)n);
}

/* Only an out-of-bounds read that segfaults fails this test in a plain build;
 * most do not. Its real judge is AddressSanitizer: `make test-asan` runs it
 * under ASan and UBSan, and tests/fuzz/ (dns, tls, capture) goes further. */
static void test_garbage_never_crashes(void **state) {
  uint8_t buf[1600];
  unsigned seed = 12345;
  int decoded = 0;
  for (int round = 0; round < 20000; round++) {
    size_t len = (size_t)(rand_r(&seed) % sizeof buf);
    for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)rand_r(&seed);
    /* Steer most frames past the outer layers, so the inner decoders see garbage too. */
    if (len > 60 && round % 4 != 0) {
      int v6 = round & 1;
      buf[12] = v6 ? 0x86 : 0x08;
      buf[13] = v6 ? 0xdd : 0x00;
      uint8_t *ip = buf + 14;
      size_t body = len - 14;
      if (v6) {
        ip[0] = 0x60;
        put16(ip + 4, (uint16_t)(body - 40 + (size_t)(rand_r(&seed) % 64))); /* sometimes longer than the frame */
        ip[6] = (round & 2) ? 6 : 17;
      } else {
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)(body - (size_t)(rand_r(&seed) % 8)));
        ip[6] = ip[7] = 0;
        ip[9] = (round & 2) ? 6 : 17;
      }
    }
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, buf, len);
    pkt_view_t v;
    tls_hello_view_t th;
    dns_view_t dv;
    if (pkt_decode(copy, len, DLT_EN10MB, &v) == 0) {
      decoded++;
      (void)tls_decode_client_hello(v.payload, v.payload_len, &th);
      (void)dns_decode(v.payload, v.payload_len, &dv);
      (void)dns_decode_tcp(v.payload, v.payload_len, &dv);
    }
    (void)tls_decode_client_hello(copy, len, &th);
    free(copy);
  }
  assert_true(decoded > 0);
}

static void test_reader_bounds(void **state) {
  const uint8_t b[3] = {1, 2, 3};
  rd_t r = rd_make(b, sizeof b);
  assert_int_equal(rd_u16(&r), 0x0102);
  assert_true(rd_ok(&r));
  assert_int_equal(rd_u16(&r), 0); /* only one byte left */
  assert_false(rd_ok(&r));
  assert_int_equal(rd_u8(&r), 0); /* the error is sticky */
  rd_t s = rd_make(b, sizeof b);
  rd_t sub = rd_sub(&s, 10);
  assert_false(rd_ok(&s));
  assert_false(rd_ok(&sub));
  assert_null(rd_bytes(&sub, 1));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_offline_capture, write_capture, remove_capture),
      cmocka_unit_test(test_truncated_client_hello),
      cmocka_unit_test(test_garbage_never_crashes),
      cmocka_unit_test(test_reader_bounds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
