/* stage: the lab a scenario plays in, and what watches it.
 *
 * Builds the lab's network (sim/lab), starts the world in it (sim/world),
 * bind-mounts the world's resolv.conf over /etc/resolv.conf, and captures
 * the client's interface into <out_dir>/capture.pcap, where every frame also
 * goes through the wire decoder (sim/decode/wire.h) into the record. The
 * decoder's party table is written to <out_dir>/world/parties.json, so
 * bcsim rejudge names addresses as the run did. */
#ifndef BC_STAGE_H
#define BC_STAGE_H
#include <event2/event.h>
#include <stddef.h>

#include "harness/overhead.h"
#include "harness/record.h"
#include "harness/scenario.h"
#include "sim/capture/capture.h"
#include "sim/decode/wire.h"
#include "sim/lab/lab.h"
#include "sim/world/world.h"

typedef struct stage stage_t;

typedef struct stage_opts {
  const char *out_dir;    /* the scenario's out dir */
  const char *tenant_dir; /* a kept tenant (bcsim serve); NULL: fresh keys */
} stage_opts_t;

/* Sets the stage for sc on base. Emits lab.ready, and the world's and the
 * wire's events from then on, into rec; adds the phases' times to cost (both
 * must outlive the stage). A kept tenant brings its own domains: they
 * replace sc's bc_domain and cloud_domain, so that ${bc_domain} is the
 * world's. NULL with err on failure (nothing is left behind). */
stage_t *stage_new(struct event_base *base, record_t *rec, overhead_t *cost, scenario_t *sc, const stage_opts_t *o,
                   char *err, size_t errlen);
/* Stops the capture after reading what the kernel still holds (so the
 * record has every frame), and records capture.dropped if the kernel lost
 * some. Nothing if it is already stopped. */
void stage_end_capture(stage_t *s);
/* Stops the capture if it still runs, then frees the world and the lab.
 * Before the event base is freed. */
void stage_free(stage_t *s);

/* What the stage holds (owned by it). The capture is NULL once ended. */
lab_t *stage_lab(const stage_t *s);
world_t *stage_world(const stage_t *s);
wire_t *stage_wire(const stage_t *s);
capture_t *stage_capture(const stage_t *s);
#endif
