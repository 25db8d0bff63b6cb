#include "harness/verdict.h"

#include <stdio.h>
#include <string.h>

#include "base/exit.h"

/* Each verdict's name and ranks, side by side so that they cannot drift
 * apart; verdict.h says what each order is for and why they differ. */
static const struct {
  const char *name;
  int severity; /* verdict_worse: higher is worse */
  int display;  /* verdict_display_rank */
  int listing;  /* verdict_listing_group */
} model[] = {
    [VERDICT_PASS] = {"pass", 0, 4, 2},          [VERDICT_FAIL] = {"fail", 3, 1, 0},
    [VERDICT_ERROR] = {"error", 4, 0, 1},        [VERDICT_UNSUPPORTED] = {"unsupported", 1, 5, 2},
    [VERDICT_XFAIL] = {"xfail", 1, 3, 2},        [VERDICT_XPASS] = {"xpass", 0, 2, 2},
    [VERDICT_DISABLED] = {"disabled", 2, 6, 2},
};
#define N_VERDICTS (sizeof model / sizeof model[0])
_Static_assert(N_VERDICTS == VERDICT_KINDS, "every verdict has a name and ranks");

/* A value that is no verdict counts as error everywhere: nothing was proven. */
static verdict_t known(verdict_t v) { return (unsigned)v < N_VERDICTS ? v : VERDICT_ERROR; }

const char *verdict_name(verdict_t v) { return model[known(v)].name; }

bool verdict_parse(const char *name, verdict_t *out) {
  for (unsigned i = 0; name && i < N_VERDICTS; i++) {
    if (strcmp(model[i].name, name) == 0) {
      *out = (verdict_t)i;
      return true;
    }
  }
  return false;
}

verdict_t verdict_worse(verdict_t a, verdict_t b) { return model[known(b)].severity > model[known(a)].severity ? b : a; }

int verdict_display_rank(verdict_t v) { return model[known(v)].display; }

int verdict_listing_group(verdict_t v) { return model[known(v)].listing; }

bool verdict_judged(verdict_t v) {
  return v == VERDICT_PASS || v == VERDICT_FAIL || v == VERDICT_XFAIL || v == VERDICT_XPASS;
}

bool verdict_noteworthy(verdict_t v) { return v != VERDICT_PASS && v != VERDICT_UNSUPPORTED && v != VERDICT_DISABLED; }

/* Whether some check of requirement req (other than item skip) judged the client or was disabled. */
static bool accounted_for(const verdict_item_t *items, int n, const char *req) {
  for (int i = 0; i < n; i++) {
    if (items[i].precondition || strcmp(items[i].requirement, req) != 0) continue;
    if (verdict_judged(items[i].verdict) || items[i].verdict == VERDICT_DISABLED) return true;
  }
  return false;
}

static bool is_about(verdict_about_t about, const char *req) {
  for (int i = 0; i < about.n; i++)
    if (strcmp(about.ids[i], req) == 0) return true;
  return about.n == 0;
}

verdict_t verdict_of_scenario(const verdict_item_t *items, int n, verdict_about_t about) {
  bool error = false, fail = false, premise_unmet = false, premise_unknown = false, unjudged = false;
  bool any_judged = false, any_disabled = false;
  for (int i = 0; i < n; i++) {
    verdict_t v = items[i].verdict;
    if (items[i].precondition) {
      /* A waiver cannot make a premise hold: an expected failure of one is still a failure. */
      premise_unmet = premise_unmet || v == VERDICT_ERROR || v == VERDICT_FAIL || v == VERDICT_XFAIL;
      /* A premise a vendor profile disabled is no more proven than one nobody could judge. */
      premise_unknown = premise_unknown || v == VERDICT_UNSUPPORTED || v == VERDICT_DISABLED;
      continue;
    }
    any_judged = any_judged || verdict_judged(v);
    any_disabled = any_disabled || v == VERDICT_DISABLED;
    error = error || v == VERDICT_ERROR;
    fail = fail || v == VERDICT_FAIL;
    unjudged = unjudged || (is_about(about, items[i].requirement) && !accounted_for(items, n, items[i].requirement));
  }
  if (error) return VERDICT_ERROR;
  if (fail) return VERDICT_FAIL;
  if (premise_unmet) return VERDICT_ERROR;
  if (!any_judged && any_disabled) return VERDICT_DISABLED;
  if (premise_unknown || unjudged) return VERDICT_UNSUPPORTED;
  return VERDICT_PASS;
}

verdict_t verdict_of_scenario_run(verdict_t of_checks, bool harness_failed) {
  return harness_failed ? VERDICT_ERROR : of_checks;
}

void verdict_why_unsupported(const verdict_item_t *items, int n, verdict_about_t about, char *out, size_t len) {
  out[0] = 0;
  if (verdict_of_scenario(items, n, about) != VERDICT_UNSUPPORTED) return;
  for (int i = 0; i < n; i++) {
    if (items[i].precondition && (items[i].verdict == VERDICT_UNSUPPORTED || items[i].verdict == VERDICT_DISABLED)) {
      snprintf(out, len, "its premise (%s) cannot be judged at the levels the client speaks, so it proves nothing",
               items[i].id ? items[i].id : "a precondition");
      return;
    }
  }
  for (int i = 0; i < n; i++) {
    if (!items[i].precondition && is_about(about, items[i].requirement) &&
        !accounted_for(items, n, items[i].requirement)) {
      snprintf(out, len, "no check judged %s at the levels the client speaks", items[i].requirement);
      return;
    }
  }
}

bool verdict_waived(verdict_t v) { return v == VERDICT_XFAIL || v == VERDICT_XPASS || v == VERDICT_DISABLED; }

/* Each run verdict's name and exit code: docs/report-format.md and docs/ci.md state them. */
static const struct {
  const char *name;
  int exit_code;
} run_verdicts[] = {
    [RUN_PASS] = {"pass", EXIT_PASS},    [RUN_PASS_WITH_WAIVERS] = {"pass-with-waivers", EXIT_QUALIFIED},
    [RUN_FAIL] = {"fail", EXIT_FAIL},    [RUN_ERROR] = {"error", EXIT_ENV},
    [RUN_INTERRUPTED] = {"interrupted", EXIT_INTERRUPTED},
};

run_verdict_t verdict_of_run(int errors, int failed, bool must_waived, bool interrupted) {
  if (interrupted) return RUN_INTERRUPTED;
  if (errors) return RUN_ERROR;
  if (failed) return RUN_FAIL;
  return must_waived ? RUN_PASS_WITH_WAIVERS : RUN_PASS;
}

const char *verdict_run_name(run_verdict_t v) {
  return (unsigned)v < sizeof run_verdicts / sizeof run_verdicts[0] ? run_verdicts[v].name : "error";
}

int verdict_run_exit_code(run_verdict_t v) {
  return (unsigned)v < sizeof run_verdicts / sizeof run_verdicts[0] ? run_verdicts[v].exit_code : EXIT_ENV;
}
