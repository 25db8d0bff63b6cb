/* The signed BC config loader of the reference client: the file a client is
 * given ("Download Config"), checked against a pinned thumbprint and without
 * one, and its payload parsed as if its signature held (no fuzzed input can
 * sign one). The input is the config; the bytes after its first NUL, if any,
 * are an enrollment.json. */
#include "sim/client/cconfig.h"
#include "tests/fuzz/fuzz.h"

/* A thumbprint no fuzzed signer matches, and a trust store that is not parsed here. */
static const char *const pinned = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

static void load(const char *config, const char *enrollment, const char *thumbprint, bool skip_signature) {
  cc_config_t cfg;
  char err[512] = "";
  cc_config_status_t rc = cc_config_parse(&cfg, config, "fuzz.json", enrollment, "enrollment.json", thumbprint, "trust",
                                          skip_signature, err, sizeof err);
  if (rc == CC_CONFIG_OK) {
    FUZZ_REQUIRE(thumbprint != pinned);
    FUZZ_REQUIRE(cfg.bc_domain[0] && cfg.pcc_dns_name[0] && cfg.sni_enrolled[0] && cfg.sni_new[0]);
    FUZZ_REQUIRE(cfg.sp_ca_pem && cfg.cloud_ca_pem);
    cc_config_clear(&cfg);
  } else {
    FUZZ_REQUIRE(err[0] != 0);
    FUZZ_REQUIRE(cfg.sp_ca_pem == NULL && cfg.cloud_ca_pem == NULL);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_text(data, size);
  size_t first = strlen(text);
  const char *enrollment = first < size ? text + first + 1 : NULL;
  load(text, enrollment, NULL, false);
  load(text, enrollment, pinned, false);
  /* What only a verified payload reaches (and the accept-tampered defect, every payload). */
  load(text, enrollment, NULL, true);
  free(text);
  return 0;
}
