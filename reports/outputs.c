#include "reports/outputs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"
#include "reports/report_html.h"
#include "reports/report_junit.h"

/* The event types report_html draws; the rest (service-side DNS logs, say)
 * are left in events.jsonl, so a flood does not fill memory here. */
static bool drawable(const char *line) {
  static const char *const types[] = {"\"dns.query\"", "\"dns.answer\"", "\"tls.client_hello\"", "\"tcp.connect\"",
                                      "\"tcp.reset\"", "\"fault.on\"", "\"fault.off\"", "\"harness.error\"",
                                      "\"inject.rst\"", "\"svc.http.request\"", "\"client.", "\"probe.result\""};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (strstr(line, types[i])) return true;
  return false;
}

cJSON *outputs_load_events(const char *out_dir, const char *events_path) {
  char path[PATH_MAX];
  if (strstr(events_path, "..")) return NULL; /* a report names files below itself only */
  snprintf(path, sizeof path, "%s/%s", out_dir, events_path);
  FILE *f = fopen(path, "re");
  if (!f) return NULL;
  cJSON *arr = cJSON_CreateArray();
  char *line = NULL;
  size_t cap = 0;
  int kept = 0;
  while (getline(&line, &cap, f) > 0) {
    /* Past what a diagram draws, only the count matters: keep light stand-ins. */
    if (!drawable(line)) continue;
    cJSON *e = kept < REPORT_HTML_MAX_ROWS * 4 ? cJSON_Parse(line) : cJSON_CreateObject();
    if (!e) continue;
    if (kept >= REPORT_HTML_MAX_ROWS * 4) cJSON_AddStringToObject(e, "type", "tcp.connect");
    cJSON_AddItemToArray(arr, e);
    kept++;
  }
  free(line);
  fclose(f);
  return arr;
}

static cJSON *load_events(void *ctx, const char *path) { return outputs_load_events(ctx, path); }

static int write_one(const char *out_dir, const char *name, char *text, char *err, size_t errlen) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", out_dir, name);
  int rc = text ? files_write_text(path, text, 0666) : -1;
  if (rc < 0) snprintf(err, errlen, "cannot write %s: %s", path, text ? strerror(errno) : "out of memory");
  return rc;
}

/* Pretty JSON and a final newline, as a malloc'd string (NULL when out of memory). */
static char *json_text(const cJSON *obj) {
  char *text = cJSON_Print(obj);
  size_t n = text ? strlen(text) : 0;
  char *out = text ? malloc(n + 2) : NULL;
  if (out) {
    memcpy(out, text, n);
    memcpy(out + n, "\n", 2);
  }
  cJSON_free(text);
  return out;
}

int outputs_write(const cJSON *report, const cJSON *certificate, const char *out_dir, bool final, char *err,
                  size_t errlen) {
  char *json = json_text(report);
  int rc = write_one(out_dir, "report.json", json, err, errlen);
  free(json);
  char *xml = rc == 0 ? report_junit_render(report) : NULL;
  if (rc == 0) rc = write_one(out_dir, "junit.xml", xml, err, errlen);
  free(xml);
  if (rc == 0 && final && certificate) {
    char *cert = json_text(certificate);
    rc = write_one(out_dir, "certificate.json", cert, err, errlen);
    free(cert);
  }
  if (rc == 0 && final) {
    char *html = report_html_render(report, certificate, load_events, (void *)out_dir);
    rc = write_one(out_dir, "report.html", html, err, errlen);
    free(html);
  }
  return rc;
}
