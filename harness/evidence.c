#include "harness/evidence.h"

#include <math.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/files.h"
#include "sim/decode/wire.h"

#define MAX_PARTIES 128

static void on_wire_event(void *arg, int64_t t_us, const char *type, cJSON *fields) {
  evidence_t *ev = arg;
  if (tl_add(ev->tl, t_us, "wire", type, fields) == 0) ev->wire_events++;
}

/* world/parties.json: every address of the world, named as the run named it. */
static int load_parties(const char *dir, wire_party_t *out, int *n, char *err, size_t errlen) {
  char path[1200];
  snprintf(path, sizeof path, "%s/world/parties.json", dir);
  cJSON *list = files_read_json(path);
  *n = wire_parties_from_json(list, out, MAX_PARTIES);
  if (*n < 0) {
    snprintf(err, errlen, "%s: missing or not a JSON array", path);
    cJSON_Delete(list);
    return -1;
  }
  cJSON_Delete(list);
  return 0;
}

/* Every event that did not come from the wire; *pcap_t0 from capture.start. */
static int load_events(const char *dir, evidence_t *ev, int64_t *pcap_t0, char *err, size_t errlen) {
  char path[1200];
  snprintf(path, sizeof path, "%s/events.jsonl", dir);
  FILE *f = fopen(path, "re");
  char *line = NULL;
  size_t cap = 0;
  int rc = -1, lineno = 0;
  *pcap_t0 = -1;
  if (!f) {
    snprintf(err, errlen, "%s: cannot read it", path);
    return -1;
  }
  while (getline(&line, &cap, f) > 0) {
    lineno++;
    cJSON *e = cJSON_Parse(line);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "t");
    const char *from = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "from"));
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "type"));
    if (!cJSON_IsNumber(t) || !from || !type) {
      snprintf(err, errlen, "%s:%d: not an event (t, from and type are needed)", path, lineno);
      cJSON_Delete(e);
      goto out;
    }
    if (strcmp(from, "wire") != 0) {
      char src[64], kind[64];
      snprintf(src, sizeof src, "%s", from);
      snprintf(kind, sizeof kind, "%s", type);
      const cJSON *t0 = cJSON_GetObjectItemCaseSensitive(e, "pcap_t0_us");
      /* In range before the cast (a run folder may have been edited): 2^62 us is 146,000 years. */
      if (strcmp(kind, "capture.start") == 0 && cJSON_IsNumber(t0) && t0->valuedouble >= 0 && t0->valuedouble < 0x1p62)
        *pcap_t0 = (int64_t)t0->valuedouble;
      int64_t t_us = llround(t->valuedouble * 1e6);
      cJSON_DeleteItemFromObjectCaseSensitive(e, "t");
      cJSON_DeleteItemFromObjectCaseSensitive(e, "from");
      cJSON_DeleteItemFromObjectCaseSensitive(e, "type");
      tl_add(ev->tl, t_us, src, kind, e); /* takes e */
    } else {
      cJSON_Delete(e);
    }
  }
  rc = 0;
out:
  free(line);
  fclose(f);
  return rc;
}

/* The wire events, decoded again from the capture. */
static int load_capture(const char *dir, evidence_t *ev, int64_t pcap_t0, char *err, size_t errlen) {
  char path[1200], ebuf[PCAP_ERRBUF_SIZE];
  wire_party_t parties[MAX_PARTIES];
  int n_parties;
  if (load_parties(dir, parties, &n_parties, err, errlen) < 0) return -1;
  snprintf(path, sizeof path, "%s/capture.pcap", dir);
  pcap_t *p = pcap_open_offline(path, ebuf);
  if (!p) {
    snprintf(err, errlen, "%s: %s", path, ebuf);
    return -1;
  }
  wire_t *w = wire_new(parties, n_parties, on_wire_event, ev);
  struct pcap_pkthdr *h;
  const u_char *frame;
  int linktype = pcap_datalink(p), got;
  while (w && (got = pcap_next_ex(p, &h, &frame)) == 1) {
    int64_t stamp;
    if (wire_stamp_us(h->ts.tv_sec, h->ts.tv_usec, &stamp)) wire_frame(w, stamp - pcap_t0, frame, h->caplen, linktype);
  }
  wire_free(w);
  pcap_close(p);
  if (!w) snprintf(err, errlen, "out of memory");
  return w ? 0 : -1;
}

int evidence_load(const char *dir, const char *scenario_path, evidence_t *ev, char *err, size_t errlen) {
  char path[1200];
  diag_t d;
  int64_t pcap_t0;
  memset(ev, 0, sizeof *ev);
  snprintf(path, sizeof path, "%s/result.json", dir);
  ev->result = files_read_json(path);
  if (!cJSON_IsObject(ev->result)) {
    snprintf(err, errlen, "%s: missing or not JSON: this is not a finished scenario's folder", path);
    goto fail;
  }
  /* The copy the lab kept of the scenario it ran, unless another file is asked for. */
  char kept[1200];
  snprintf(kept, sizeof kept, "%s/scenario.json", dir);
  const char *file = scenario_path                ? scenario_path
                     : access(kept, R_OK) == 0    ? kept
                                                  : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev->result, "file"));
  const cJSON *dropped = cJSON_GetObjectItemCaseSensitive(ev->result, "events_dropped");
  if (cJSON_IsNumber(dropped) && dropped->valuedouble > 0) {
    snprintf(err, errlen, "%s: the run dropped %.0f events at the timeline's cap, so its verdicts cannot be derived again exactly",
             dir, dropped->valuedouble);
    goto fail;
  }
  if (!file || !(ev->sc = scenario_load(file, &d))) {
    snprintf(err, errlen, "%s: the scenario %s cannot be loaded%s%s", dir, file ? file : "(none recorded)",
             file ? ": " : "", file ? d.msg : "");
    goto fail;
  }
  /* As the run did: windows in the client's timers first, then the time scale. */
  sc_timer_t timers[SC_MAX_TIMERS];
  int n_timers = 0;
  const cJSON *rt = cJSON_GetObjectItemCaseSensitive(ev->result, "timers");
  for (const cJSON *t = rt ? rt->child : NULL; t && n_timers < SC_MAX_TIMERS; t = t->next) {
    if (!cJSON_IsNumber(t)) continue;
    snprintf(timers[n_timers].name, sizeof timers[n_timers].name, "%s", t->string);
    timers[n_timers++].value = (int64_t)t->valuedouble;
  }
  if (scenario_bind_timers(ev->sc, timers, n_timers, err, errlen) < 0) goto fail;
  const cJSON *scale = cJSON_GetObjectItemCaseSensitive(ev->result, "time_scale");
  if (cJSON_IsNumber(scale) && scale->valuedouble != 1) scenario_scale(ev->sc, scale->valuedouble);
  const cJSON *levels = cJSON_GetObjectItemCaseSensitive(ev->result, "levels");
  ev->speaks_session = !levels; /* runs before levels were recorded spoke both */
  for (const cJSON *l = levels ? levels->child : NULL; l; l = l->next)
    ev->speaks_session = ev->speaks_session || (cJSON_IsString(l) && strcmp(l->valuestring, "session") == 0);
  ev->harness_failed = cJSON_GetObjectItemCaseSensitive(ev->result, "error") != NULL;
  if (!(ev->tl = tl_new())) goto fail;
  if (load_events(dir, ev, &pcap_t0, err, errlen) < 0) goto fail;
  if (pcap_t0 < 0 && !ev->harness_failed) {
    snprintf(err, errlen, "%s/events.jsonl: no capture.start event, so capture times cannot be placed on the timeline", dir);
    goto fail;
  }
  if (pcap_t0 >= 0 && load_capture(dir, ev, pcap_t0, err, errlen) < 0) goto fail;
  tl_sort(ev->tl);
  return 0;
fail:
  evidence_free(ev);
  return -1;
}

void evidence_free(evidence_t *ev) {
  scenario_free(ev->sc);
  tl_free(ev->tl);
  cJSON_Delete(ev->result);
  memset(ev, 0, sizeof *ev);
}
