/* run_files: what one scenario's lab leaves in its out dir for bcsim run,
 * the reports and bcsim rejudge: scenario.json (the scenario as it ran),
 * events.jsonl (the record's timeline) and result.json (the verdicts, and
 * what it takes to judge the evidence again as this run did). Formats:
 * docs/report-format.md. The other files of the out dir are written as the
 * run goes (services.log, client.log, capture.pcap, world/). */
#ifndef BC_RUN_FILES_H
#define BC_RUN_FILES_H
#include <stdbool.h>
#include <stdint.h>

#include "harness/check.h"
#include "harness/overhead.h"
#include "harness/profile.h"
#include "harness/record.h"
#include "harness/scenario.h"

/* The judged run, as result.json reports it. */
typedef struct run_files_result {
  const scenario_t *sc;
  const profile_t *prof;
  verdict_t verdict;
  const check_result_t *results; /* sc->n_checks of them */
  double duration_s;             /* how long it ran */
  int64_t decided_us;            /* the horizon its verdict was decided at; -1: ran to its end */
  const char *stopped_when_failed; /* selftest's requirement when it ended the run; NULL: did not */
  double time_scale;             /* as applied (1: none) */
  const sc_timer_t *timers;      /* what the client ran with, before scaling */
  int n_timers;
  uint64_t client_log_written, client_log_cut; /* bytes */
} run_files_result_t;

/* Copies the scenario file to <out_dir>/scenario.json (through a temporary
 * file): bcsim rejudge judges with this copy, so an edit of the file after
 * the run cannot change the verdicts. Failures are silent: rejudge then
 * says the copy is missing. */
void run_files_keep_scenario(const char *path, const char *out_dir);
/* Records harness.overhead (cost, with the keys' and certificates' time
 * added, and then the writing's), then writes events.jsonl and
 * result.json. The record must be sorted. 0, or -1 if a file could not be written. */
int run_files_write(const char *out_dir, record_t *rec, overhead_t *cost, const run_files_result_t *r);
/* events.jsonl alone, sorted (a served world has no verdicts). 0 or -1. */
int run_files_write_events(const char *out_dir, record_t *rec);
#endif
