/* The site resolver's cache: what it keeps, for how long, what it refuses
 * to keep, and what it gives back. The clock is the test's: no network, no waiting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "sim/dns/dns_cache.h"
#include "sim/dns/zone.h"

#define BROKER "broker.zpa.example.net"

typedef struct wire {
  uint8_t *data;
  size_t len;
} wire_t;

static wire_t to_wire(ldns_pkt *p) {
  wire_t w = {0};
  assert_int_equal(ldns_pkt2wire(&w.data, p, &w.len), LDNS_STATUS_OK);
  ldns_pkt_free(p);
  return w;
}

static wire_t query_cls(const char *name, ldns_rr_type type, ldns_rr_class cls, uint16_t id) {
  ldns_pkt *q = NULL;
  assert_int_equal(ldns_pkt_query_new_frm_str(&q, name, type, cls, LDNS_RD), LDNS_STATUS_OK);
  ldns_pkt_set_id(q, id);
  return to_wire(q);
}

static wire_t query(const char *name, ldns_rr_type type, uint16_t id) {
  return query_cls(name, type, LDNS_RR_CLASS_IN, id);
}

/* An answer with question "qname IN qtype", the id, rcode, and records
 * given as zone-file lines: answer records, then after a NULL the authority. */
static wire_t answer(const char *qname, const char *qtype, uint16_t id, ldns_pkt_rcode rcode, const char *const *rrs) {
  ldns_pkt *a = ldns_pkt_new();
  ldns_rr *question = NULL;
  char text[300];
  assert_non_null(a);
  snprintf(text, sizeof text, "%s IN %s", qname, qtype);
  assert_int_equal(ldns_rr_new_question_frm_str(&question, text, NULL, NULL), LDNS_STATUS_OK);
  ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, question);
  ldns_pkt_set_id(a, id);
  ldns_pkt_set_qr(a, true);
  ldns_pkt_set_aa(a, true);
  ldns_pkt_set_rcode(a, (uint8_t)rcode);
  ldns_pkt_section section = LDNS_SECTION_ANSWER;
  for (int i = 0; rrs && (rrs[i] || section == LDNS_SECTION_ANSWER); i++) {
    if (!rrs[i]) {
      section = LDNS_SECTION_AUTHORITY;
      continue;
    }
    ldns_rr *rr = NULL;
    assert_int_equal(ldns_rr_new_frm_str(&rr, rrs[i], 0, NULL, NULL), LDNS_STATUS_OK);
    ldns_pkt_push_rr(a, section, rr);
  }
  return to_wire(a);
}

static const char *const broker_a[] = {BROKER ". 60 IN A 198.18.2.10", BROKER ". 90 IN A 198.18.2.11", NULL, NULL};

static void wire_free(wire_t *w) {
  free(w->data);
  w->data = NULL;
}

/* Asks the cache; on a hit returns the parsed answer (caller frees), else NULL. */
static ldns_pkt *get(dns_cache_t *c, const char *name, ldns_rr_type type, uint16_t id, int64_t now_ms) {
  wire_t q = query(name, type, id);
  uint8_t *out = NULL;
  size_t len = 0;
  ldns_pkt *a = NULL;
  int rc = dns_cache_get(c, q.data, q.len, now_ms, &out, &len);
  assert_true(rc == 0 || rc == 1);
  if (rc == 1) assert_int_equal(ldns_wire2pkt(&a, out, len), LDNS_STATUS_OK);
  free(out);
  wire_free(&q);
  return a;
}

static int put(dns_cache_t *c, const char *qname, ldns_rr_type qtype, uint16_t qid, wire_t a, int64_t now_ms) {
  wire_t q = query(qname, qtype, qid);
  int rc = dns_cache_put(c, q.data, q.len, a.data, a.len, now_ms);
  wire_free(&q);
  wire_free(&a);
  return rc;
}

static void test_hit_carries_the_askers_id_and_question_and_the_remaining_ttl(void **state) {
  dns_cache_t *c = dns_cache_new(8);
  assert_null(get(c, BROKER, LDNS_RR_TYPE_A, 1, 0));
  assert_int_equal(put(c, BROKER, LDNS_RR_TYPE_A, 7, answer(BROKER, "A", 7, LDNS_RCODE_NOERROR, broker_a), 1000), 1);
  ldns_pkt *a = get(c, "BroKer.ZPA.example.net", LDNS_RR_TYPE_A, 4242, 11500);
  assert_non_null(a);
  assert_int_equal(ldns_pkt_id(a), 4242);
  assert_true(ldns_pkt_qr(a));
  assert_false(ldns_pkt_aa(a));
  char *qname = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(a), 0)));
  assert_string_equal(qname, "BroKer.ZPA.example.net.");
  free(qname);
  ldns_rr_list *an = ldns_pkt_answer(a);
  assert_int_equal(ldns_rr_list_rr_count(an), 2);
  /* 10.5 s after it was kept: 10 whole seconds less. */
  assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(an, 0)), 50);
  assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(an, 1)), 80);
  ldns_pkt_free(a);
  dns_cache_free(c);
}

static void test_key_is_name_type_and_class(void **state) {
  dns_cache_t *c = dns_cache_new(8);
  assert_int_equal(put(c, BROKER, LDNS_RR_TYPE_A, 7, answer(BROKER, "A", 7, LDNS_RCODE_NOERROR, broker_a), 0), 1);
  ldns_pkt *a = get(c, "BROKER.zpa.example.net.", LDNS_RR_TYPE_A, 1, 0);
  assert_non_null(a);
  ldns_pkt_free(a);
  assert_null(get(c, BROKER, LDNS_RR_TYPE_AAAA, 1, 0));
  assert_null(get(c, "se1.zpa.example.net", LDNS_RR_TYPE_A, 1, 0));
  wire_t ch = query_cls(BROKER, LDNS_RR_TYPE_A, LDNS_RR_CLASS_CH, 1);
  uint8_t *out = NULL;
  size_t len = 0;
  assert_int_equal(dns_cache_get(c, ch.data, ch.len, 0, &out, &len), 0);
  assert_null(out);
  wire_free(&ch);
  dns_cache_free(c);
}

static void test_expires_with_its_smallest_ttl(void **state) {
  dns_cache_t *c = dns_cache_new(8);
  assert_int_equal(put(c, BROKER, LDNS_RR_TYPE_A, 7, answer(BROKER, "A", 7, LDNS_RCODE_NOERROR, broker_a), 0), 1);
  ldns_pkt *a = get(c, BROKER, LDNS_RR_TYPE_A, 1, 59999);
  assert_non_null(a);
  assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(a), 0)), 1);
  ldns_pkt_free(a);
  assert_null(get(c, BROKER, LDNS_RR_TYPE_A, 1, 60000));
  assert_int_equal(dns_cache_count(c), 0);
  dns_cache_free(c);
}

static void test_negative_ttl_from_the_soa(void **state) {
  dns_cache_t *c = dns_cache_new(8);
  /* RFC 2308: the smaller of the SOA's TTL (300) and its MINIMUM (30). */
  const char *const soa_min[] = {NULL, "zpa.example.net. 300 IN SOA ns.zpa.example.net. h.zpa.example.net. 1 2 3 4 30",
                                 NULL};
  assert_int_equal(put(c, "gone.zpa.example.net", LDNS_RR_TYPE_A, 3,
                       answer("gone.zpa.example.net", "A", 3, LDNS_RCODE_NXDOMAIN, soa_min), 0), 1);
  ldns_pkt *a = get(c, "gone.zpa.example.net", LDNS_RR_TYPE_A, 9, 29999);
  assert_non_null(a);
  assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
  ldns_pkt_free(a);
  assert_null(get(c, "gone.zpa.example.net", LDNS_RR_TYPE_A, 9, 30000));
  /* No data, with an SOA whose own TTL (5) is the smaller. */
  const char *const soa_ttl[] = {NULL, "zpa.example.net. 5 IN SOA ns.zpa.example.net. h.zpa.example.net. 1 2 3 4 600",
                                 NULL};
  assert_int_equal(put(c, BROKER, LDNS_RR_TYPE_AAAA, 3, answer(BROKER, "AAAA", 3, LDNS_RCODE_NOERROR, soa_ttl), 0), 1);
  a = get(c, BROKER, LDNS_RR_TYPE_AAAA, 9, 4999);
  assert_non_null(a);
  ldns_pkt_free(a);
  assert_null(get(c, BROKER, LDNS_RR_TYPE_AAAA, 9, 5000));
  /* No SOA at all: the short bound. */
  assert_int_equal(put(c, "x.zpa.example.net", LDNS_RR_TYPE_A, 3,
                       answer("x.zpa.example.net", "A", 3, LDNS_RCODE_NXDOMAIN, NULL), 0), 1);
  a = get(c, "x.zpa.example.net", LDNS_RR_TYPE_A, 9, DNS_CACHE_NEG_TTL_NO_SOA_S * 1000 - 1);
  assert_non_null(a);
  ldns_pkt_free(a);
  assert_null(get(c, "x.zpa.example.net", LDNS_RR_TYPE_A, 9, DNS_CACHE_NEG_TTL_NO_SOA_S * 1000));
  dns_cache_free(c);
}

static void test_keeps_only_the_answer_to_the_question(void **state) {
  dns_cache_t *c = dns_cache_new(8);
  /* Another ID, another name, another type: a forgery or a stray, not the answer. */
  assert_int_equal(put(c, BROKER, LDNS_RR_TYPE_A, 7, answer(BROKER, "A", 8, LDNS_RCODE_NOERROR, broker_a), 0), 0);
  const char *const spoofed[] = {"spoofed.zpa.example.net. 60 IN A 198.18.9.9", NULL, NULL};
  assert_int_equal(
      put(c, BROKER, LDNS_RR_TYPE_A, 7, answer("spoofed.zpa.example.net", "A", 7, LDNS_RCODE_NOERROR, spoofed), 0), 0);
  assert_int_equal(put(c, BROKER, LDNS_RR_TYPE_AAAA, 7, answer(BROKER, "A", 7, LDNS_RCODE_NOERROR, broker_a), 0), 0);
  /* SERVFAIL and REFUSED say nothing about the name; a TTL of 0 says not to keep it. */
  assert_int_equal(put(c, BROKER, LDNS_RR_TYPE_A, 7, answer(BROKER, "A", 7, LDNS_RCODE_SERVFAIL, NULL), 0), 0);
  assert_int_equal(put(c, BROKER, LDNS_RR_TYPE_A, 7, answer(BROKER, "A", 7, LDNS_RCODE_REFUSED, NULL), 0), 0);
  const char *const zero[] = {BROKER ". 0 IN A 198.18.2.10", NULL, NULL};
  assert_int_equal(put(c, BROKER, LDNS_RR_TYPE_A, 7, answer(BROKER, "A", 7, LDNS_RCODE_NOERROR, zero), 0), 0);
  /* A truncated answer is not the whole answer. */
  wire_t tc = answer(BROKER, "A", 7, LDNS_RCODE_NOERROR, broker_a);
  tc.data[2] |= 0x02;
  assert_int_equal(put(c, BROKER, LDNS_RR_TYPE_A, 7, tc, 0), 0);
  /* A query is not an answer. */
  wire_t q = query(BROKER, LDNS_RR_TYPE_A, 7);
  assert_int_equal(put(c, BROKER, LDNS_RR_TYPE_A, 7, q, 0), 0);
  assert_int_equal(dns_cache_count(c), 0);
  dns_cache_free(c);
}

static void test_answers_matches_id_and_question(void **state) {
  wire_t q = query("Broker.zpa.example.net", LDNS_RR_TYPE_A, 7);
  wire_t good = answer(BROKER, "A", 7, LDNS_RCODE_NOERROR, broker_a);
  wire_t wrong_id = answer(BROKER, "A", 0x5a5d, LDNS_RCODE_NOERROR, broker_a);
  wire_t wrong_type = answer(BROKER, "AAAA", 7, LDNS_RCODE_NOERROR, NULL);
  assert_true(dns_cache_answers(q.data, q.len, good.data, good.len));
  assert_false(dns_cache_answers(q.data, q.len, wrong_id.data, wrong_id.len));
  assert_false(dns_cache_answers(q.data, q.len, wrong_type.data, wrong_type.len));
  assert_false(dns_cache_answers(q.data, q.len, q.data, q.len));
  wire_free(&q);
  wire_free(&good);
  wire_free(&wrong_id);
  wire_free(&wrong_type);
}

static void test_full_cache_evicts_expired_then_least_used(void **state) {
  dns_cache_t *c = dns_cache_new(3);
  const char *const short_ttl[] = {"a.zpa.example.net. 1 IN A 198.18.2.1", NULL, NULL};
  const char *const b[] = {"b.zpa.example.net. 60 IN A 198.18.2.2", NULL, NULL};
  const char *const cc[] = {"c.zpa.example.net. 60 IN A 198.18.2.3", NULL, NULL};
  const char *const d[] = {"d.zpa.example.net. 60 IN A 198.18.2.4", NULL, NULL};
  const char *const e[] = {"e.zpa.example.net. 60 IN A 198.18.2.5", NULL, NULL};
  assert_int_equal(put(c, "a.zpa.example.net", LDNS_RR_TYPE_A, 1, answer("a.zpa.example.net", "A", 1, 0, short_ttl), 0), 1);
  assert_int_equal(put(c, "b.zpa.example.net", LDNS_RR_TYPE_A, 1, answer("b.zpa.example.net", "A", 1, 0, b), 0), 1);
  assert_int_equal(put(c, "c.zpa.example.net", LDNS_RR_TYPE_A, 1, answer("c.zpa.example.net", "A", 1, 0, cc), 0), 1);
  /* b is read, so c is the one used longest ago among the living; a has expired. */
  ldns_pkt *hit = get(c, "b.zpa.example.net", LDNS_RR_TYPE_A, 2, 500);
  assert_non_null(hit);
  ldns_pkt_free(hit);
  assert_int_equal(put(c, "d.zpa.example.net", LDNS_RR_TYPE_A, 1, answer("d.zpa.example.net", "A", 1, 0, d), 2000), 1);
  assert_int_equal(dns_cache_count(c), 3);
  assert_null(get(c, "a.zpa.example.net", LDNS_RR_TYPE_A, 2, 2000));
  hit = get(c, "c.zpa.example.net", LDNS_RR_TYPE_A, 2, 2000);
  assert_non_null(hit);
  ldns_pkt_free(hit);
  /* Now b is the least used: e takes its place. */
  assert_int_equal(put(c, "e.zpa.example.net", LDNS_RR_TYPE_A, 1, answer("e.zpa.example.net", "A", 1, 0, e), 2000), 1);
  assert_int_equal(dns_cache_count(c), 3);
  assert_null(get(c, "b.zpa.example.net", LDNS_RR_TYPE_A, 2, 2000));
  dns_cache_free(c);
}

static void test_flush_by_glob_and_all(void **state) {
  dns_cache_t *c = dns_cache_new(8);
  const char *const pcc[] = {"any2bcp.bc.example.com. 60 IN A 198.18.1.11", NULL, NULL};
  assert_int_equal(put(c, BROKER, LDNS_RR_TYPE_A, 7, answer(BROKER, "A", 7, LDNS_RCODE_NOERROR, broker_a), 0), 1);
  assert_int_equal(
      put(c, "any2bcp.bc.example.com", LDNS_RR_TYPE_A, 7, answer("any2bcp.bc.example.com", "A", 7, 0, pcc), 0), 1);
  assert_int_equal(dns_cache_flush(c, "*.ZPA.example.net"), 1);
  assert_null(get(c, BROKER, LDNS_RR_TYPE_A, 1, 0));
  assert_int_equal(dns_cache_count(c), 1);
  assert_int_equal(dns_cache_flush(c, ""), 1);
  assert_int_equal(dns_cache_count(c), 0);
  dns_cache_free(c);
}

static void test_garbage_is_neither_kept_nor_answered(void **state) {
  dns_cache_t *c = dns_cache_new(2);
  uint8_t junk[64];
  uint64_t x = 88172645463325252ULL;
  for (int round = 0; round < 200; round++) {
    for (size_t i = 0; i < sizeof junk; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      junk[i] = (uint8_t)x;
    }
    size_t len = (size_t)(round % (int)sizeof junk);
    uint8_t *out = NULL;
    size_t outlen = 0;
    assert_int_equal(dns_cache_put(c, junk, len, junk, len, 0), 0);
    int rc = dns_cache_get(c, junk, len, 0, &out, &outlen);
    assert_true(rc <= 0);
    free(out);
    (void)dns_cache_answers(junk, len, junk, len);
  }
  assert_int_equal(dns_cache_count(c), 0);
  dns_cache_free(c);
}

static void test_reply_and_bend_a_relayed_answer(void **state) {
  wire_t q = query("Broker.zpa.example.net", LDNS_RR_TYPE_A, 31);
  wire_t up = answer(BROKER, "A", 999, LDNS_RCODE_NOERROR, broker_a);
  uint8_t *reply = NULL, *bent = NULL;
  size_t rlen = 0, blen = 0;
  assert_int_equal(dns_cache_reply(q.data, q.len, up.data, up.len, &reply, &rlen), 0);
  /* dns.wrong-address on a relayed name: one A record with the fault's address, the TTL of dns.ttl. */
  zone_policy_t pol = {.wrong_addr = "198.18.7.7", .ttl = 3, .ttl_set = 1};
  zone_answer_info_t info;
  assert_int_equal(zone_bend(reply, rlen, &pol, &bent, &blen, &info), 0);
  assert_int_equal(info.id, 31);
  assert_int_equal(info.n_answers, 1);
  assert_string_equal(info.qtype, "A");
  ldns_pkt *a = NULL;
  assert_int_equal(ldns_wire2pkt(&a, bent, blen), LDNS_STATUS_OK);
  assert_int_equal(ldns_pkt_id(a), 31);
  ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(a), 0);
  char *addr = ldns_rdf2str(ldns_rr_rdf(rr, 0));
  assert_string_equal(addr, "198.18.7.7");
  assert_int_equal(ldns_rr_ttl(rr), 3);
  free(addr);
  ldns_pkt_free(a);
  free(bent);
  /* dns.partial keeps the first. */
  zone_policy_t partial = {.keep = 1};
  assert_int_equal(zone_bend(reply, rlen, &partial, &bent, &blen, &info), 0);
  assert_int_equal(info.n_answers, 1);
  free(bent);
  free(reply);
  wire_free(&q);
  wire_free(&up);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hit_carries_the_askers_id_and_question_and_the_remaining_ttl),
      cmocka_unit_test(test_key_is_name_type_and_class),
      cmocka_unit_test(test_expires_with_its_smallest_ttl),
      cmocka_unit_test(test_negative_ttl_from_the_soa),
      cmocka_unit_test(test_keeps_only_the_answer_to_the_question),
      cmocka_unit_test(test_answers_matches_id_and_question),
      cmocka_unit_test(test_full_cache_evicts_expired_then_least_used),
      cmocka_unit_test(test_flush_by_glob_and_all),
      cmocka_unit_test(test_garbage_is_neither_kept_nor_answered),
      cmocka_unit_test(test_reply_and_bend_a_relayed_answer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
