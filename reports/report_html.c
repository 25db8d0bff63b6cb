#include "reports/report_html.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/markup.h"
#include "harness/report_json.h"
#include "harness/verdict.h"

static double num(const cJSON *obj, const char *key, double dflt) {
  const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(n) ? n->valuedouble : dflt;
}

/* How a verdict looks: its mark in the requirement matrix
 * (docs/report-format.md) and its colour, of its check in the diagrams.
 * Only fail and error are failures: an xpass is a pass the vendor profile
 * did not expect, so it gets a mark of its own, never the failure's cross. */
static const struct {
  const char *mark, *colour;
} look[] = {
    [VERDICT_ERROR] = {"!", "#6a1b9a"},          [VERDICT_FAIL] = {"&#10007;", "#c62828"},
    [VERDICT_XPASS] = {"&#10003;!", "#f9a825"},  [VERDICT_XFAIL] = {"x", "#ef6c00"},
    [VERDICT_PASS] = {"&#10003;", "#2e7d32"},    [VERDICT_UNSUPPORTED] = {"&#183;", "#90a4ae"},
    [VERDICT_DISABLED] = {"&#8211;", "#9e9e9e"},
};
_Static_assert(sizeof look / sizeof look[0] == VERDICT_KINDS, "every verdict has a look");

/* The scenarios as the report shows them: by verdict_listing_group (failed
 * first, then those that erred, then the rest), each group in the run's
 * order. Returns how many. */
static int scenario_order(const cJSON *report, const cJSON **out, int max) {
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(report, "scenarios");
  int n = 0;
  for (int group = 0; group < VERDICT_LISTING_GROUPS; group++)
    for (const cJSON *s = scs ? scs->child : NULL; s && n < max; s = s->next) {
      verdict_t v;
      /* A verdict that is none is listed with the rest: it is no failure and no error. */
      int its = verdict_parse(report_str(s, "verdict"), &v) ? verdict_listing_group(v) : VERDICT_LISTING_GROUPS - 1;
      if (its == group) out[n++] = s;
    }
  return n;
}

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;vertical-align:top}"
    ".v-pass{background:#c8e6c9}.v-fail{background:#ffcdd2}.v-error{background:#e1bee7}"
    ".v-unsupported{background:#eceff1}.v-xfail{background:#ffe0b2}.v-xpass{background:#fff59d}"
    ".v-disabled{background:#e0e0e0}.v-pass-with-waivers{background:#ffe082}.waivers{border:2px solid #ffb300;padding:0 1em}.badge{padding:1px 6px;border-radius:3px;font-weight:600}"
    ".matrix th.sc{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:400;white-space:nowrap}"
    ".matrix td{width:14px;text-align:center;padding:0}.matrix td a{display:block;color:inherit;text-decoration:none}"
    ".summary td{padding:2px 12px}pre{white-space:pre-wrap;margin:0}svg{border:1px solid #ddd;background:#fff}"
    "svg text{font:11px monospace}.lane{stroke:#999;stroke-dasharray:4 3}.arrow{stroke-width:1.2}"
    "details{margin:.5em 0}code{background:#f4f4f4;padding:0 3px}";

/* <td>text</td>, escaped; code wraps it in <code>. */
static void cell(FILE *o, const char *text, bool code) {
  fputs(code ? "<td><code>" : "<td>", o);
  markup_text(o, text);
  fputs(code ? "</code></td>" : "</td>", o);
}

static void badge(FILE *o, const char *verdict) {
  fputs("<span class=\"badge v-", o);
  markup_text(o, verdict);
  fputs("\">", o);
  markup_text(o, verdict);
  fputs("</span>", o);
}

static void write_summary(FILE *o, const cJSON *report) {
  const cJSON *sum = cJSON_GetObjectItemCaseSensitive(report, "summary");
  const cJSON *client = cJSON_GetObjectItemCaseSensitive(report, "client");
  const cJSON *tool = cJSON_GetObjectItemCaseSensitive(report, "tool");
  fputs("<h1>bcsim report: ", o);
  markup_text(o, report_str(client, "name"));
  fputs(" ", o);
  badge(o, *report_str(sum, "verdict") ? report_str(sum, "verdict") : verdict_run_name(RUN_ERROR));
  fputs("</h1>\n<table class=\"summary\">", o);
  fputs("<tr><td>client profile</td><td><code>", o);
  markup_text(o, report_str(client, "profile"));
  fputs("</code></td></tr><tr><td>bcsim</td><td>", o);
  markup_text(o, report_str(tool, "version"));
  fputs("</td></tr>", o);
  const cJSON *vp = cJSON_GetObjectItemCaseSensitive(report, "vendor_profile");
  if (vp) {
    fputs("<tr><td>vendor profile</td><td>", o);
    markup_text(o, report_str(vp, "name"));
    fputs("</td></tr>", o);
  }
  fprintf(o, "<tr><td>scenarios</td><td>%d: %d passed, %d failed, %d errors, %d unsupported, %d disabled</td></tr>",
          (int)num(sum, "scenarios", 0), (int)num(sum, "passed", 0), (int)num(sum, "failed", 0),
          (int)num(sum, "errors", 0), (int)num(sum, "unsupported", 0), (int)num(sum, "disabled", 0));
  const cJSON *checks = cJSON_GetObjectItemCaseSensitive(sum, "checks");
  fputs("<tr><td>checks</td><td>", o);
  for (const cJSON *c = checks ? checks->child : NULL; c; c = c->next) {
    if (!cJSON_IsNumber(c) || c->valueint == 0) continue;
    badge(o, c->string);
    fprintf(o, " %d &nbsp; ", c->valueint);
  }
  fputs("</td></tr>", o);
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sum, "interrupted")))
    fputs("<tr><td>interrupted</td><td>yes: only the scenarios that finished are shown</td></tr>", o);
  fputs("</table>\n", o);
}

/* Every waiver the vendor profile applied, at the top where no reader can miss
 * it: what it matched, why, and which requirements (MUST or SHOULD) it waived. */
static void write_waivers(FILE *o, const cJSON *report) {
  const cJSON *sum = cJSON_GetObjectItemCaseSensitive(report, "summary");
  const cJSON *waivers = cJSON_GetObjectItemCaseSensitive(sum, "waivers");
  if (!cJSON_GetArraySize(waivers)) return;
  fputs("<div class=\"waivers\"><h2 id=\"waivers\">Waivers</h2>\n", o);
  if (strcmp(report_str(sum, "verdict"), verdict_run_name(RUN_PASS_WITH_WAIVERS)) == 0)
    fputs("<p><b>This run passes only because the vendor profile waives MUST requirements.</b> It is not a pass: "
          "the requirements below were not met, or not judged, and the vendor says why.</p>\n", o);
  fputs("<table><tr><th>list</th><th>match</th><th>requirements</th><th>checks</th><th>reason</th></tr>\n", o);
  for (const cJSON *w = waivers->child; w; w = w->next) {
    fputs("<tr>", o);
    cell(o, report_str(w, "list"), false);
    cell(o, report_str(w, "match"), true);
    fputs("<td>", o);
    const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(w, "requirements");
    for (const cJSON *r = reqs ? reqs->child : NULL; r; r = r->next) {
      bool must = strcmp(report_str(r, "level"), "MUST") == 0;
      fputs(must ? "<b>" : "", o);
      markup_printf(o, "%s (%s)", report_str(r, "id"), report_str(r, "level"));
      fputs(must ? "</b> " : " ", o);
    }
    fprintf(o, "</td><td>%d</td>", (int)num(w, "checks", 0));
    cell(o, report_str(w, "reason"), false);
    fputs("</tr>\n", o);
  }
  fputs("</table></div>\n", o);
}

/* One {"root", "path", "sha256"} entry of the certificate, as a row. */
static void file_row(FILE *o, const char *what, const cJSON *e) {
  fprintf(o, "<tr><td>%s</td><td><code>", what);
  markup_printf(o, "%s/%s", report_str(e, "root"), report_str(e, "path"));
  fputs("</code> SHA-256 <code>", o);
  markup_text(o, report_str(e, "sha256"));
  fputs("</code></td></tr>", o);
}

static void write_certificate(FILE *o, const cJSON *cert) {
  fputs("<h2 id=\"certification\">Certification</h2>\n<table class=\"summary\">", o);
  const cJSON *bcsim = cJSON_GetObjectItemCaseSensitive(cert, "bcsim");
  fputs("<tr><td>verdict</td><td>", o);
  badge(o, report_str(cert, "verdict"));
  fputs("</td></tr><tr><td>date</td>", o);
  cell(o, report_str(cert, "date"), true);
  fputs("</tr><tr><td>bcsim</td><td><code>", o);
  markup_printf(o, "%s, commit %s", report_str(bcsim, "version"), report_str(bcsim, "commit"));
  fputs("</code></td></tr><tr><td>scenario set SHA-256</td>", o);
  cell(o, report_str(cert, "scenario_set_sha256"), true);
  fputs("</tr>", o);
  char *run = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(cert, "run"));
  fputs("<tr><td>run settings</td>", o);
  cell(o, run ? run : "{}", true);
  fputs("</tr>", o);
  cJSON_free(run);
  const cJSON *client = cJSON_GetObjectItemCaseSensitive(cert, "client");
  fputs("<tr><td>client</td>", o);
  cell(o, report_str(client, "name"), false);
  fputs("</tr>", o);
  file_row(o, "client profile", cJSON_GetObjectItemCaseSensitive(client, "profile"));
  file_row(o, "client program", cJSON_GetObjectItemCaseSensitive(client, "binary"));
  const cJSON *arts = cJSON_GetObjectItemCaseSensitive(client, "artefacts");
  fprintf(o, "<tr><td>client artefacts</td><td>%d files, %s (listed in certificate.json)</td></tr>",
          cJSON_GetArraySize(arts),
          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(client, "artefacts_declared")) ? "as the profile declares them"
                                                                                       : "every file of the profile's folder");
  const cJSON *vp = cJSON_GetObjectItemCaseSensitive(cert, "vendor_profile");
  if (cJSON_IsObject(vp)) file_row(o, "vendor profile", vp);
  else fputs("<tr><td>vendor profile</td><td>none</td></tr>", o);
  fputs("</table>\n<p>The signed file is <a href=\"certificate.json\">certificate.json</a>; check it with "
        "<code>bcsim verify --root suite=DIR --root profile=DIR ... --strict certificate.json</code>. It is the "
        "signer's own attestation: see docs/certification.md for what it proves.</p>\n",
        o);
}

/* requirement x scenario, each cell the verdict of that requirement's checks
 * there that a reader must see first (verdict_display_rank). */
static void write_matrix(FILE *o, const cJSON *const *scs, int n_scs) {
  const char *reqs[256];
  int n_reqs = 0;
  for (int si = 0; si < n_scs; si++) {
    const cJSON *s = scs[si];
    const cJSON *checks = cJSON_GetObjectItemCaseSensitive(s, "checks");
    for (const cJSON *k = checks ? checks->child : NULL; k; k = k->next) {
      const char *r = report_str(k, "requirement");
      bool seen = !*r;
      for (int i = 0; i < n_reqs && !seen; i++) seen = strcmp(reqs[i], r) == 0;
      if (!seen && n_reqs < 256) reqs[n_reqs++] = r;
    }
  }
  for (int i = 1; i < n_reqs; i++) /* insertion sort: a few dozen names */
    for (int j = i; j > 0 && strcmp(reqs[j - 1], reqs[j]) > 0; j--) {
      const char *t = reqs[j];
      reqs[j] = reqs[j - 1];
      reqs[j - 1] = t;
    }
  fputs("<h2 id=\"matrix\">Requirement matrix</h2>\n<p>Each cell is the worst verdict of the requirement's checks in "
        "that scenario (&#10007; fail, ! error, &#10003;! xpass: passed though the vendor profile expects a failure, "
        "x xfail, &#10003; pass, &#183; unsupported, &#8211; disabled); an empty cell means the scenario does not "
        "check it. Failed scenarios come first.</p>\n<table class=\"matrix\"><tr><th></th>",
        o);
  for (int si = 0; si < n_scs; si++) {
    fputs("<th class=\"sc\">", o);
    markup_text(o, report_str(scs[si], "id"));
    fputs("</th>", o);
  }
  fputs("</tr>\n", o);
  for (int i = 0; i < n_reqs; i++) {
    fputs("<tr><th>", o);
    markup_text(o, reqs[i]);
    fputs("</th>", o);
    for (int si = 0; si < n_scs; si++) {
      const cJSON *s = scs[si];
      const cJSON *checks = cJSON_GetObjectItemCaseSensitive(s, "checks");
      bool checked = false;
      verdict_t shown = VERDICT_ERROR;
      for (const cJSON *k = checks ? checks->child : NULL; k; k = k->next) {
        if (strcmp(report_str(k, "requirement"), reqs[i]) != 0) continue;
        verdict_t v = report_verdict(k);
        if (!checked || verdict_display_rank(v) < verdict_display_rank(shown)) shown = v;
        checked = true;
      }
      if (!checked) {
        fputs("<td></td>", o);
        continue;
      }
      fprintf(o, "<td class=\"v-%s\" title=\"", verdict_name(shown));
      markup_printf(o, "%s in %s: %s", reqs[i], report_str(s, "id"), verdict_name(shown));
      fputs("\"><a href=\"#s-", o);
      markup_text(o, report_str(s, "id"));
      fprintf(o, "\">%s</a></td>", look[shown].mark);
    }
    fputs("</tr>\n", o);
  }
  fputs("</table>\n", o);
}

/* How many checks judged each requirement, per level: a requirement that
 * no check judged for this client is plain to see. */
static void write_judged(FILE *o, const cJSON *report) {
  const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(report, "summary"), "requirements");
  if (!cJSON_IsObject(reqs)) return;
  fputs("<h2 id=\"judged\">Judged per requirement</h2>\n<p>Checks that judged the client, of the checks there were, "
        "by level: <em>network</em> checks judge any client from the wire and the TLS and DNS servers, "
        "<em>session</em> checks need bcsim's own protocol.</p>\n<table class=\"judged\"><tr><th>requirement</th>"
        "<th>network</th><th>session</th></tr>\n",
        o);
  for (const cJSON *r = reqs->child; r; r = r->next) {
    fputs("<tr><th>", o);
    markup_text(o, r->string);
    fputs("</th>", o);
    static const char *const levels[] = {"network", "session"};
    for (int i = 0; i < 2; i++) {
      const cJSON *l = cJSON_GetObjectItemCaseSensitive(r, levels[i]);
      int judged = (int)num(l, "judged", 0), checks = (int)num(l, "checks", 0);
      fprintf(o, "<td class=\"%s\">%d of %d</td>", checks && !judged ? "v-unsupported" : "", judged, checks);
    }
    fputs("</tr>\n", o);
  }
  fputs("</table>\n", o);
}

/* ---- the sequence diagram ---- */

enum { LANE_CLIENT, LANE_RESOLVER, LANE_CLOUD, LANE_PCC, LANE_PSE, LANE_APP, LANE_OTHER, N_LANES };
static const char *const lane_names[N_LANES] = {"client", "resolver", "cloud", "PCC", "PSE", "app", "other"};

/* The lane of a role (the world's tables give every address and service one; events carry it). */
static int lane_of(const char *role) {
  static const struct {
    const char *role;
    int lane;
  } lanes[] = {{"client", LANE_CLIENT}, {"resolver", LANE_RESOLVER}, {"public-dns", LANE_RESOLVER}, {"cloud", LANE_CLOUD},
               {"pcc", LANE_PCC},       {"pse", LANE_PSE},           {"app", LANE_APP}};
  for (size_t i = 0; i < sizeof lanes / sizeof lanes[0]; i++)
    if (strcmp(role, lanes[i].role) == 0) return lanes[i].lane;
  return LANE_OTHER;
}

typedef enum { ROW_ARROW, ROW_BAND, ROW_MARK, ROW_CHECK } row_kind_t;

typedef struct row {
  row_kind_t kind;
  double t;
  int from, to;       /* lanes; for a mark, from is the lane */
  const char *colour; /* a CSS colour */
  char label[160];
} row_t;

#define LANE_W 150
#define LEFT_W 70
#define CHECK_W 260
#define ROW_H 22
#define TOP_H 28

static bool event_row(const cJSON *e, row_t *r) {
  const char *type = report_str(e, "type");
  memset(r, 0, sizeof *r);
  r->t = num(e, "t", 0);
  r->colour = "#333";
  int src = lane_of(report_str(e, "src_role")), dst = lane_of(report_str(e, "dst_role"));
  if (strcmp(type, "dns.query") == 0) {
    *r = (row_t){ROW_ARROW, r->t, src, dst, "#1565c0", ""};
    snprintf(r->label, sizeof r->label, "%s%s %s", strcmp(report_str(e, "proto"), "tcp") == 0 ? "TCP " : "", report_str(e, "qtype"),
             report_str(e, "qname"));
  } else if (strcmp(type, "dns.answer") == 0) {
    const cJSON *addrs = cJSON_GetObjectItemCaseSensitive(e, "addrs");
    *r = (row_t){ROW_ARROW, r->t, src, dst, "#64b5f6", ""};
    snprintf(r->label, sizeof r->label, "%s %s%s%s", report_str(e, "rcode"), report_str(e, "qname"),
             cJSON_GetArraySize(addrs) ? " = " : "", cJSON_GetArraySize(addrs) ? cJSON_GetStringValue(addrs->child) : "");
  } else if (strcmp(type, "tls.client_hello") == 0) {
    *r = (row_t){ROW_ARROW, r->t, src, dst, "#2e7d32", ""};
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "has_sni")))
      snprintf(r->label, sizeof r->label, "ClientHello SNI=%s (%s)", report_str(e, "sni"), report_str(e, "dst_name"));
    else snprintf(r->label, sizeof r->label, "ClientHello, no SNI (%s)", report_str(e, "dst_name"));
  } else if (strcmp(type, "tcp.connect") == 0) {
    *r = (row_t){ROW_ARROW, r->t, src, dst, "#9e9e9e", ""};
    snprintf(r->label, sizeof r->label, "SYN %s:%d", report_str(e, "dst_name"), (int)num(e, "dport", 0));
  } else if (strcmp(type, "tcp.reset") == 0) {
    *r = (row_t){ROW_ARROW, r->t, src, dst, "#c62828", ""};
    snprintf(r->label, sizeof r->label, "RST from %s", report_str(e, "src_name"));
  } else if (strcmp(type, "fault.on") == 0 || strcmp(type, "fault.off") == 0) {
    bool on = strcmp(type, "fault.on") == 0;
    *r = (row_t){ROW_BAND, r->t, 0, 0, on ? "#ffcdd2" : "#c8e6c9", ""};
    snprintf(r->label, sizeof r->label, "%s %s %s (step %s)", on ? "fault on:" : "fault off:", report_str(e, "name"),
             report_str(e, "target"), report_str(e, "step"));
  } else if (strcmp(type, "harness.error") == 0 || strcmp(type, "inject.rst") == 0) {
    *r = (row_t){ROW_BAND, r->t, 0, 0, strcmp(type, "harness.error") == 0 ? "#e1bee7" : "#eeeeee", ""};
    snprintf(r->label, sizeof r->label, "%s %s", type, *report_str(e, "message") ? report_str(e, "message") : report_str(e, "target"));
  } else if (strcmp(type, "svc.http.request") == 0) {
    *r = (row_t){ROW_MARK, r->t, lane_of(report_str(e, "service_role")), 0, "#6d4c41", ""};
    snprintf(r->label, sizeof r->label, "%s: %s %s %d", report_str(e, "from"), report_str(e, "method"), report_str(e, "path"),
             (int)num(e, "status", 0));
  } else if (strncmp(type, "client.", 7) == 0 || strcmp(type, "probe.result") == 0) {
    *r = (row_t){ROW_MARK, r->t, LANE_CLIENT, 0, "#37474f", ""};
    if (strcmp(type, "probe.result") == 0)
      snprintf(r->label, sizeof r->label, "probe: %s", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "ok")) ? "ok" : "failed");
    else snprintf(r->label, sizeof r->label, "%s", type);
  } else {
    return false;
  }
  return true;
}


/* A check is drawn where its evidence is ("at": what decided it); a check
 * that was not judged, at its first matching event, else the end of the
 * window it searched. */
static bool check_row(const cJSON *k, row_t *r) {
  const cJSON *ev = cJSON_GetObjectItemCaseSensitive(k, "evidence");
  const cJSON *events = cJSON_GetObjectItemCaseSensitive(ev, "events");
  double t = report_check_at(k);
  if (t < 0) /* not judged, or a report from before "at" */
    t = events && events->child ? num(events->child, "t", -1) : num(ev, "window_to", num(ev, "window_from", -1));
  if (t < 0) return false;
  *r = (row_t){ROW_CHECK, t, 0, 0, look[report_verdict(k)].colour, ""};
  snprintf(r->label, sizeof r->label, "%s %s [%s]", report_str(k, "verdict"), report_str(k, "id"), report_str(k, "requirement"));
  return true;
}

static int cmp_row(const void *a, const void *b) {
  const row_t *x = a, *y = b;
  return x->t < y->t ? -1 : x->t > y->t ? 1 : 0;
}

static double lane_x(int lane) { return LEFT_W + LANE_W * lane + LANE_W / 2.0; }

static void svg_text(FILE *o, double x, double y, const char *anchor, const char *colour, const char *text) {
  fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\">", x, y, anchor, colour);
  markup_text(o, text);
  fputs("</text>\n", o);
}

static void write_diagram(FILE *o, const cJSON *s, const cJSON *events) {
  int cap = REPORT_HTML_MAX_ROWS + 64, n = 0, skipped = 0;
  row_t *rows = calloc((size_t)cap, sizeof *rows);
  if (!rows) return;
  for (const cJSON *e = events ? events->child : NULL; e; e = e->next) {
    row_t r;
    if (!event_row(e, &r)) continue;
    if (n < REPORT_HTML_MAX_ROWS) rows[n++] = r;
    else skipped++;
  }
  const cJSON *checks = cJSON_GetObjectItemCaseSensitive(s, "checks");
  for (const cJSON *k = checks ? checks->child : NULL; k && n < cap; k = k->next)
    if (check_row(k, &rows[n])) n++;
  qsort(rows, (size_t)n, sizeof *rows, cmp_row);
  int width = LEFT_W + LANE_W * N_LANES + CHECK_W, height = TOP_H + ROW_H * (n + 1);
  fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", width,
          height, width, height);
  fputs("<defs><marker id=\"ah\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
        "orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"context-stroke\"/></marker></defs>\n",
        o);
  for (int l = 0; l < N_LANES; l++) {
    svg_text(o, lane_x(l), 16, "middle", "#000", lane_names[l]);
    fprintf(o, "<line class=\"lane\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n", lane_x(l), TOP_H - 6, lane_x(l),
            height);
  }
  svg_text(o, LEFT_W + LANE_W * N_LANES + 8, 16, "start", "#000", "checks");
  for (int i = 0; i < n; i++) {
    const row_t *r = &rows[i];
    double y = TOP_H + ROW_H * (i + 1);
    char t[32];
    snprintf(t, sizeof t, "%.3fs", r->t);
    svg_text(o, 4, y - 4, "start", "#777", t);
    if (r->kind == ROW_BAND) {
      fprintf(o, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n", LEFT_W, y - ROW_H + 3,
              LANE_W * N_LANES, ROW_H - 2, r->colour);
      svg_text(o, LEFT_W + 6, y - 4, "start", "#000", r->label);
    } else if (r->kind == ROW_MARK) {
      fprintf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", lane_x(r->from), y - 8, r->colour);
      svg_text(o, lane_x(r->from) + 8, y - 4, "start", r->colour, r->label);
    } else if (r->kind == ROW_CHECK) {
      double x = LEFT_W + LANE_W * N_LANES + 8;
      fprintf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"2 2\"/>\n", LEFT_W,
              y - 8, x, y - 8, r->colour);
      fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", x, y - 13, r->colour);
      svg_text(o, x + 14, y - 4, "start", r->colour, r->label);
    } else {
      double x1 = lane_x(r->from), x2 = lane_x(r->to);
      if (r->from == r->to) x2 = x1 + 30;
      fprintf(o, "<line class=\"arrow\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" marker-end=\"url(#ah)\"/>\n",
              x1, y - 4, x2, y - 4, r->colour);
      double lx = (x1 < x2 ? x1 : x2) + 4;
      svg_text(o, lx, y - 8, "start", r->colour, r->label);
    }
  }
  if (skipped) {
    char msg[96];
    snprintf(msg, sizeof msg, "%d more events are not drawn: see events.jsonl", skipped);
    svg_text(o, LEFT_W, height - 4, "start", "#c62828", msg);
  }
  fputs("</svg>\n", o);
  free(rows);
}

static void write_scenario(FILE *o, const cJSON *s, report_events_fn load, void *ctx) {
  const char *id = report_str(s, "id");
  fputs("<h2 id=\"s-", o);
  markup_text(o, id);
  fputs("\">", o);
  markup_text(o, id);
  fputs(" ", o);
  badge(o, report_str(s, "verdict"));
  double ran = num(s, "duration_s", 0), declared = num(s, "declared_duration_s", 0);
  /* A scenario stopped once its verdict was decided ran shorter than its file says. */
  if (cJSON_GetObjectItemCaseSensitive(s, "decided_at_s") && declared > 0)
    fprintf(o, " <small>%.1f s of %.1f s: stopped once its verdict was decided</small></h2>\n<p>", ran, declared);
  else
    fprintf(o, " <small>%.1f s</small></h2>\n<p>", ran);
  markup_text(o, report_str(s, "title"));
  fputs("</p>\n", o);
  if (*report_str(s, "error") || *report_str(s, "reason")) {
    fputs("<p><b>", o);
    markup_text(o, *report_str(s, "error") ? report_str(s, "error") : report_str(s, "reason"));
    fputs("</b></p>\n", o);
  }
  const cJSON *cut = cJSON_GetObjectItemCaseSensitive(s, "client_log");
  if (cut)
    fprintf(o, "<p>client.log was cut: the client wrote %.0f bytes, of which %.0f were dropped.</p>\n",
            num(cut, "written", 0), num(cut, "cut", 0));
  const cJSON *art = cJSON_GetObjectItemCaseSensitive(s, "artifacts");
  if (art) {
    fputs("<p>", o);
    for (const cJSON *a = art->child; a; a = a->next) {
      fputs("<a href=\"", o);
      markup_text(o, cJSON_GetStringValue(a));
      fputs("\">", o);
      markup_text(o, strrchr(cJSON_GetStringValue(a), '/') ? strrchr(cJSON_GetStringValue(a), '/') + 1 : a->string);
      fputs("</a> &nbsp; ", o);
    }
    fputs("</p>\n", o);
  }
  const cJSON *checks = cJSON_GetObjectItemCaseSensitive(s, "checks");
  if (cJSON_GetArraySize(checks) > 0) {
    fputs("<table><tr><th>check</th><th>requirement</th><th>level</th><th>verdict</th><th>message</th></tr>\n", o);
    for (const cJSON *k = checks->child; k; k = k->next) {
      fputs("<tr><td title=\"", o);
      markup_text(o, report_str(k, "description"));
      fputs("\">", o);
      markup_text(o, report_str(k, "id"));
      fputs("</td>", o);
      cell(o, report_check_proves(k), false);
      cell(o, report_str(k, "level"), false);
      fputs("<td>", o);
      badge(o, report_str(k, "verdict"));
      fputs("</td>", o);
      cell(o, report_str(k, "message"), false);
      fputs("</tr>\n", o);
    }
    fputs("</table>\n", o);
  }
  const char *events_path = art ? report_str(art, "events") : "";
  cJSON *events = load && *events_path ? load(ctx, events_path) : NULL;
  if (events) {
    fputs("<details open><summary>Sequence diagram</summary>\n", o);
    write_diagram(o, s, events);
    fputs("</details>\n", o);
  }
  cJSON_Delete(events);
}

char *report_html_render(const cJSON *report, const cJSON *certificate, report_events_fn events, void *ctx) {
  char *buf = NULL;
  size_t len = 0;
  FILE *o = open_memstream(&buf, &len);
  if (!o) return NULL;
  fprintf(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
             "<title>bcsim report</title><style>%s</style></head><body>\n",
          css);
  write_summary(o, report);
  write_waivers(o, report);
  if (certificate) write_certificate(o, certificate);
  int n_scs = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(report, "scenarios"));
  const cJSON **scs = calloc((size_t)n_scs + 1, sizeof *scs);
  if (!scs) {
    fclose(o);
    free(buf);
    return NULL;
  }
  n_scs = scenario_order(report, scs, n_scs);
  write_matrix(o, scs, n_scs);
  write_judged(o, report);
  for (int i = 0; i < n_scs; i++) write_scenario(o, scs[i], events, ctx);
  free(scs);
  fputs("</body></html>\n", o);
  if (fclose(o) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}
