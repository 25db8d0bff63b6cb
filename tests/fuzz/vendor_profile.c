/* The vendor profile loader. A profile it refuses must say where and what. */
#include "harness/vendor.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_text(data, size);
  diag_t d;
  memset(&d, 0, sizeof d);
  vendor_t *v = vendor_parse(text, "fixtures/vendors/fuzz.json", &d);
  if (v) {
    FUZZ_REQUIRE(vendor_name(v) != NULL);
    /* The waiver rule against the spec alone: refused or not, it says where. */
    memset(&d, 0, sizeof d);
    if (!vendor_check_levels(v, NULL, 0, &d)) FUZZ_REQUIRE(d.msg[0] != 0 && d.line > 0);
    vendor_free(v);
  } else {
    FUZZ_REQUIRE(d.msg[0] != 0);
    FUZZ_REQUIRE(d.line >= 0 && d.col >= 0);
  }
  free(text);
  return 0;
}
