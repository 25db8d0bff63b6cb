#include "harness/record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/dur.h"

/* services.log is for people; events.jsonl (capped by its event count) is
 * the evidence. A flood would otherwise write it at megabytes a second. */
#define SERVICES_LOG_CAP (16u << 20)

struct record {
  tl_t *tl;
  FILE *svc_log;
  uint64_t svc_log_written, svc_log_cut; /* bytes of services.log lines: kept, and over its cap */
  int64_t t0_us;                         /* t = 0, monotonic */
  int64_t pcap_t0_us;                    /* t = 0 on the wall clock, as pcap stamps packets */
  char error[512];                       /* "" until the harness fails */
};

/* Reads both clocks at the same instant. */
static void read_clocks(record_t *rec) {
  struct timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  rec->t0_us = dur_now_us();
  rec->pcap_t0_us = (int64_t)rt.tv_sec * 1000000 + rt.tv_nsec / 1000;
}

record_t *record_new(void) {
  record_t *rec = calloc(1, sizeof *rec);
  if (!rec) return NULL;
  rec->tl = tl_new();
  if (!rec->tl) {
    free(rec);
    return NULL;
  }
  read_clocks(rec);
  return rec;
}

void record_free(record_t *rec) {
  if (!rec) return;
  if (rec->svc_log) fclose(rec->svc_log);
  tl_free(rec->tl);
  free(rec);
}

int record_open_services_log(record_t *rec, const char *out_dir) {
  char path[700];
  snprintf(path, sizeof path, "%s/services.log", out_dir);
  rec->svc_log = fopen(path, "we");
  return rec->svc_log ? 0 : -1;
}

int64_t record_now(const record_t *rec) { return dur_now_us() - rec->t0_us; }

int64_t record_pcap_t0(const record_t *rec) { return rec->pcap_t0_us; }

void record_start_clock(record_t *rec) {
  int64_t was = rec->t0_us;
  read_clocks(rec);
  tl_shift(rec->tl, rec->t0_us - was);
}

/* One line of services.log, unless the log is past its cap (then counted). */
static void log_service(record_t *rec, int64_t t_us, const char *src, const char *type, const cJSON *fields) {
  char *text = cJSON_PrintUnformatted(fields);
  char head[128];
  int n = snprintf(head, sizeof head, "%10.6f %-8s %s ", (double)t_us / 1e6, src, type);
  uint64_t len = (uint64_t)n + (text ? strlen(text) : 0) + 1;
  if (rec->svc_log_written + len <= SERVICES_LOG_CAP) {
    fprintf(rec->svc_log, "%s%s\n", head, text ? text : "");
    rec->svc_log_written += len;
  } else {
    rec->svc_log_cut += len;
  }
  cJSON_free(text);
}

void record_emit(record_t *rec, int64_t t_us, const char *src, const char *type, cJSON *fields) {
  if (rec->svc_log && strncmp(type, "svc.", 4) == 0) log_service(rec, t_us, src, type, fields);
  tl_add(rec->tl, t_us, src, type, fields);
}

void record_harness(record_t *rec, const char *type, cJSON *fields) {
  record_emit(rec, record_now(rec), "harness", type, fields);
}

void record_fail(record_t *rec, const char *fmt, ...) {
  if (rec->error[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rec->error, sizeof rec->error, fmt, ap);
  va_end(ap);
}

void record_harness_error(record_t *rec, const char *message) {
  record_fail(rec, "%s", message);
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "message", rec->error);
  record_harness(rec, "harness.error", f);
}

const char *record_error(const record_t *rec) { return rec->error[0] ? rec->error : NULL; }

tl_t *record_timeline(record_t *rec) { return rec->tl; }

uint64_t record_services_log_written(const record_t *rec) { return rec->svc_log_written; }

uint64_t record_services_log_cut(const record_t *rec) { return rec->svc_log_cut; }
