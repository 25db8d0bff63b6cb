/* The TLS decoder: a client's first record (ClientHello) and a server's (ServerHello). */
#include "sim/decode/tls_decode.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tls_hello_view_t v;
  if (tls_decode_client_hello(data, size, &v) == 0) {
    FUZZ_REQUIRE(memchr(v.sni, 0, sizeof v.sni) != NULL);
    FUZZ_REQUIRE(memchr(v.alpn, 0, sizeof v.alpn) != NULL);
    FUZZ_REQUIRE(v.has_sni || v.sni[0] == 0);
    FUZZ_REQUIRE(tls_version_name(v.max_version) != NULL);
  }
  uint16_t version;
  if (tls_decode_server_hello(data, size, &version) == 0) FUZZ_REQUIRE(tls_version_name(version) != NULL);
  return 0;
}
