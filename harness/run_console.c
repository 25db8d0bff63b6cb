#include "harness/run_console.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "harness/report_json.h"
#include "harness/scenario.h"
#include "harness/verdict.h"

/* The progress bar's width, in characters: a terminal of 80 columns keeps room for what runs. */
#define RUN_CONSOLE_BAR 20

/* How the console heads a scenario's line, by its verdict. A scenario is never xfail or xpass (only
 * its checks are), so those would be an error, as a verdict that is none is. */
static const char *const label[] = {[VERDICT_PASS] = "PASS",   [VERDICT_FAIL] = "FAIL",  [VERDICT_ERROR] = "ERROR",
                                    [VERDICT_UNSUPPORTED] = "UNSUP", [VERDICT_XFAIL] = "ERROR", [VERDICT_XPASS] = "ERROR",
                                    [VERDICT_DISABLED] = "SKIP"};
_Static_assert(sizeof label / sizeof label[0] == VERDICT_KINDS, "every verdict has a label");

static long since_ms(const struct timespec *t) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

void run_console_init(run_console_t *c, run_verbosity_t verbosity) {
  *c = (run_console_t){.verbosity = verbosity, .progress = verbosity != RUN_QUIET && isatty(STDOUT_FILENO)};
  clock_gettime(CLOCK_MONOTONIC, &c->t0);
}

void run_console_pass(run_console_t *c) {
  clock_gettime(CLOCK_MONOTONIC, &c->t0);
  c->last_draw = (struct timespec){0, 0};
}

void run_console_clear(const run_console_t *c) {
  if (c->progress) fputs("\r\033[K", stdout);
}

/* The lines under a scenario's that say what its result holds besides its checks: why it erred or
 * was not judged, and the logs that were cut. */
static void print_notes(const cJSON *s) {
  if (*report_str(s, "error")) printf("      error: %s\n", report_str(s, "error"));
  if (*report_str(s, "reason")) printf("      %s\n", report_str(s, "reason"));
  static const char *const logs[][2] = {{"client_log", "client.log was cut: the client wrote"},
                                         {"services_log", "services.log was cut: the services logged"}};
  for (int i = 0; i < 2; i++) {
    const cJSON *cut = cJSON_GetObjectItemCaseSensitive(s, logs[i][0]);
    if (cut)
      printf("      %s %.0f bytes, %.0f of them dropped\n", logs[i][1],
             cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cut, "written")),
             cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cut, "cut")));
  }
}

/* -v: every check, as the file has them. Otherwise the first failure in time order (when its
 * evidence happened), which is usually the cause of the failures after it, else the first other
 * check worth a look (an error, an expected failure): an xfail that came earlier must not hide the
 * real failure. */
static void print_checks(const run_console_t *c, const cJSON *s) {
  bool every = c->verbosity == RUN_VERBOSE;
  const cJSON *order[SC_MAX_CHECKS + 1];
  int n = 0, shown = 0, more = 0, lead = -1, noteworthy = 0;
  if (every) {
    const cJSON *checks = cJSON_GetObjectItemCaseSensitive(s, "checks");
    for (const cJSON *k = checks ? checks->child : NULL; k && n < SC_MAX_CHECKS + 1; k = k->next) order[n++] = k;
  } else {
    n = report_checks_by_time(s, order, SC_MAX_CHECKS + 1);
  }
  for (int i = 0; i < n; i++) {
    verdict_t cv;
    if (!verdict_parse(report_str(order[i], "verdict"), &cv) || !verdict_noteworthy(cv)) continue;
    noteworthy++;
    if (lead < 0 || (cv == VERDICT_FAIL && report_verdict(order[lead]) != VERDICT_FAIL)) lead = i;
  }
  for (int i = 0; i < n; i++) {
    const cJSON *k = order[i];
    if (!every && i != lead) continue;
    char at[32] = "";
    if (report_check_at(k) >= 0) snprintf(at, sizeof at, " at %.3fs", report_check_at(k));
    printf("      %s %s [%s]%s: %s\n", report_str(k, "verdict"), report_str(k, "id"), report_check_proves(k), at,
           report_str(k, "message"));
    shown++;
  }
  if (!every && shown) more = noteworthy - shown;
  if (more) printf("      ... and %d more (-v shows every check; the report has them all)\n", more);
  if (every && cJSON_GetObjectItemCaseSensitive(s, "artifacts"))
    printf("      artefacts: %s\n", report_str(cJSON_GetObjectItemCaseSensitive(s, "artifacts"), "events"));
}

void run_console_scenario(const run_console_t *c, const cJSON *s) {
  if (c->verbosity == RUN_QUIET) return;
  const cJSON *dur = cJSON_GetObjectItemCaseSensitive(s, "duration_s");
  run_console_clear(c);
  printf("%-5s %s (%.1fs)\n", label[report_verdict(s)], report_str(s, "id"), cJSON_IsNumber(dur) ? dur->valuedouble : 0.0);
  print_notes(s);
  print_checks(c, s);
  fflush(stdout);
}

void run_console_progress(run_console_t *c, int done, int total, lab_job_t *const *running, int n_running) {
  if (!c->progress || since_ms(&c->last_draw) < RUN_CONSOLE_REDRAW_MS) return;
  clock_gettime(CLOCK_MONOTONIC, &c->last_draw);
  char bar[RUN_CONSOLE_BAR + 1], line[512];
  int filled = total ? done * RUN_CONSOLE_BAR / total : RUN_CONSOLE_BAR;
  for (int i = 0; i < RUN_CONSOLE_BAR; i++) bar[i] = i < filled ? '#' : '.';
  bar[RUN_CONSOLE_BAR] = 0;
  int used = snprintf(line, sizeof line, "[%s] %d/%d %lds", bar, done, total, since_ms(&c->t0) / 1000);
  for (int k = 0; k < n_running && used < (int)sizeof line; k++)
    used += snprintf(line + used, sizeof line - (size_t)used, "%s%s", k ? ", " : "  running: ", running[k]->sc->id);
  /* One terminal line, or the carriage return cannot take it back. */
  struct winsize ws;
  int cols = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10 ? ws.ws_col : 80;
  if ((int)strlen(line) > cols - 1) line[cols - 1] = 0;
  printf("\r\033[K%s", line);
  fflush(stdout);
}

/* The run's verdict, last, with the MUST requirements a waiver let pass: a
 * pass-with-waivers must never read as a pass. */
static void print_verdict(const cJSON *sum) {
  printf("verdict: %s", report_str(sum, "verdict"));
  const cJSON *waivers = cJSON_GetObjectItemCaseSensitive(sum, "waivers");
  int n = 0;
  for (const cJSON *w = waivers ? waivers->child : NULL; w; w = w->next) {
    const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(w, "requirements");
    for (const cJSON *r = reqs ? reqs->child : NULL; r; r = r->next)
      if (strcmp(report_str(r, "level"), "MUST") == 0) printf("%s%s", n++ ? ", " : " (MUST requirements waived: ", report_str(r, "id"));
  }
  if (n) printf("; the waivers are listed in report.html and certificate.json)");
  printf("\n");
}

static int count(const cJSON *obj, const char *key) { return cJSON_GetObjectItemCaseSensitive(obj, key)->valueint; }

void run_console_summary(const run_console_t *c, const cJSON *report, cJSON *const *combined, int n, int n_runs,
                         const char *out) {
  const cJSON *sum = cJSON_GetObjectItemCaseSensitive(report, "summary");
  const cJSON *cks = cJSON_GetObjectItemCaseSensitive(sum, "checks");
  int xpass = count(cks, verdict_name(VERDICT_XPASS)), xfail = count(cks, verdict_name(VERDICT_XFAIL));
  int unsup = count(cks, verdict_name(VERDICT_UNSUPPORTED)), disabled = count(cks, verdict_name(VERDICT_DISABLED));
  if (n_runs > 1 && c->verbosity != RUN_QUIET) {
    printf("pass rate over %d runs:\n", n_runs);
    for (int i = 0; i < n; i++) {
      const cJSON *rep = cJSON_GetObjectItemCaseSensitive(combined[i], "repeat");
      if (!rep) continue;
      printf("  %-40s %d/%d%s\n", report_str(combined[i], "id"), count(rep, "passed"), count(rep, "runs"),
             cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "flaky")) ? "  FLAKY: the runs disagree" : "");
    }
  }
  if (xfail || xpass || unsup || disabled)
    printf("checks: %d expected failures (xfail), %d unexpected passes (xpass), %d unsupported, %d disabled\n", xfail,
           xpass, unsup, disabled);
  if (xpass)
    printf("note: %d expected failure(s) passed: update the vendor profile (see the xpass checks in the report)\n", xpass);
  printf("%d scenarios: %d passed, %d failed, %d errors, %d unsupported, %d disabled. Report: %s/report.html\n",
         count(sum, "scenarios"), count(sum, "passed"), count(sum, "failed"), count(sum, "errors"), count(sum, "unsupported"),
         count(sum, "disabled"), out);
  print_verdict(sum);
}
