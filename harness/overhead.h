/* overhead: what one scenario run costs besides the scenario's own waiting.
 *
 * The runner times each of its phases (starting the lab process, building
 * the lab, starting the world, the capture and the client, decoding frames,
 * stopping the client, judging, writing the outputs) and records them in
 * events.jsonl (harness.overhead) and in result.json ("overhead"), so a slow
 * suite says where its time went. Pure: the caller reads the clock. */
#ifndef BC_OVERHEAD_H
#define BC_OVERHEAD_H
#include <cjson/cJSON.h>
#include <stdint.h>

typedef enum {
  OH_SPAWN,   /* from bcsim run starting the lab process to the lab's first instruction */
  OH_LAB,     /* namespaces, links, addresses, routes */
  OH_PKI,     /* keys and certificates (the world's, and those its faults issue) */
  OH_WORLD,   /* the rest of the world: services, DNS, the client's files */
  OH_CAPTURE, /* the capture and the wire decoder */
  OH_CLIENT,  /* spawning the client */
  OH_DECODE,  /* turning frames into events, during the run */
  OH_STOP,    /* stopping the client and draining the capture */
  OH_CHECKS,  /* judging */
  OH_OUTPUTS, /* writing events.jsonl and the outputs before result.json */
  OH_N
} oh_phase_t;

typedef struct overhead {
  int64_t us[OH_N];
} overhead_t;

void overhead_add(overhead_t *o, oh_phase_t phase, int64_t us);
/* {"spawn_ms": .., "lab_ms": .., ..., "total_ms": ..}: the phases and their sum. */
cJSON *overhead_json(const overhead_t *o);
#endif
