/* The client profile loader. A profile it refuses must say where and what.
 *
 * Bases are read without files: "reference.json" is the reference client's
 * profile, and any other base is the input itself, so that chains, loops
 * and too deep a chain are fuzzed too. */
#include "harness/profile.h"
#include "tests/fuzz/fuzz.h"

static const char reference[] =
    "{\"name\": \"reference\", \"description\": \"the reference client\",\n"
    " \"command\": [\"${bindir}/bcsim-client\", \"run\", \"--config\", \"${config}\", \"--state\", \"${state_dir}\",\n"
    "             \"--timeout\", \"${timer.timeout}\", \"--probe-port\", \"9901\"],\n"
    " \"probe\": [\"${bindir}/bcsim-client\", \"probe\", \"--port\", \"9901\", \"${app}\"],\n"
    " \"timers\": {\"keepalive\": \"60s\", \"timeout\": \"10s\", \"retries\": 2, \"backoff\": \"1s\"}}\n";

static char *read_base(void *input, const char *path) {
  size_t n = strlen(path);
  bool is_reference = n >= 14 && strcmp(path + n - 14, "reference.json") == 0;
  char *text = strdup(is_reference ? reference : (const char *)input);
  if (!text) abort();
  return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_text(data, size);
  diag_t d;
  memset(&d, 0, sizeof d);
  profile_t *p = profile_parse_with(text, "fixtures/clients/fuzz.json", read_base, text, &d);
  if (p) {
    FUZZ_REQUIRE(p->argc > 0 && p->argv[0] != NULL);
    FUZZ_REQUIRE(p->n_bases >= 0 && p->n_bases <= PROFILE_MAX_BASES);
    profile_free(p);
  } else {
    FUZZ_REQUIRE(d.msg[0] != 0);
    FUZZ_REQUIRE(d.line >= 0 && d.col >= 0);
  }
  free(text);
  return 0;
}
