/* The site resolver's cache: what it does with a client's query (untrusted
 * bytes) and an upstream's answer. Input: two bytes of query length (big
 * endian), the query, then the answer.
 *
 * Invariants: only an answer that answers the query is kept; a hit, and a
 * relayed reply, is a DNS response ldns accepts, with the query's id; a
 * flush of every name empties the cache. */
#include <ldns/ldns.h>

#include "sim/dns/dns_cache.h"
#include "tests/fuzz/fuzz.h"

/* A reply the resolver would send the client for query. */
static void require_reply(const uint8_t *query, size_t qlen, const uint8_t *reply, size_t rlen) {
  ldns_pkt *q = NULL, *r = NULL;
  FUZZ_REQUIRE(ldns_wire2pkt(&q, query, qlen) == LDNS_STATUS_OK);
  FUZZ_REQUIRE(ldns_wire2pkt(&r, reply, rlen) == LDNS_STATUS_OK);
  FUZZ_REQUIRE(ldns_pkt_qr(r));
  FUZZ_REQUIRE(ldns_pkt_id(r) == ldns_pkt_id(q));
  ldns_pkt_free(q);
  ldns_pkt_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  size_t qlen = (size_t)data[0] << 8 | data[1];
  if (qlen > size - 2) qlen = size - 2;
  const uint8_t *query = data + 2, *answer = query + qlen;
  size_t alen = size - 2 - qlen;
  dns_cache_t *c = dns_cache_new(2);
  FUZZ_REQUIRE(c != NULL);
  int kept = dns_cache_put(c, query, qlen, answer, alen, 0);
  FUZZ_REQUIRE(kept != 1 || dns_cache_answers(query, qlen, answer, alen));
  uint8_t *out = NULL;
  size_t outlen = 0;
  int hit = dns_cache_get(c, query, qlen, 1000, &out, &outlen);
  FUZZ_REQUIRE(hit != 1 || kept == 1);
  if (hit == 1) require_reply(query, qlen, out, outlen);
  free(out);
  out = NULL;
  if (dns_cache_reply(query, qlen, answer, alen, &out, &outlen) == 0) require_reply(query, qlen, out, outlen);
  free(out);
  (void)dns_cache_flush(c, NULL);
  FUZZ_REQUIRE(dns_cache_count(c) == 0);
  dns_cache_free(c);
  return 0;
}
