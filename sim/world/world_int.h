/* world_int: what the world's own files share (world.c builds and serves
 * the world, faults.c switches its faults). Not for anyone else. */
#ifndef BC_WORLD_INT_H
#define BC_WORLD_INT_H
#include <event2/event.h>

#include "sim/dns/dns_server.h"
#include "sim/dns/zone.h"
#include "sim/impair/impair.h"
#include "sim/lab/lab.h"
#include "sim/pki/pki.h"
#include "sim/svc/services.h"
#include "sim/svc/tls_ep.h"
#include "sim/world/map.h"
#include "sim/world/tenant.h"
#include "sim/world/world.h"

struct world {
  uint64_t seed;
  double time_scale; /* the world's own timeouts are multiplied by it (world_opts_t) */
  pki_cert_t *fault_certs[MAP_MAX_PARTIES][3]; /* certificates a certificate fault serves, one per name */
  pki_cert_t *rogue_ca;                  /* tls.untrusted-ca */
  pki_cert_t *impostor_ca;               /* tls.wrong-key: the BC SP CA's name, another key */
  struct event_base *base;
  lab_t *lab;
  world_log_fn log;
  void *log_arg;
  char bc_domain[128], cloud_domain[128];
  char config_path[600], state_dir[600], resolv_path[600], trust_path[600];
  tenant_t *tenant; /* the keys, the settings, the signed config */
  char device_token[64];
  const pki_cert_t *bc_ca, *cloud_ca; /* the tenant's */
  pki_cert_t *certs[MAP_MAX_PARTIES][3];
  svc_env_t env;
  svc_t svcs[MAP_MAX_PARTIES];
  tls_ep_t *eps[MAP_MAX_PARTIES];
  app_server_t *app;
  zone_t *zone, *public_zone;
  dns_server_t *dns, *public_dns;
  impair_t *impair; /* packet impairments on the wire (net.delay, net.loss, ...) */
};

/* Logs a service's event with the roles of the service and its peer; takes ownership of fields. */
void world_service_log(void *arg, const char *service, const char *type, cJSON *fields);
/* dns.spoof's forged answer, sent from the resolver's own address (the DNS server's spoofer). */
void world_on_spoof(void *arg, const dns_fault_spec_t *f, const char *client, uint16_t port, const uint8_t *query,
                    size_t qlen);
/* A whole-number parameter; 0 when the step leaves it out (every default is
 * in the fault table, map_param_t.def, and written into the step at load). */
int world_param_int(const cJSON *params, const char *key);
/* A duration parameter; 0 when the step leaves it out (every default duration is in the fault table, scaled). */
int64_t world_param_dur(const cJSON *params, const char *key);
/* The faults on the wire (faults_wire.c): net.delay, net.loss, net.reorder,
 * net.duplicate, net.rate, net.mtu-blackhole. 0, or -1 with err. */
int world_wire_fault(world_t *w, const map_fault_t *f, const char *target, const cJSON *params, bool on, char *err,
                     size_t errlen);
#endif
