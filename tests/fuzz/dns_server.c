/* The DNS server's query handling: what every lab DNS server does with the
 * bytes of one query (zone_peek, then zone_answer under a fault's policy).
 * The first byte picks the policy; the rest is the query.
 *
 * Whatever the query, an answer the server sends must be a DNS message ldns
 * accepts, a response, with the query's id. */
#include <ldns/ldns.h>

#include "sim/dns/zone.h"
#include "tests/fuzz/fuzz.h"

static zone_t *zone;

static void make_zone(void) {
  zone = zone_new(30);
  FUZZ_REQUIRE(zone != NULL);
  FUZZ_REQUIRE(zone_add_origin(zone, "bc.example.com") == 0);
  FUZZ_REQUIRE(zone_add_origin(zone, "example.com") == 0);
  FUZZ_REQUIRE(zone_add_addr(zone, "any2bcp.bc.example.com", "198.18.1.11") == 0);
  FUZZ_REQUIRE(zone_add_addr(zone, "any2bcp.bc.example.com", "198.18.1.12") == 0);
  FUZZ_REQUIRE(zone_add_addr(zone, "any2bcp.bc.example.com", "2001:2:0:200::11") == 0);
  FUZZ_REQUIRE(zone_add_addr(zone, "broker.example.com", "198.18.2.10") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!zone) make_zone();
  if (size < 1) return 0;
  uint8_t how = data[0];
  const uint8_t *q = data + 1;
  size_t qlen = size - 1;
  zone_policy_t pol = {0};
  switch (how % 8) {
  case 1: pol.rcode = 1 + how / 8 % 15; break;
  case 2: pol.nodata = 1; break;
  case 3: pol.truncate = 1; break;
  case 4: pol.wrong_addr = (how & 0x80) ? "2001:2::666" : "198.18.0.66"; break;
  case 5: pol.keep = 1 + how / 8 % 3; break;
  case 6: pol.ttl = how / 8; pol.ttl_set = 1; break;
  default: break; /* honest */
  }
  uint16_t id;
  char qname[256], qtype[16];
  int peeked = zone_peek(q, qlen, &id, qname, sizeof qname, qtype, sizeof qtype);
  uint8_t *ans = NULL;
  size_t anslen = 0;
  zone_answer_info_t info;
  if (zone_answer(zone, q, qlen, &pol, &ans, &anslen, &info) == 0) {
    FUZZ_REQUIRE(peeked == 0); /* the server logs what it answers from zone_peek's reading */
    ldns_pkt *pkt = NULL;
    FUZZ_REQUIRE(ldns_wire2pkt(&pkt, ans, anslen) == LDNS_STATUS_OK);
    FUZZ_REQUIRE(ldns_pkt_qr(pkt));
    FUZZ_REQUIRE(ldns_pkt_id(pkt) == id && info.id == id);
    ldns_pkt_free(pkt);
    free(ans);
  }
  return 0;
}
