#include "harness/faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strv.h"
#include "harness/catalogue.h"
#include "harness/dnsprobe.h"
#include "sim/inject/inject.h"

#define MAX_FLOWS 128 /* live connections to one address that net.inject-rst resets */

struct faults {
  record_t *rec;
  stage_t *stage;
  dnsprobe_t *dns_probes;
  const scenario_t *sc;
  int n_manual; /* faults switched through the control socket, for their ids */
};

faults_t *faults_new(struct event_base *base, record_t *rec, stage_t *stage, const scenario_t *sc) {
  faults_t *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  f->rec = rec;
  f->stage = stage;
  f->sc = sc;
  f->dns_probes = dnsprobe_new(base, rec, stage_lab(stage), sc->time_scale);
  if (!f->dns_probes) {
    free(f);
    return NULL;
  }
  return f;
}

void faults_free(faults_t *f) {
  if (!f) return;
  dnsprobe_free(f->dns_probes);
  free(f);
}

int faults_probe_dns(faults_t *f, const char *step_id, const char *target, const cJSON *params, char *err,
                     size_t errlen) {
  const map_party_t *resolver = map_party(target);
  const char *asked = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "party"));
  const map_party_t *party = asked ? map_party(asked) : NULL; /* the loader wrote in the table's default */
  lab_t *lab = stage_lab(f->stage);
  char qname[300];
  if (!resolver || !party) {
    snprintf(err, errlen, "probe.dns: no party is called \"%s\"", resolver ? (asked ? asked : "") : target);
    return -1;
  }
  world_party_fqdn(stage_world(f->stage), party, qname, sizeof qname);
  return dnsprobe_start(f->dns_probes, step_id, map_site_router(lab_site(lab)), resolver->name, resolver->v4, qname,
                        err, errlen);
}

/* One forged RST, and its inject.rst event. 0 or -1 with err. */
static int reset_conn(faults_t *f, const wire_conn_t *c, const char *party, char *err, size_t errlen) {
  if (inject_tcp_rst(stage_lab(f->stage), map_site_router(lab_site(stage_lab(f->stage))), c->server, c->sport, c->client, c->cport, c->server_next_seq,
                     err, errlen) < 0)
    return -1;
  cJSON *e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "src", c->server);
  cJSON_AddStringToObject(e, "dst", c->client);
  cJSON_AddNumberToObject(e, "sport", c->sport);
  cJSON_AddNumberToObject(e, "dport", c->cport);
  cJSON_AddStringToObject(e, "target", party);
  record_harness(f->rec, "inject.rst", e);
  wire_conn_closed(stage_wire(f->stage), c);
  return 0;
}

/* net.inject-rst: a forged RST, from the router, for every live connection to the target. */
static int inject_rst(faults_t *f, const char *target, char *err, size_t errlen) {
  map_target_set_t set;
  int n = map_target_parties(target, &set), sent = 0;
  for (int k = 0; k < n; k++) {
    const char *addrs[2] = {set.parties[k]->v4, set.parties[k]->v6};
    for (int a = 0; a < 2; a++) {
      wire_conn_t conns[MAX_FLOWS];
      int live = wire_live_conns(stage_wire(f->stage), addrs[a], conns, MAX_FLOWS);
      for (int i = 0; i < live; i++, sent++)
        if (reset_conn(f, &conns[i], set.parties[k]->name, err, errlen) < 0) return -1;
    }
  }
  if (sent == 0) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "target", target);
    cJSON_AddStringToObject(e, "message", "no live connection of the client to the target: nothing to reset");
    record_harness(f->rec, "inject.none", e);
  }
  return 0;
}

int faults_switch(faults_t *f, const char *step_id, const char *action, const char *target, const cJSON *params,
                  bool on, int64_t at_ms, char *err, size_t errlen) {
  /* The event first: an action's effects (an injected RST, say) must not
   * appear on the timeline before the action that caused them. */
  cJSON *e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "step", step_id);
  cJSON_AddStringToObject(e, "name", action);
  cJSON_AddStringToObject(e, "target", target);
  cJSON_AddNumberToObject(e, "at_ms", (double)at_ms);
  if (params && params->child) cJSON_AddItemToObject(e, "params", cJSON_Duplicate(params, 1));
  record_harness(f->rec, on ? "fault.on" : "fault.off", e);
  /* Whose fault it is, the world's fault table says. */
  const map_fault_t *row = map_fault(action);
  if (row && row->handler == FAULT_INJECT_RST) return on ? inject_rst(f, target, err, errlen) : 0;
  if (row && row->handler == FAULT_CONFIG) return 0; /* applied before the client started */
  return world_fault(stage_world(f->stage), action, target, params, on, err, errlen);
}

int faults_config(faults_t *f, const char *action, char *err, size_t errlen) {
  return world_config_fault(stage_world(f->stage), action, err, errlen);
}

/* ---- a person's faults, through the control socket ---- */

static const char *domain_var(void *arg, const char *name) {
  const faults_t *f = arg;
  return strcmp(name, "bc_domain") == 0 ? f->sc->bc_domain : strcmp(name, "cloud_domain") == 0 ? f->sc->cloud_domain : NULL;
}

/* A fault from the control socket (bcsim fault): checked as a scenario step would be. */
static int manual_fault(void *arg, const char *name, const char *target, const cJSON *params, bool on, char *err,
                        size_t errlen) {
  faults_t *f = arg;
  const cat_action_t *a = cat_find(name);
  if (!a || !cat_switchable(a)) {
    snprintf(err, errlen, "\"%s\" is not a fault that can be switched in a running world", name);
    return -1;
  }
  if (!cat_target_allowed(a, target)) {
    snprintf(err, errlen, "%s takes the targets %s, not \"%s\"", name, a->targets, target);
    return -1;
  }
  cJSON *p = params ? cJSON_Duplicate(params, 1) : cJSON_CreateObject();
  if (!p || !cat_fill_defaults(a, p)) {
    snprintf(err, errlen, "out of memory");
    cJSON_Delete(p);
    return -1;
  }
  for (cJSON *it = p->child; it; it = it->next) {
    if (!cat_param(a, it->string)) {
      snprintf(err, errlen, "%s has no parameter \"%s\"", name, it->string);
      cJSON_Delete(p);
      return -1;
    }
    char *x = cJSON_IsString(it) ? strv_expand(it->valuestring, domain_var, f, NULL, 0) : NULL;
    if (x) cJSON_SetValuestring(it, x);
    free(x);
  }
  char id[32];
  snprintf(id, sizeof id, "manual-%d", ++f->n_manual);
  int rc = faults_switch(f, id, name, target, p, on, record_now(f->rec) / 1000, err, errlen);
  cJSON_Delete(p);
  return rc;
}

control_t *faults_open_control(faults_t *f, struct event_base *base, const char *out_dir, pid_t host_pid, char *err,
                               size_t errlen) {
  char why[512];
  world_t *world = stage_world(f->stage);
  cJSON *info = cJSON_CreateObject();
  cJSON_AddStringToObject(info, "config", world_config_path(world));
  cJSON_AddStringToObject(info, "thumbprint", world_thumbprint(world));
  cJSON_AddStringToObject(info, "state_dir", world_state_dir(world));
  cJSON_AddStringToObject(info, "resolv_conf", world_resolv_path(world));
  cJSON_AddStringToObject(info, "trust_store", world_trust_store(world));
  cJSON_AddStringToObject(info, "bc_domain", f->sc->bc_domain);
  cJSON_AddStringToObject(info, "out_dir", out_dir);
  cJSON_AddItemToObject(info, "parties", world_describe(world));
  control_t *c = control_new(base, out_dir, host_pid, lab_netns_fd(stage_lab(f->stage), LAB_CLIENT), info, manual_fault,
                             f, why, sizeof why);
  if (!c) snprintf(err, errlen, "opening the lab to bcsim exec and fault: %s", why);
  cJSON_Delete(info);
  return c;
}
