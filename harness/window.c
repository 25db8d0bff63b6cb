#include "harness/window.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/dur.h"

typedef struct val {
  double v;
  bool dur; /* milliseconds; else a count */
} val_t;

typedef struct parser {
  const char *s, *p;
  const sc_timer_t *timers;
  int n_timers;
  char *err;
  size_t errlen;
  bool bad;
} parser_t;

static val_t fail(parser_t *ps, const char *what) {
  if (!ps->bad) snprintf(ps->err, ps->errlen, "%s at column %d of \"%s\"", what, (int)(ps->p - ps->s) + 1, ps->s);
  ps->bad = true;
  return (val_t){0, false};
}

static void skip(parser_t *ps) {
  while (*ps->p == ' ') ps->p++;
}

static val_t expr(parser_t *ps);

static val_t factor(parser_t *ps) {
  skip(ps);
  if (*ps->p == '(') {
    ps->p++;
    val_t v = expr(ps);
    skip(ps);
    if (*ps->p != ')') return fail(ps, "a ')' is missing");
    ps->p++;
    return v;
  }
  const char *start = ps->p;
  if (isdigit((unsigned char)*ps->p) || *ps->p == '.') {
    while (isdigit((unsigned char)*ps->p) || *ps->p == '.') ps->p++;
    const char *num_end = ps->p;
    while (isalpha((unsigned char)*ps->p)) ps->p++;
    char text[32];
    snprintf(text, sizeof text, "%.*s", (int)(ps->p - start), start);
    if (ps->p == num_end) { /* a bare number: a count */
      double n;
      if (sscanf(text, "%lf", &n) != 1) return fail(ps, "not a number");
      return (val_t){n, false};
    }
    int64_t ms;
    if (!dur_parse(text, &ms)) return fail(ps, "not a duration (a number with ms, s, m or h)");
    return (val_t){(double)ms, true};
  }
  if (isalpha((unsigned char)*ps->p)) {
    while (isalpha((unsigned char)*ps->p) || *ps->p == '_') ps->p++;
    char name[SC_NAME];
    snprintf(name, sizeof name, "%.*s", (int)(ps->p - start), start);
    bool known = false;
    for (int i = 0; i < sc_n_timer_names; i++) known = known || strcmp(name, sc_timer_names[i]) == 0;
    if (!known) {
      ps->p = start;
      return fail(ps, "not a timer (keepalive, timeout, retries, backoff)");
    }
    for (int i = 0; i < ps->n_timers; i++)
      if (strcmp(ps->timers[i].name, name) == 0) return (val_t){(double)ps->timers[i].value, strcmp(name, "retries") != 0};
    ps->p = start;
    return fail(ps, "a timer the client's profile and the scenario leave unset");
  }
  return fail(ps, "a number, a duration, a timer or '(' is needed");
}

static val_t term(parser_t *ps) {
  val_t a = factor(ps);
  for (skip(ps); !ps->bad && *ps->p == '*'; skip(ps)) {
    ps->p++;
    val_t b = factor(ps);
    if (a.dur && b.dur) return fail(ps, "a duration times a duration is no duration");
    a = (val_t){a.v * b.v, a.dur || b.dur};
  }
  return a;
}

static val_t expr(parser_t *ps) {
  val_t a = term(ps);
  for (skip(ps); !ps->bad && (*ps->p == '+' || *ps->p == '-'); skip(ps)) {
    char op = *ps->p++;
    val_t b = term(ps);
    if (a.dur != b.dur) return fail(ps, "a duration and a count cannot be added");
    a.v = op == '+' ? a.v + b.v : a.v - b.v;
  }
  return a;
}

int window_eval(const char *text, const sc_timer_t *timers, int n_timers, int64_t *ms, char *err, size_t errlen) {
  parser_t ps = {text, text, timers, n_timers, err, errlen, false};
  val_t v = expr(&ps);
  skip(&ps);
  if (!ps.bad && *ps.p) fail(&ps, "unexpected text");
  if (!ps.bad && !v.dur) fail(&ps, "the window is a count, not a duration (give it a unit)");
  if (!ps.bad && v.v <= 0) fail(&ps, "the window is empty or negative");
  if (!ps.bad && v.v > 24.0 * 3600 * 1000) fail(&ps, "the window is longer than a day");
  if (ps.bad) return -1;
  *ms = (int64_t)(v.v + 0.5);
  return 0;
}
