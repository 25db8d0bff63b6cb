/* faults: switches faults in the running world, whether a scenario step
 * asks (harness/steps.h) or a person does, through the control socket of a
 * served or kept world (bcsim fault; harness/control.h).
 *
 * Every switch is first a fault.on or fault.off event in the record, then
 * the world's change (sim/world/world.h), so an effect never precedes its
 * cause on the timeline. net.inject-rst is the harness's own: a forged RST
 * from the router for every live connection of the client to the target,
 * found in the wire decoder's view of the connections. */
#ifndef BC_FAULTS_H
#define BC_FAULTS_H
#include <cjson/cJSON.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness/control.h"
#include "harness/record.h"
#include "harness/scenario.h"
#include "harness/stage.h"

typedef struct faults faults_t;

/* Everything passed in must outlive it. NULL when out of memory. */
faults_t *faults_new(struct event_base *base, record_t *rec, stage_t *stage, const scenario_t *sc);
void faults_free(faults_t *f);

/* Switches action on or off for target (params: the action's, or NULL).
 * step_id and at_ms (when it was due) go into the event. config.* actions
 * only appear here: faults_config applied them before the client started.
 * 0, or -1 with err. */
int faults_switch(faults_t *f, const char *step_id, const char *action, const char *target, const cJSON *params,
                  bool on, int64_t at_ms, char *err, size_t errlen);
/* probe.dns: asks the target resolver, from the client's site router, for
 * the name of the party params.party names (default: the public web site).
 * 0, or -1 with err. */
int faults_probe_dns(faults_t *f, const char *step_id, const char *target, const cJSON *params, char *err,
                     size_t errlen);
/* A config.* action: rewrites the BC config before the client is handed it. 0, or -1 with err. */
int faults_config(faults_t *f, const char *action, char *err, size_t errlen);

/* Opens the lab to bcsim fault and bcsim exec: publishes <out_dir>/lab.json
 * (host_pid, the client host, where the client's files are) and takes
 * fault requests on <out_dir>/control.sock, checked against the catalogue
 * as a scenario's steps are. The caller frees it with control_free. NULL
 * with err on failure. */
control_t *faults_open_control(faults_t *f, struct event_base *base, const char *out_dir, pid_t host_pid, char *err,
                               size_t errlen);
#endif
