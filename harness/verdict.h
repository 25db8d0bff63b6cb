/* verdict: the one verdict model: names, the orders verdicts are ranked in,
 * and the rules that turn a scenario's check verdicts into the scenario's
 * verdict, and scenario verdicts into the run's.
 *
 * Pure. check.c (live and rejudged runs), vendor.c (after expected failures
 * and disabled checks are applied), --repeat, the reports and the
 * certificate's verifier all decide and rank verdicts here, so no rule can
 * drift between them. docs/report-format.md states them. */
#ifndef BC_VERDICT_H
#define BC_VERDICT_H
#include <stdbool.h>
#include <stddef.h>

/* Graded verdicts. Only fail makes a client non-conformant; error is the
 * harness's or the environment's, never the client's. */
typedef enum {
  VERDICT_PASS,
  VERDICT_FAIL,
  VERDICT_ERROR,
  VERDICT_UNSUPPORTED, /* not judged: the client does not speak the check's level, or its anchor was not judged */
  VERDICT_XFAIL,       /* failed, as the vendor profile expects */
  VERDICT_XPASS,       /* passed, although the vendor profile expects a failure */
  VERDICT_DISABLED,    /* not run: the vendor profile disables it */
} verdict_t;
/* How many verdicts there are: verdict_t's values are 0 to VERDICT_KINDS - 1. */
#define VERDICT_KINDS (VERDICT_DISABLED + 1)

/* The verdict's name in reports and files ("error" for a value that is none). */
const char *verdict_name(verdict_t v);
/* The verdict a name stands for; false for a name that is none. */
bool verdict_parse(const char *name, verdict_t *out);
/* The worse of two verdicts of one scenario, for "the worst of its runs"
 * (--repeat): a scenario that fails one run in three fails. By severity,
 * from least: pass and xpass (it passed), unsupported and xfail (nothing
 * against the client was found), disabled, fail, error (nothing can be
 * trusted). Of two as bad, a. */
verdict_t verdict_worse(verdict_t a, verdict_t b);
/* Where a report shows a check's verdict among others, most telling first
 * (0): error, fail, xpass, xfail, pass, unsupported, disabled. The
 * requirement matrix shows, of a requirement's checks in a scenario, the
 * verdict that comes first here. It differs from severity, which asks what
 * a scenario's run came to: a reader must see first what went wrong (an
 * error makes the rest untrustworthy, so it comes before a failure), then
 * what a vendor profile's waiver changed (an xpass before an xfail: the
 * profile is out of date), then what was judged (pass) before what was not
 * (unsupported) or was not run (disabled). */
int verdict_display_rank(verdict_t v);
/* Where a report lists a scenario with this verdict: the failed ones first
 * (0), then those that erred (1), then the rest (2). Unlike a check's rank
 * above, a failure comes before an error here: a failure is the client's,
 * which is what a report is read for; an error is the harness's. */
int verdict_listing_group(verdict_t v);
#define VERDICT_LISTING_GROUPS 3
/* Whether a check with this verdict judged the client (pass, fail, xfail, xpass). */
bool verdict_judged(verdict_t v);
/* Whether a check's verdict is one a reader must look at (fail, error,
 * xfail, xpass): the console shows these without -v; pass, unsupported and
 * disabled say nothing went wrong. */
bool verdict_noteworthy(verdict_t v);

/* One check, as the scenario rule sees it. */
typedef struct verdict_item {
  verdict_t verdict;
  bool precondition;       /* proves the premise; names no requirement */
  const char *requirement; /* "" for a precondition */
  const char *id;          /* the check's, for messages */
} verdict_item_t;

/* The scenario's verdict, in this order:
 *   error        a requirement's check erred (the harness failed);
 *   fail         a requirement's check failed;
 *   error        a precondition did not hold (nothing was proven);
 *   disabled     no check judged the client and the vendor profile disabled some;
 *   unsupported  a precondition could not be judged (or a vendor profile
 *                disabled it), or a requirement the scenario is about was
 *                judged by none of its checks;
 *   pass         otherwise.
 * A failed requirement check outranks an unmet precondition: the client's
 * failure is the likelier reason the premise did not hold. A requirement
 * whose checks the vendor profile disabled counts as accounted for. */
typedef struct verdict_about {
  const char *const *ids; /* the requirements the scenario is about */
  int n;                  /* 0: every requirement its checks name */
} verdict_about_t;
verdict_t verdict_of_scenario(const verdict_item_t *items, int n, verdict_about_t about);
/* The verdict of a scenario's run: of_checks (verdict_of_scenario), or error
 * when the harness failed, whatever its checks say: nothing it judged can be
 * trusted, and a lab that died lists no checks at all. The runner, rejudge
 * and the result model (report_judge_scenario) all ask it. */
verdict_t verdict_of_scenario_run(verdict_t of_checks, bool harness_failed);
/* Why a scenario is unsupported, for people (into out); "" when it is not. */
void verdict_why_unsupported(const verdict_item_t *items, int n, verdict_about_t about, char *out, size_t len);

/* Whether a check with this verdict was changed by a vendor profile's waiver (xfail, xpass, disabled). */
bool verdict_waived(verdict_t v);

/* The verdict of a whole run, and the exit code it gives (base/exit.h). */
typedef enum {
  RUN_PASS,              /* EXIT_PASS */
  RUN_PASS_WITH_WAIVERS, /* EXIT_QUALIFIED: it passes only because the vendor profile waives MUST requirements */
  RUN_FAIL,              /* EXIT_FAIL */
  RUN_ERROR,             /* EXIT_ENV */
  RUN_INTERRUPTED,       /* EXIT_INTERRUPTED */
} run_verdict_t;

/* The run verdict, in this order: interrupted; error if a scenario erred;
 * fail if one failed; pass-with-waivers if a waiver (xfail, xpass or
 * disabled) touched a check of a MUST requirement; pass otherwise. */
run_verdict_t verdict_of_run(int errors, int failed, bool must_waived, bool interrupted);
const char *verdict_run_name(run_verdict_t v);
/* The exit code of bcsim run (and report merge) for a run verdict. */
int verdict_run_exit_code(run_verdict_t v);
#endif
