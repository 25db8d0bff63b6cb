/* The DNS decoder, as the wire decoder calls it: UDP messages and TCP segments. */
#include "sim/decode/dns_decode.h"
#include "tests/fuzz/fuzz.h"

static void check_view(const dns_view_t *v) {
  FUZZ_REQUIRE(memchr(v->qname, 0, sizeof v->qname) != NULL);
  FUZZ_REQUIRE(memchr(v->qtype, 0, sizeof v->qtype) != NULL);
  FUZZ_REQUIRE(v->n_addrs >= 0 && v->n_addrs <= DNS_VIEW_MAX_ADDRS);
  for (int i = 0; i < v->n_addrs; i++) FUZZ_REQUIRE(memchr(v->addrs[i], 0, sizeof v->addrs[i]) != NULL);
  FUZZ_REQUIRE(dns_rcode_name(v->rcode) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dns_view_t v;
  if (dns_decode(data, size, &v) == 0) check_view(&v);
  if (dns_decode_tcp(data, size, &v) == 0) check_view(&v);
  return 0;
}
