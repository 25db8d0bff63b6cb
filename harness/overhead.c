#include "harness/overhead.h"

static const char *const phase_keys[OH_N] = {"spawn_ms",  "lab_ms",  "pki_ms",    "world_ms",   "capture_ms",
                                             "client_ms", "decode_ms", "stop_ms", "checks_ms", "outputs_ms"};

void overhead_add(overhead_t *o, oh_phase_t phase, int64_t us) {
  if (phase < OH_N && us > 0) o->us[phase] += us;
}

cJSON *overhead_json(const overhead_t *o) {
  cJSON *j = cJSON_CreateObject();
  int64_t total = 0;
  for (int p = 0; p < OH_N; p++) {
    /* Milliseconds to the microsecond: small phases must not read as 0. */
    cJSON_AddNumberToObject(j, phase_keys[p], (double)o->us[p] / 1000.0);
    total += o->us[p];
  }
  cJSON_AddNumberToObject(j, "total_ms", (double)total / 1000.0);
  return j;
}
