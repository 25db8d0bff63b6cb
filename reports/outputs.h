/* outputs: the artefacts of a run's out dir, written together.
 *
 * report.json and junit.xml are rewritten after every scenario (cheap, so an
 * interrupted run still has both); report.html, which reads every
 * scenario's events.jsonl for its diagrams, is written at the end, and also
 * when a run is interrupted. */
#ifndef BC_OUTPUTS_H
#define BC_OUTPUTS_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Writes report.json and junit.xml, and with final also report.html (and
 * certificate.json when certificate is not NULL) into out_dir. Each file is
 * replaced atomically (base/files.h). 0, or -1 with err naming the file. */
int outputs_write(const cJSON *report, const cJSON *certificate, const char *out_dir, bool final, char *err,
                  size_t errlen);

/* The events of <out_dir>/<events_path> (an events.jsonl) that a diagram
 * can draw, as a new array, or NULL when there is no such file. */
cJSON *outputs_load_events(const char *out_dir, const char *events_path);
#endif
