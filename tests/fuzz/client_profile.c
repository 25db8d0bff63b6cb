/* The client profile loader. A profile it refuses must say where and what. */
#include "harness/profile.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_text(data, size);
  diag_t d;
  memset(&d, 0, sizeof d);
  profile_t *p = profile_parse(text, "fixtures/clients/fuzz.json", &d);
  if (p) {
    FUZZ_REQUIRE(p->argc > 0 && p->argv[0] != NULL);
    profile_free(p);
  } else {
    FUZZ_REQUIRE(d.msg[0] != 0);
    FUZZ_REQUIRE(d.line >= 0 && d.col >= 0);
  }
  free(text);
  return 0;
}
