/* world: one Business Continuity world, running inside a lab.
 *
 * It gives every party its addresses in the lab, issues the certificates,
 * serves DNS and the HTTPS services on the caller's libevent loop, and writes
 * what a client is handed at install time (the BC config file, its state dir)
 * plus the resolv.conf the client host uses.
 *
 * Which parties there are, where, with which addresses and names, is the
 * world's table (sim/world/map.h): the world starts one service per row.
 */
#ifndef BC_WORLD_H
#define BC_WORLD_H
#include <cjson/cJSON.h>
#include <event2/event.h>
#include <stdbool.h>

#include "sim/decode/wire.h"
#include "sim/dns/zone.h"
#include "sim/lab/lab.h"

typedef struct world world_t;

typedef struct world_opts {
  const char *bc_domain;
  const char *cloud_domain;
  const char *run_dir; /* where world/, state/ and resolv.conf are written */
  const char *tenant_dir; /* a kept tenant's keys (see tenant.h); NULL: fresh keys for this run */
  uint64_t seed;       /* for the world's random choices (loss) */
  int64_t pse_exit_after_ms, pse_exit_check_ms; /* the PSEs' exit signal; 0: never */
  /* --time-scale (0 means 1): the world's own timeouts follow it as the
   * scenario's times do (the client host's resolver, the site resolver's
   * upstream), so that a fault's scaled delay meets them as it did at 1. */
  double time_scale;
  bool enrolled;            /* the client already has an enrollment (else it is new) */
  bool new_user_enrollment; /* the admin allows new users to enroll through BC */
} world_opts_t;

/* Log sink for everything services see; takes ownership of fields. */
typedef void (*world_log_fn)(void *arg, const char *src, const char *type, cJSON *fields);

/* Builds the world in lab. NULL with err on failure. */
world_t *world_new(struct event_base *base, lab_t *lab, const world_opts_t *opts, world_log_fn log,
                   void *log_arg, char *err, size_t errlen);
void world_free(world_t *w);
/* The domains the world serves: the scenario's, or a kept tenant's own. */
const char *world_bc_domain(const world_t *w);
const char *world_cloud_domain(const world_t *w);
const char *world_config_path(const world_t *w);
const char *world_state_dir(const world_t *w);
const char *world_resolv_path(const world_t *w);
/* base64(SHA-256(DER SubjectPublicKeyInfo)) of the config signing key:
 * the admin portal's "Copy Thumbprint". */
const char *world_thumbprint(const world_t *w);
/* The public-cloud CA, standing for the client machine's trust store. */
const char *world_trust_store(const world_t *w);
/* config.tampered / config.wrong-signer: rewrites the BC config the client
 * will be handed. Call before the client starts. 0 or -1 with err. */
int world_config_fault(world_t *w, const char *action, char *err, size_t errlen);
/* Switches a catalogue action (dns.*, tls.*, net.*, svc.*) on or off for a
 * target: a party, a group (ses, pccs, pses) or a host (internet, cloud,
 * datacenter), or a link for net.link-down. 0, or -1 with err. */
int world_fault(world_t *w, const char *action, const char *target, const cJSON *params, bool on, char *err,
                size_t errlen);
/* The corporate resolver's zone: the names it answers for itself (bcsim
 * bench-dns serves the same names from another server). Owned by the world. */
const zone_t *world_resolver_zone(const world_t *w);
/* A party's DNS name under its domain. */
void world_party_fqdn(const world_t *w, const map_party_t *p, char *out, size_t len);
/* Every party: name, DNS name, lab host, addresses (a new array, for people). */
cJSON *world_describe(const world_t *w);
/* Every address of the world with its owner's name and role, for the wire
 * decoder (and world/parties.json, for bcsim rejudge). Returns how many. */
int world_wire_parties(const world_t *w, wire_party_t *out, int max);
#endif
