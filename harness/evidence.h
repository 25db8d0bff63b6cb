/* evidence: a finished scenario's evidence, read back into a timeline.
 *
 * The wire events are derived again from capture.pcap by the same decoder
 * the live run used (sim/decode/wire.c), with the addresses named from
 * world/parties.json; the events of the services and the harness come from
 * events.jsonl. So `bcsim rejudge` judges the evidence, not the run's own
 * conclusions about it. */
#ifndef BC_EVIDENCE_H
#define BC_EVIDENCE_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/scenario.h"
#include "harness/timeline.h"

typedef struct evidence {
  scenario_t *sc;       /* as the run judged it: its time scale applied */
  tl_t *tl;             /* sorted */
  cJSON *result;        /* the run's result.json */
  bool speaks_session;  /* the levels the run judged at */
  bool harness_failed;  /* the run had a harness error: nothing was judged */
  size_t wire_events;   /* how many came from the capture */
} evidence_t;

/* Loads the scenario folder dir (<out>/<id>/). scenario_path, if given, is
 * judged instead of the file the run recorded. 0, or -1 with err. */
int evidence_load(const char *dir, const char *scenario_path, evidence_t *ev, char *err, size_t errlen);
void evidence_free(evidence_t *ev);
#endif
