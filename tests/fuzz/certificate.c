/* The certificate verifier (`bcsim verify`): a published certificate.json and
 * its signature, as anyone may hand them over. The input is the certificate;
 * the bytes after its first NUL, if any, are the signature file. */
#include "reports/certificate.h"
#include "reports/certificate_verify.h"
#include "tests/fuzz/fuzz.h"

static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!sink) sink = fopen("/dev/null", "we");
  FUZZ_REQUIRE(sink != NULL);
  char *text = fuzz_text(data, size);
  size_t first = strlen(text);
  const char *sig = first < size ? text + first + 1 : NULL;
  /* Roots that are not here: every file is "not re-checked", never a crash or a hang. */
  static const certificate_root_t roots[] = {{"suite", "/nonexistent/suite"}, {"profile", "/nonexistent/profile"}};
  certificate_verify_opts_t plain = {0}, strict = {.roots = roots, .n_roots = 2, .strict = true},
                            pinned = {.want_thumbprint = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="};
  int rc = certificate_verify_text(text, first, "certificate.json", sig, "certificate.json.sig", &plain, sink);
  FUZZ_REQUIRE((rc >= 0 && rc <= 2) || rc == CERTIFICATE_PARTIAL);
  FUZZ_REQUIRE(sig || rc != 0); /* an unsigned certificate is never valid */
  rc = certificate_verify_text(text, first, "certificate.json", sig, "certificate.json.sig", &strict, sink);
  FUZZ_REQUIRE(rc != CERTIFICATE_PARTIAL); /* --strict never settles for partial */
  rc = certificate_verify_text(text, first, "certificate.json", sig, "certificate.json.sig", &pinned, sink);
  FUZZ_REQUIRE(rc != 0 && rc != CERTIFICATE_PARTIAL); /* nobody's key has that thumbprint */
  free(text);
  return 0;
}
