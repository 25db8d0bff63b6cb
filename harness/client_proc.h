/* client_proc: the client under test and its probes, as processes of the
 * lab's client host.
 *
 * The client profile's argv templates (harness/profile.h) are filled in
 * with this run's values and spawned powerless in the client host
 * (sim/lab/spawn.h). The client's output goes to <out_dir>/client.log,
 * capped (sim/lab/clientlog.h); a probe's output, its exit code and whether
 * it timed out become its probe.result event. client.start, client.exit,
 * client.kill, probe.start and probe.result go into the record. */
#ifndef BC_CLIENT_PROC_H
#define BC_CLIENT_PROC_H
#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/profile.h"
#include "harness/record.h"
#include "harness/scenario.h"
#include "harness/stage.h"

typedef struct client_proc client_proc_t;

typedef struct client_proc_opts {
  const scenario_t *sc;
  const profile_t *prof; /* NULL: no client (bcsim serve) */
  const char *bindir;    /* ${bindir} */
  const char *out_dir;   /* where client.log goes */
} client_proc_opts_t;

/* Nothing runs yet. Everything passed in must outlive it. NULL when out of memory. */
client_proc_t *client_proc_new(struct event_base *base, record_t *rec, stage_t *stage, const client_proc_opts_t *o);
/* Frees, and stops watching probes that still run. Processes that still run
 * die with the lab (its PID 1 is this process). */
void client_proc_free(client_proc_t *cp);

/* Starts the client. 0, or -1 with err. */
int client_proc_start(client_proc_t *cp, char *err, size_t errlen);
/* Runs the profile's probe for step (probe.app) and watches it on the loop.
 * A profile without a probe command is a failed probe.result, not an error.
 * 0, or -1 with err when the harness could not run it. */
int client_proc_probe(client_proc_t *cp, const sc_step_t *step, char *err, size_t errlen);
/* Collects every child that ended (as PID 1, also those the client left
 * behind), recording the client's and the probes' ends. For SIGCHLD. */
void client_proc_reap(client_proc_t *cp);
/* The end of the play: the client gets SIGTERM and a grace period, then
 * SIGKILL (client.kill); client.log takes what the pipe holds; probes still
 * running are killed and reported as timed out. */
void client_proc_stop(client_proc_t *cp);

/* Bytes the client wrote to client.log in all, and bytes cut by its cap (0 for NULL). */
uint64_t client_proc_log_written(const client_proc_t *cp);
uint64_t client_proc_log_cut(const client_proc_t *cp);
#endif
