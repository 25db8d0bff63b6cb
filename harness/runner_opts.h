/* runner_opts: the lab process's own arguments (bcsim __lab ...), parsed
 * into one struct. bcsim run (harness/labs.c) and bcsim serve
 * (harness/cmd_world.c) write these arguments; nobody else does, so a bad
 * one is an internal error, not the user's. */
#ifndef BC_RUNNER_OPTS_H
#define BC_RUNNER_OPTS_H
#include <stdbool.h>
#include <stdint.h>

typedef struct runner_opts {
  const char *scenario, *profile; /* --scenario, --profile: files; both needed unless serve */
  const char *out;                /* --out: the scenario's out dir */
  const char *bindir;             /* --bindir: ${bindir} of the client profile */
  const char *tenant;             /* --tenant: a kept tenant (bcsim serve); NULL: fresh keys */
  const char *client_kind;        /* --client-kind: serve's client, "new" or "enrolled"; NULL: enrolled */
  const char *stop_when_fails;    /* --stop-when-fails: selftest's requirement; NULL: none */
  bool has_seed;                  /* --seed: replaces the scenario's */
  uint64_t seed;
  bool has_time_scale;            /* --time-scale: scales the scenario and the client's timers */
  double time_scale;
  bool network_only;              /* --levels network: judge the client on the wire alone */
  bool has_spawned_at;            /* --spawned-at: when bcsim run started the lab (monotonic us) */
  int64_t spawned_at_us;
  bool serve;                     /* --serve: a world for bcsim serve: no client, no timeline, no end */
  bool keep;                      /* --keep: a failed world stays up for bcsim shell */
  bool no_early_stop;             /* --no-early-stop: run every scenario to its declared end */
  bool ready;                     /* --ready-fd: bcsim run waits on SANDBOX_READY_FD for the set-up */
} runner_opts_t;

/* Parses argv, whose argv[0] is "__lab" (main's argv less "bcsim"). Fills *o
 * (whose strings point into argv) and returns 0, or -1 when an option is
 * unknown or a needed one is missing. */
int runner_opts_parse(int argc, char **argv, runner_opts_t *o);
#endif
