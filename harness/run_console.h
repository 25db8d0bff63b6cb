/* run_console: what bcsim run prints while it runs and when it ends.
 *
 * A line per scenario as it finishes (with its first failure, or every
 * check with -v), a live progress line at the bottom of a terminal, the
 * pass rates of --repeat, the counts and the run's verdict last. Reads
 * result objects (docs/report-format.md) only; writes stdout only. */
#ifndef BC_RUN_CONSOLE_H
#define BC_RUN_CONSOLE_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <time.h>

#include "harness/labs.h"
#include "harness/run_opts.h"

typedef struct run_console {
  run_verbosity_t verbosity;
  bool progress;                   /* stdout is a terminal: a live line is kept at the bottom */
  struct timespec t0, last_draw;   /* when the run started, and the line was last drawn */
} run_console_t;

/* A console for this verbosity; the progress line only on a terminal, and never with -q. */
void run_console_init(run_console_t *c, run_verbosity_t verbosity);
/* A pass of the run starts (--repeat has several): the progress line's clock starts again. */
void run_console_pass(run_console_t *c);
/* A finished scenario's line, and below it its first failure (every check with -v). */
void run_console_scenario(const run_console_t *c, const cJSON *result);
/* Redraws the progress line (at most every RUN_CONSOLE_REDRAW_MS): a bar, done of total, and the
 * scenarios running. */
void run_console_progress(run_console_t *c, int done, int total, lab_job_t *const *running, int n_running);
/* Takes the progress line back, so that what is printed next starts on a clean line. */
void run_console_clear(const run_console_t *c);
/* The end of the run: with --repeat each scenario's pass rate (combined[i]: its combined result,
 * with "repeat"), the check and scenario counts of report's summary, and the run's verdict last. */
void run_console_summary(const run_console_t *c, const cJSON *report, cJSON *const *combined, int n, int n_runs,
                         const char *out);

/* The progress line is redrawn at most this often: a terminal shows it smoothly, and a run of
 * hundreds of labs does not spend its time on escape sequences. */
#define RUN_CONSOLE_REDRAW_MS 250
#endif
