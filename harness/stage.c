#include "harness/stage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "base/dur.h"
#include "harness/report_json.h"
#include "sim/pki/pki.h"

#define MAX_PARTIES 64

struct stage {
  record_t *rec;
  overhead_t *cost;
  lab_t *lab;
  world_t *world;
  wire_t *wire;
  capture_t *cap;
  capture_t *uplink; /* the site router's link to the internet: evidence only, not decoded */
};

static void on_world_log(void *arg, const char *src, const char *type, cJSON *fields) {
  stage_t *s = arg;
  record_emit(s->rec, record_now(s->rec), src, type, fields);
}

static void on_wire_event(void *arg, int64_t t_us, const char *type, cJSON *fields) {
  stage_t *s = arg;
  record_emit(s->rec, t_us, "wire", type, fields);
}

static void on_frame(void *arg, const struct pcap_pkthdr *h, const uint8_t *frame, int linktype) {
  stage_t *s = arg;
  int64_t stamp, t0 = dur_now_us();
  if (wire_stamp_us(h->ts.tv_sec, h->ts.tv_usec, &stamp))
    wire_frame(s->wire, stamp - record_pcap_t0(s->rec), frame, h->caplen, linktype);
  overhead_add(s->cost, OH_DECODE, dur_now_us() - t0);
}

/* The lab's network; lab.ready says how long it took. */
static int build_lab(stage_t *s, const scenario_t *sc, char *err, size_t errlen) {
  char why[512];
  int64_t t0 = dur_now_us();
  s->lab = lab_new(sc->site, why, sizeof why);
  if (!s->lab) {
    snprintf(err, errlen, "building the lab network: %s", why);
    return -1;
  }
  cJSON *f = cJSON_CreateObject();
  cJSON_AddNumberToObject(f, "setup_ms", (double)(dur_now_us() - t0) / 1000.0);
  record_harness(s->rec, "lab.ready", f);
  overhead_add(s->cost, OH_LAB, dur_now_us() - t0);
  return 0;
}

static int start_world(stage_t *s, struct event_base *base, scenario_t *sc, const stage_opts_t *o, char *err,
                       size_t errlen) {
  char why[512];
  world_opts_t wo = {.bc_domain = sc->bc_domain,
                     .cloud_domain = sc->cloud_domain,
                     .run_dir = o->out_dir,
                     .tenant_dir = o->tenant_dir,
                     .seed = sc->seed,
                     .pse_exit_after_ms = sc->pse_exit_after_ms,
                     .pse_exit_check_ms = sc->pse_exit_check_ms,
                     .time_scale = sc->time_scale,
                     .enrolled = strcmp(sc->client_kind, "enrolled") == 0,
                     .new_user_enrollment = sc->new_user_enrollment};
  int64_t t0 = dur_now_us();
  s->world = world_new(base, s->lab, &wo, on_world_log, s, why, sizeof why);
  overhead_add(s->cost, OH_WORLD, dur_now_us() - t0 - pki_spent_us());
  if (!s->world) {
    snprintf(err, errlen, "starting the world: %s", why);
    return -1;
  }
  snprintf(sc->bc_domain, sizeof sc->bc_domain, "%s", world_bc_domain(s->world));
  snprintf(sc->cloud_domain, sizeof sc->cloud_domain, "%s", world_cloud_domain(s->world));
  return 0;
}

/* The wire decoder, with the world's parties, which also go to world/parties.json. */
static int start_wire(stage_t *s, const char *out_dir, char *err, size_t errlen) {
  wire_party_t parties[MAX_PARTIES];
  char path[700];
  int n = world_wire_parties(s->world, parties, MAX_PARTIES);
  cJSON *list = wire_parties_to_json(parties, n);
  snprintf(path, sizeof path, "%s/world/parties.json", out_dir);
  int rc = report_write_file(list, path);
  cJSON_Delete(list);
  s->wire = rc == 0 ? wire_new(parties, n, on_wire_event, s) : NULL;
  if (!s->wire) snprintf(err, errlen, "starting the wire decoder (and writing %s) failed", path);
  return s->wire ? 0 : -1;
}

/* resolv.conf, the decoder and the capture: what the client's traffic meets and what sees it. */
static int start_capture(stage_t *s, struct event_base *base, const char *out_dir, char *err, size_t errlen) {
  char path[700], why[512];
  int64_t t0 = dur_now_us();
  if (mount(world_resolv_path(s->world), "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0) {
    snprintf(err, errlen, "bind-mounting the lab's resolv.conf over /etc/resolv.conf: %s", strerror(errno));
    return -1;
  }
  if (start_wire(s, out_dir, err, errlen) < 0) return -1;
  snprintf(path, sizeof path, "%s/capture.pcap", out_dir);
  s->cap = capture_new(s->lab, LAB_CLIENT, lab_site(s->lab)->client_link, path, base, on_frame, s, why, sizeof why);
  if (!s->cap) {
    snprintf(err, errlen, "starting the capture: %s", why);
    return -1;
  }
  /* Where the client's traffic leaves its site: which router it went
   * through shows in uplink.pcap (Wireshark's), not in the checks. */
  const map_site_t *site = lab_site(s->lab);
  snprintf(path, sizeof path, "%s/uplink.pcap", out_dir);
  s->uplink = capture_new(s->lab, map_site_router(site), site->uplink, path, base, NULL, NULL, why, sizeof why);
  if (!s->uplink) {
    snprintf(err, errlen, "starting the capture of %s: %s", site->uplink, why);
    return -1;
  }
  overhead_add(s->cost, OH_CAPTURE, dur_now_us() - t0);
  return 0;
}

stage_t *stage_new(struct event_base *base, record_t *rec, overhead_t *cost, scenario_t *sc, const stage_opts_t *o,
                   char *err, size_t errlen) {
  stage_t *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errlen, "setting the stage: out of memory");
    return NULL;
  }
  s->rec = rec;
  s->cost = cost;
  if (build_lab(s, sc, err, errlen) < 0 || start_world(s, base, sc, o, err, errlen) < 0 ||
      start_capture(s, base, o->out_dir, err, errlen) < 0) {
    stage_free(s);
    return NULL;
  }
  return s;
}

void stage_end_capture(stage_t *s) {
  if (s && s->uplink) {
    capture_free(s->uplink);
    s->uplink = NULL;
  }
  if (!s || !s->cap) return;
  unsigned seen, dropped;
  capture_stats(s->cap, &seen, &dropped);
  capture_free(s->cap); /* drains the kernel's queue into the record first */
  s->cap = NULL;
  if (dropped) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddNumberToObject(f, "dropped", dropped);
    record_harness(s->rec, "capture.dropped", f);
  }
}

void stage_free(stage_t *s) {
  if (!s) return;
  stage_end_capture(s);
  wire_free(s->wire);
  world_free(s->world);
  lab_free(s->lab);
  free(s);
}

lab_t *stage_lab(const stage_t *s) { return s->lab; }
world_t *stage_world(const stage_t *s) { return s->world; }
wire_t *stage_wire(const stage_t *s) { return s->wire; }
capture_t *stage_capture(const stage_t *s) { return s->cap; }
