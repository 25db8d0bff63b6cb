#include "harness/runner_opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int runner_opts_parse(int argc, char **argv, runner_opts_t *o) {
  static const struct option opts[] = {{"scenario", required_argument, 0, 's'},
                                       {"time-scale", required_argument, 0, 'T'},
                                       {"seed", required_argument, 0, 'S'},
                                       {"profile", required_argument, 0, 'p'},
                                       {"out", required_argument, 0, 'o'},
                                       {"bindir", required_argument, 0, 'b'},
                                       {"tenant", required_argument, 0, 't'},
                                       {"client-kind", required_argument, 0, 'k'},
                                       {"levels", required_argument, 0, 'L'},
                                       {"serve", no_argument, 0, 'V'},
                                       {"keep", no_argument, 0, 'K'},
                                       {"no-early-stop", no_argument, 0, 'E'},
                                       {"spawned-at", required_argument, 0, 'A'},
                                       {"ready-fd", no_argument, 0, 'R'},
                                       {"stop-when-fails", required_argument, 0, 'F'},
                                       {0, 0, 0, 0}};
  runner_opts_t a = {0};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's') a.scenario = optarg;
    else if (c == 'p') a.profile = optarg;
    else if (c == 'o') a.out = optarg;
    else if (c == 'b') a.bindir = optarg;
    else if (c == 'S') a.has_seed = true, a.seed = strtoull(optarg, NULL, 10);
    else if (c == 'T') a.has_time_scale = true, a.time_scale = strtod(optarg, NULL);
    else if (c == 't') a.tenant = optarg;
    else if (c == 'k') a.client_kind = optarg;
    else if (c == 'L') a.network_only = strcmp(optarg, "network") == 0; /* levels can only narrow */
    else if (c == 'V') a.serve = true;
    else if (c == 'K') a.keep = true;
    else if (c == 'E') a.no_early_stop = true;
    else if (c == 'A') a.has_spawned_at = true, a.spawned_at_us = strtoll(optarg, NULL, 10);
    else if (c == 'R') a.ready = true;
    else if (c == 'F') a.stop_when_fails = optarg;
    else return -1;
  }
  if (!a.out || !a.bindir || (!a.serve && (!a.scenario || !a.profile))) return -1;
  *o = a;
  return 0;
}
