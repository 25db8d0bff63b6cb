/* DNS answer logic: what the lab's DNS server says to each kind of query. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "sim/dns/zone.h"

static zone_t *make_zone(void) {
  zone_t *z = zone_new(60);
  assert_non_null(z);
  assert_int_equal(zone_add_origin(z, "bc.example.com"), 0);
  assert_int_equal(zone_add_addr(z, "any2bcp.bc.example.com", "198.18.1.11"), 0);
  assert_int_equal(zone_add_addr(z, "any2bcp.bc.example.com", "198.18.1.12"), 0);
  assert_int_equal(zone_add_addr(z, "any2bcp.bc.example.com", "2001:2:0:200::11"), 0);
  assert_int_equal(zone_add_addr(z, "broker.zpa.example.net", "198.18.2.10"), 0);
  assert_int_equal(zone_add_addr(z, "x", "not-an-address"), -1);
  return z;
}

/* Asks the zone and returns the parsed answer (caller frees). */
static ldns_pkt *ask_with(zone_t *z, const char *name, ldns_rr_type type, const zone_policy_t *policy,
                          zone_answer_info_t *info) {
  ldns_pkt *q = NULL, *a = NULL;
  uint8_t *wire = NULL, *ans = NULL;
  size_t len = 0, anslen = 0;
  assert_int_equal(ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, LDNS_RD), LDNS_STATUS_OK);
  ldns_pkt_set_id(q, 4242);
  assert_int_equal(ldns_pkt2wire(&wire, q, &len), LDNS_STATUS_OK);
  assert_int_equal(zone_answer(z, wire, len, policy, &ans, &anslen, info), 0);
  assert_int_equal(ldns_wire2pkt(&a, ans, anslen), LDNS_STATUS_OK);
  assert_int_equal(ldns_pkt_id(a), 4242);
  assert_true(ldns_pkt_qr(a));
  free(wire);
  free(ans);
  ldns_pkt_free(q);
  return a;
}

static ldns_pkt *ask(zone_t *z, const char *name, ldns_rr_type type, zone_answer_info_t *info) {
  return ask_with(z, name, type, NULL, info);
}

static void test_pcc_name_has_every_pcc(void **state) {
  zone_t *z = make_zone();
  zone_answer_info_t info;
  ldns_pkt *a = ask(z, "any2bcp.bc.example.com", LDNS_RR_TYPE_A, &info);
  assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
  assert_true(ldns_pkt_aa(a));
  ldns_rr_list *ans = ldns_pkt_answer(a);
  assert_int_equal(ldns_rr_list_rr_count(ans), 2);
  char *first = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ans, 0), 0));
  char *second = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ans, 1), 0));
  assert_string_equal(first, "198.18.1.11");
  assert_string_equal(second, "198.18.1.12");
  assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(ans, 0)), 60);
  assert_string_equal(info.qname, "any2bcp.bc.example.com");
  assert_string_equal(info.qtype, "A");
  assert_int_equal(info.n_answers, 2);
  free(first);
  free(second);
  ldns_pkt_free(a);
  a = ask(z, "ANY2BCP.bc.example.com", LDNS_RR_TYPE_AAAA, &info); /* names are case-insensitive */
  assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(a)), 1);
  ldns_pkt_free(a);
  zone_free(z);
}

static void test_negative_answers(void **state) {
  zone_t *z = make_zone();
  zone_answer_info_t info;
  ldns_pkt *a = ask(z, "nosuch.bc.example.com", LDNS_RR_TYPE_A, &info);
  assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
  ldns_pkt_free(a);
  a = ask(z, "any2bcp.bc.example.com", LDNS_RR_TYPE_MX, &info); /* NODATA */
  assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
  assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(a)), 0);
  ldns_pkt_free(a);
  a = ask(z, "www.example.org", LDNS_RR_TYPE_A, &info); /* not ours */
  assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_REFUSED);
  assert_false(ldns_pkt_aa(a));
  ldns_pkt_free(a);
  zone_free(z);
}

static void test_garbage_is_dropped(void **state) {
  zone_t *z = make_zone();
  zone_answer_info_t info;
  uint8_t *out = NULL;
  size_t outlen = 0;
  const uint8_t junk[] = {1, 2, 3, 4, 5};
  assert_int_equal(zone_answer(z, junk, sizeof junk, NULL, &out, &outlen, &info), -1);
  assert_null(out);
  /* A response must not be answered: that would let two servers ping-pong. */
  ldns_pkt *q = NULL;
  uint8_t *wire = NULL;
  size_t len = 0;
  ldns_pkt_query_new_frm_str(&q, "any2bcp.bc.example.com", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0);
  ldns_pkt_set_qr(q, true);
  ldns_pkt2wire(&wire, q, &len);
  assert_int_equal(zone_answer(z, wire, len, NULL, &out, &outlen, &info), -1);
  free(wire);
  ldns_pkt_free(q);
  zone_free(z);
}

static void test_policies(void **state) {
  zone_t *z = make_zone();
  zone_answer_info_t info;
  zone_policy_t p = {.rcode = LDNS_RCODE_SERVFAIL};
  ldns_pkt *a = ask_with(z, "any2bcp.bc.example.com", LDNS_RR_TYPE_A, &p, &info);
  assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_SERVFAIL);
  assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(a)), 0);
  ldns_pkt_free(a);
  p = (zone_policy_t){.truncate = 1};
  a = ask_with(z, "any2bcp.bc.example.com", LDNS_RR_TYPE_A, &p, &info);
  assert_true(ldns_pkt_tc(a));
  assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(a)), 0);
  ldns_pkt_free(a);
  p = (zone_policy_t){.nodata = 1};
  a = ask_with(z, "any2bcp.bc.example.com", LDNS_RR_TYPE_A, &p, &info);
  assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
  assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(a)), 0);
  ldns_pkt_free(a);
  p = (zone_policy_t){.keep = 1, .ttl = 5, .ttl_set = 1};
  a = ask_with(z, "any2bcp.bc.example.com", LDNS_RR_TYPE_A, &p, &info);
  assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(a)), 1);
  assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(a), 0)), 5);
  ldns_pkt_free(a);
  p = (zone_policy_t){.wrong_addr = "198.18.1.66"};
  a = ask_with(z, "any2bcp.bc.example.com", LDNS_RR_TYPE_A, &p, &info);
  assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(a)), 1);
  char *addr = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(a), 0), 0));
  assert_string_equal(addr, "198.18.1.66");
  free(addr);
  ldns_pkt_free(a);
  a = ask_with(z, "any2bcp.bc.example.com", LDNS_RR_TYPE_AAAA, &p, &info);
  assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(a)), 0); /* no real address slips through */
  ldns_pkt_free(a);
  assert_true(zone_is_authoritative(z, "any2bcp.bc.example.com"));
  assert_false(zone_is_authoritative(z, "broker.zpa.example.net"));
  zone_free(z);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pcc_name_has_every_pcc),
      cmocka_unit_test(test_negative_answers),
      cmocka_unit_test(test_garbage_is_dropped),
      cmocka_unit_test(test_policies),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
