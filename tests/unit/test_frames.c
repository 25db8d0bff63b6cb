/* The wire decoder over real captures. Each fixture of tests/fixtures/pcap/
 * is a few frames cut from a run's capture.pcap (make.sh there says how),
 * with the parties.json of that run's world. The test reads them as bcsim
 * rejudge reads a run: the party table from parties.json, the frames with
 * libpcap's offline reader, and asserts the exact events that come out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/decode/wire.h"

#define MAX_SEEN 64
#define MAX_PARTIES 64
#define ALL_FRAMES 1000

/* ---- what the decoder said ---- */

typedef struct seen {
  int n;
  char type[MAX_SEEN][32];
  int64_t t_us[MAX_SEEN];
  cJSON *fields[MAX_SEEN];
} seen_t;

static void on_event(void *arg, int64_t t_us, const char *type, cJSON *fields) {
  seen_t *s = arg;
  if (s->n >= MAX_SEEN) {
    cJSON_Delete(fields);
    return;
  }
  snprintf(s->type[s->n], sizeof s->type[0], "%s", type);
  s->t_us[s->n] = t_us;
  s->fields[s->n++] = fields;
}

static void seen_free(seen_t *s) {
  for (int i = 0; i < s->n; i++) cJSON_Delete(s->fields[i]);
  s->n = 0;
}

static const char *str(const seen_t *s, int i, const char *key) {
  const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s->fields[i], key));
  return v ? v : "";
}

static double num(const seen_t *s, int i, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(s->fields[i], key);
  assert_true(cJSON_IsNumber(v));
  return v->valuedouble;
}

static bool flag(const seen_t *s, int i, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(s->fields[i], key);
  assert_true(cJSON_IsBool(v));
  return cJSON_IsTrue(v);
}

/* The events, in order, are exactly these types. */
static void assert_types(const seen_t *s, int n, ...) {
  va_list ap;
  va_start(ap, n);
  assert_int_equal(s->n, n);
  for (int i = 0; i < n; i++) assert_string_equal(s->type[i], va_arg(ap, const char *));
  va_end(ap);
}

/* ---- a fixture, played ---- */

static char *read_text(const char *path) {
  FILE *f = fopen(path, "re");
  assert_non_null(f);
  char *text = calloc(1, 1 << 16);
  size_t n = fread(text, 1, (1 << 16) - 1, f);
  assert_true(n > 0 && feof(f));
  fclose(f);
  return text;
}

/* The party table of fixture name, from its own parties.json. Returns how many. */
static int load_parties(const char *name, wire_party_t *out) {
  char path[512];
  snprintf(path, sizeof path, "%s/tests/fixtures/pcap/%s.parties.json", BCSIM_SOURCE_DIR, name);
  char *text = read_text(path);
  cJSON *json = cJSON_Parse(text);
  int n = wire_parties_from_json(json, out, MAX_PARTIES);
  assert_true(n > 0);
  cJSON_Delete(json);
  free(text);
  return n;
}

/* The IPv4 address a party had in fixture name's world (recorded with it, so
 * the fixture stays whole if the world's table changes later). */
static const char *fixture_v4(const char *name, const char *party) {
  static wire_party_t parties[MAX_PARTIES];
  int n = load_parties(name, parties);
  for (int i = 0; i < n; i++)
    if (strcmp(parties[i].name, party) == 0 && !strchr(parties[i].addr, ':')) return parties[i].addr;
  fail_msg("fixture %s has no IPv4 address for %s", name, party);
  return "";
}

/* Plays the first max_frames frames of fixture name through a new decoder
 * into s; times are microseconds since the first frame. */
static void play(const char *name, int max_frames, seen_t *s) {
  wire_party_t parties[MAX_PARTIES];
  int n_parties = load_parties(name, parties);
  char path[512], ebuf[PCAP_ERRBUF_SIZE];
  snprintf(path, sizeof path, "%s/tests/fixtures/pcap/%s.pcap", BCSIM_SOURCE_DIR, name);
  pcap_t *p = pcap_open_offline(path, ebuf);
  assert_non_null(p);
  wire_t *w = wire_new(parties, n_parties, on_event, s);
  assert_non_null(w);
  struct pcap_pkthdr *h;
  const u_char *frame;
  int64_t first = -1, stamp;
  for (int k = 0; k < max_frames && pcap_next_ex(p, &h, &frame) == 1; k++) {
    assert_true(wire_stamp_us(h->ts.tv_sec, h->ts.tv_usec, &stamp));
    if (first < 0) first = stamp;
    wire_frame(w, stamp - first, frame, h->caplen, pcap_datalink(p));
  }
  wire_free(w);
  pcap_close(p);
}

/* ---- the fixtures ---- */

/* A query answered with an address, and one answered NXDOMAIN (dns-nxdomain-retry). */
static void test_dns_query_and_answer(void **state) {
  seen_t s = {0};
  play("dns", ALL_FRAMES, &s);
  assert_types(&s, 4, "dns.query", "dns.answer", "dns.query", "dns.answer");
  assert_string_equal(str(&s, 0, "qname"), "broker.zpa.example.net");
  assert_string_equal(str(&s, 0, "qtype"), "A");
  assert_string_equal(str(&s, 0, "proto"), "udp");
  assert_string_equal(str(&s, 0, "src_name"), "client");
  assert_string_equal(str(&s, 0, "dst_name"), "dns");
  assert_string_equal(str(&s, 0, "dst_role"), "resolver");
  assert_string_equal(str(&s, 1, "qname"), "broker.zpa.example.net");
  assert_true(num(&s, 1, "id") == num(&s, 0, "id"));
  assert_string_equal(str(&s, 1, "rcode"), "NOERROR");
  assert_string_equal(str(&s, 1, "src_name"), "dns");
  assert_string_equal(str(&s, 1, "dst_name"), "client");
  const cJSON *addrs = cJSON_GetObjectItemCaseSensitive(s.fields[1], "addrs");
  assert_int_equal(cJSON_GetArraySize(addrs), 1);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(addrs, 0)), fixture_v4("dns", "broker"));
  assert_string_equal(str(&s, 2, "qname"), "any2bcp.bc.example.com");
  assert_string_equal(str(&s, 3, "qname"), "any2bcp.bc.example.com");
  assert_true(num(&s, 3, "id") == num(&s, 2, "id"));
  assert_string_equal(str(&s, 3, "rcode"), "NXDOMAIN");
  assert_false(flag(&s, 3, "tc"));
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s.fields[3], "addrs")), 0);
  seen_free(&s);
}

/* A ClientHello the capture holds as two TCP segments, cut in the middle of
 * its SNI, is one ClientHello once the second segment is in, and neither
 * segment is a retransmission. */
static void test_tls_hello_split_in_two_segments(void **state) {
  seen_t s = {0};
  play("tls-hello-split", 4, &s); /* SYN, SYN-ACK, ACK, the first half */
  assert_types(&s, 1, "tcp.connect");
  seen_free(&s);
  play("tls-hello-split", ALL_FRAMES, &s);
  assert_types(&s, 3, "tcp.connect", "tls.client_hello", "tls.server_hello");
  assert_string_equal(str(&s, 0, "dst_name"), "pcc2");
  assert_string_equal(str(&s, 1, "sni"), "c2.bc.example.com");
  assert_true(flag(&s, 1, "has_sni"));
  assert_string_equal(str(&s, 1, "max_version"), "1.3");
  assert_string_equal(str(&s, 1, "src_name"), "client");
  assert_string_equal(str(&s, 1, "dst_name"), "pcc2");
  assert_string_equal(str(&s, 1, "dst_role"), "pcc");
  assert_true(num(&s, 1, "dport") == 443);
  assert_string_equal(str(&s, 2, "version"), "1.3");
  assert_string_equal(str(&s, 2, "sni"), "c2.bc.example.com");
  assert_string_equal(str(&s, 2, "src_name"), "pcc2");
  seen_free(&s);
}

/* A SYN the kernel sent again after an ICMP unreachable is a retransmission
 * of the same attempt, not a second tcp.connect (net-unreachable-pccs-recover). */
static void test_syn_sent_again(void **state) {
  seen_t s = {0};
  play("syn-retransmission", ALL_FRAMES, &s);
  assert_types(&s, 2, "tcp.connect", "tcp.retransmission");
  assert_string_equal(str(&s, 0, "dst_name"), "pcc1");
  assert_string_equal(str(&s, 0, "dst_role"), "pcc");
  assert_string_equal(str(&s, 1, "what"), "syn");
  assert_true(num(&s, 1, "length") == 0);
  assert_string_equal(str(&s, 1, "dst_name"), "pcc1");
  assert_true(num(&s, 1, "sport") == num(&s, 0, "sport"));
  assert_true(s.t_us[1] - s.t_us[0] >= 1000000); /* the kernel's first retransmission timeout: 1 s */
  seen_free(&s);
}

/* A refused connection: the SYN, and the RST that pcc1 answers it with (net-reject-pcc1). */
static void test_rst_from_server(void **state) {
  seen_t s = {0};
  play("rst", ALL_FRAMES, &s);
  assert_types(&s, 2, "tcp.connect", "tcp.reset");
  assert_string_equal(str(&s, 0, "src_name"), "client");
  assert_string_equal(str(&s, 0, "dst_name"), "pcc1");
  assert_string_equal(str(&s, 1, "src_name"), "pcc1");
  assert_string_equal(str(&s, 1, "src_role"), "pcc");
  assert_true(num(&s, 1, "sport") == 443);
  assert_string_equal(str(&s, 1, "dst_name"), "client");
  assert_true(num(&s, 1, "dport") == num(&s, 0, "sport"));
  seen_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dns_query_and_answer),
      cmocka_unit_test(test_tls_hello_split_in_two_segments),
      cmocka_unit_test(test_syn_sent_again),
      cmocka_unit_test(test_rst_from_server),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
