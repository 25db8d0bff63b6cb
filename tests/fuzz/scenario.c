/* The scenario loader: any bytes a QA engineer might save as a scenario file.
 * A file it refuses must say where and what (docs/scenario-format.md). */
#include "harness/scenario.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_text(data, size);
  diag_t d;
  memset(&d, 0, sizeof d);
  scenario_t *sc = scenario_parse(text, "fuzz.json", &d);
  if (sc) {
    scenario_scale(sc, 0.5); /* --time-scale works on whatever was accepted */
    scenario_free(sc);
  } else {
    FUZZ_REQUIRE(d.msg[0] != 0);
    FUZZ_REQUIRE(strcmp(d.file, "fuzz.json") == 0);
    FUZZ_REQUIRE(d.line >= 0 && d.col >= 0);
  }
  free(text);
  return 0;
}
