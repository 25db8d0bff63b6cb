/* report_html: report.html, one self-contained page a person reads.
 *
 * A summary, the certification section, the requirement matrix
 * (requirement x scenario, coloured by verdict) and, for each scenario, its
 * checks and a sequence diagram drawn as inline SVG: the client, the
 * resolver, the cloud, the PCCs, the PSEs and the app as lanes, with DNS
 * queries and answers, TLS ClientHellos and their SNI, resets, server-side
 * requests, faults switching on and off, and check outcomes at the times
 * they happened. No scripts, fonts or images are fetched: the page must
 * read the same offline, attached to a CI run or a certification. */
#ifndef BC_REPORT_HTML_H
#define BC_REPORT_HTML_H
#include <cjson/cJSON.h>

/* Returns the events of one scenario, given the path of its events.jsonl
 * relative to the report (a new cJSON array the caller frees), or NULL when
 * there are none to show. */
typedef cJSON *(*report_events_fn)(void *ctx, const char *events_path);

/* Renders a report. certificate may be NULL; events may be NULL (no
 * diagrams). Returns a malloc'd string, or NULL when out of memory. */
char *report_html_render(const cJSON *report, const cJSON *certificate, report_events_fn events, void *ctx);

/* The most events one diagram draws; the rest are counted, not drawn. */
#define REPORT_HTML_MAX_ROWS 400
#endif
