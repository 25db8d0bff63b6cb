/* bcsim serve, fault, exec, shell: a world by hand.
 *
 * serve keeps a world up (in a lab like a scenario's) until Ctrl-C; fault
 * switches a catalogue fault in it from another terminal; exec and shell run
 * a command in its client host, as powerless as a client under test. exec,
 * shell and fault also reach a failed lab kept by `bcsim run --keep`. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/files.h"
#include "harness/catalogue.h"
#include "harness/cli.h"
#include "harness/control.h"
#include "sim/lab/sandbox.h"
#include "sim/world/tenant.h"

static const char serve_help[] =
    "usage: bcsim serve [--world W] [--state-dir DIR] [--client-kind enrolled|new] [--bc-domain D]\n"
    "\n"
    "Brings world W up in a lab of its own and keeps it up until Ctrl-C, for\n"
    "trying a client by hand. It prints the parties and their addresses, the BC\n"
    "settings, the config path and the thumbprint. The world's keys are those of\n"
    "`bcsim bc ... --world W`, so a config downloaded there works here.\n"
    "From another terminal:\n"
    "  bcsim fault on|off NAME [TARGET] --world W   switch a fault (bcsim list --actions)\n"
    "  bcsim exec --world W -- CMD...                run CMD in the client host\n"
    "  bcsim shell --world W                         a shell in the client host\n"
    "\n"
    "  --client-kind  enrolled (default: the client host holds an enrollment) or new\n"
    "  --bc-domain    the BC domain, for a world made now (default: bc.example.com)\n"
    "\n"
    "exit codes: 0 stopped with Ctrl-C, 2 bad input, 3 the world could not be brought up\n";

static const char fault_help[] =
    "usage: bcsim fault on|off NAME [TARGET] [--param KEY=VALUE]... [--world W | --lab DIR]\n"
    "\n"
    "Switches a fault of the catalogue (bcsim list --actions) in a served world,\n"
    "or in a lab kept by bcsim run --keep (--lab out/SCENARIO). TARGET may be left\n"
    "out when the fault has only one. The fault and its switching appear in the\n"
    "world's events.jsonl and capture like a scenario step's.\n"
    "\n"
    "  bcsim fault on net.blackhole internet\n"
    "  bcsim fault on dns.slow dns --param delay=2s\n"
    "\n"
    "exit codes: 0 switched, 1 the lab refused it, 2 bad input, 3 no running lab\n";

static const char exec_help[] =
    "usage: bcsim exec [--world W | --lab DIR] -- CMD [ARG...]\n"
    "       bcsim shell [--world W | --lab DIR]\n"
    "\n"
    "shell is exec of $SHELL -i (or /bin/sh -i).\n"
    "\n"
    "Runs CMD (or an interactive shell) in the client host of a served world or a\n"
    "lab kept by bcsim run --keep, with this terminal. It runs as a client under\n"
    "test does: in the lab's network, with the lab's resolv.conf, and without\n"
    "capabilities. The environment names what a client needs: BCSIM_CONFIG (the\n"
    "signed BC config), BCSIM_THUMBPRINT, BCSIM_STATE_DIR, BCSIM_TRUST_STORE.\n"
    "\n"
    "exit codes: the command's, 2 bad input, 3 no running lab\n";

static volatile sig_atomic_t stop_requested;
static void on_stop(int sig) { stop_requested = 1; }

typedef struct where {
  const char *world, *state, *lab, *domain, *kind;
} where_t;

/* --world/--state-dir/--lab and friends; returns the index of the first other argument, or -1. */
static int parse_where(int argc, char **argv, where_t *w, const char *help, const char **params, int *n_params,
                       bool stop_at_operand) {
  enum { OPT_WORLD = 256, OPT_STATE, OPT_LAB, OPT_DOMAIN, OPT_KIND, OPT_PARAM };
  static const struct option opts[] = {{"world", required_argument, 0, OPT_WORLD},
                                       {"state-dir", required_argument, 0, OPT_STATE},
                                       {"lab", required_argument, 0, OPT_LAB},
                                       {"bc-domain", required_argument, 0, OPT_DOMAIN},
                                       {"client-kind", required_argument, 0, OPT_KIND},
                                       {"param", required_argument, 0, OPT_PARAM},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  int c;
  optind = 1;
  /* exec stops at the first operand, so its command keeps its own options. */
  while ((c = getopt_long(argc, argv, stop_at_operand ? "+h" : "h", opts, NULL)) != -1) {
    if (c == OPT_WORLD) w->world = optarg;
    else if (c == OPT_STATE) w->state = optarg;
    else if (c == OPT_LAB) w->lab = optarg;
    else if (c == OPT_DOMAIN) w->domain = optarg;
    else if (c == OPT_KIND) w->kind = optarg;
    else if (c == OPT_PARAM && params && *n_params < 16) params[(*n_params)++] = optarg;
    else {
      cli_help(help, c == 'h' ? EXIT_PASS : EXIT_USAGE);
      return c == 'h' ? -2 : -1;
    }
  }
  return optind;
}

/* The folder of the running lab: a kept lab's, or world W's serve folder. */
static int lab_dir(const where_t *w, char *out, size_t len) {
  if (w->lab) {
    snprintf(out, len, "%s", w->lab);
    return 0;
  }
  char dir[PATH_MAX];
  if (cli_world_dir(w->state, w->world, dir, sizeof dir) < 0) return -1;
  snprintf(out, len, "%s/serve", dir);
  return 0;
}

static void print_world(const char *world, const tenant_t *t, const cJSON *info) {
  printf("World \"%s\" is up. Ctrl-C stops it.\n\nParties (lab host, DNS name, addresses):\n", world);
  const cJSON *parties = cJSON_GetObjectItemCaseSensitive(info, "parties");
  for (const cJSON *p = parties ? parties->child : NULL; p; p = p->next)
    printf("  %-10s %-10s %-28s %-15s %s\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "name")),
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "host")),
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "dns_name")),
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "v4")),
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "v6")));
  printf("\nBusiness Continuity:\n");
  cli_print_bc_settings(t);
  static const char *const files[][2] = {{"config", "BC config"},
                                         {"thumbprint", "Thumbprint"},
                                         {"trust_store", "Cloud CA (trust store)"},
                                         {"state_dir", "Client state dir"},
                                         {"out_dir", "Events and capture"}};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    printf("  %-28s %s\n", files[i][1], cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(info, files[i][0])));
  printf("\nFrom another terminal:\n  bcsim exec --world %s -- CMD...\n  bcsim shell --world %s\n"
         "  bcsim fault on net.blackhole internet --world %s\n",
         world, world, world);
  fflush(stdout);
}

/* How long bcsim serve waits for its world to come up: a lab sets up in a second or two, ten
 * times that on a loaded machine; past this it is stuck, and its lab.log says why. */
#define SERVE_UP_MS 30000
/* How long a served world gets to write its events after SIGTERM before it is killed with
 * everything in it. */
#define SERVE_STOP_GRACE_MS 10000

int cmd_serve(int argc, char **argv) {
  where_t w = {.world = "default", .domain = SC_DEFAULT_BC_DOMAIN, .kind = "enrolled"};
  int first = parse_where(argc, argv, &w, serve_help, NULL, NULL, false);
  if (first < 0) return first == -2 ? 0 : EXIT_USAGE;
  if (first != argc || w.lab || (strcmp(w.kind, "enrolled") != 0 && strcmp(w.kind, "new") != 0))
    return cli_help(serve_help, EXIT_USAGE);
  char dir[PATH_MAX], run_dir[PATH_MAX + 16], err[PATH_MAX + 128], path[PATH_MAX + 32];
  if (cli_world_dir(w.state, w.world, dir, sizeof dir) < 0) return EXIT_USAGE;
  tenant_t *t = tenant_open(dir, w.domain, SC_DEFAULT_CLOUD_DOMAIN, err, sizeof err);
  if (!t) {
    fprintf(stderr, "error: %s\n", err);
    return EXIT_ENV;
  }
  snprintf(run_dir, sizeof run_dir, "%s/serve", dir);
  snprintf(path, sizeof path, "%s/lab.json", run_dir);
  cJSON *old = files_read_json(path);
  const cJSON *old_pid = cJSON_GetObjectItemCaseSensitive(old, "pid");
  if (cJSON_IsNumber(old_pid) && kill(old_pid->valueint, 0) == 0) {
    fprintf(stderr, "error: world \"%s\" is already served (lab pid %d)\n  hint: stop that bcsim serve first\n", w.world,
            old_pid->valueint);
    cJSON_Delete(old);
    tenant_free(t);
    return EXIT_USAGE;
  }
  cJSON_Delete(old);
  unlink(path);
  int code = EXIT_ENV;
  pid_t pid = -1;
  cJSON *info = NULL;
  if (cli_mkdirs(run_dir) < 0) {
    fprintf(stderr, "%s: error: cannot create it: %s\n", run_dir, strerror(errno));
    goto out;
  }
  struct sigaction sa = {.sa_handler = on_stop};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  char log[PATH_MAX + 32], *lab_argv[] = {"bcsim", "__lab", "--serve", "--tenant", dir, "--out", run_dir, "--bindir",
                                          cli_bindir, "--client-kind", (char *)w.kind, NULL};
  snprintf(log, sizeof log, "%s/lab.log", run_dir);
  unlink(log);
  pid = sandbox_start(lab_argv, log);
  if (pid < 0) {
    fprintf(stderr, "error: cannot start the lab: %s\n", strerror(errno));
    goto out;
  }
  /* Up when the lab publishes itself; a lab that dies first says why in its log. */
  for (int waited = 0; !(info = files_read_json(path)) && !stop_requested; waited += 20) {
    int lab_code;
    bool exited = sandbox_poll(pid, &lab_code);
    if (exited || waited > SERVE_UP_MS) {
      char *text = files_read(log, FILES_INPUT_MAX, NULL);
      char within[32] = "";
      if (!exited) snprintf(within, sizeof within, " within %d s", SERVE_UP_MS / 1000);
      fprintf(stderr, "error: the world did not come up%s: %s\n", within, text ? text : "(no lab.log)");
      free(text);
      if (exited) pid = -1; /* reaped: nothing left to stop */
      goto out;
    }
    struct timespec nap = {0, 20 * 1000000};
    nanosleep(&nap, NULL);
  }
  if (info) print_world(w.world, t, info);
  int lab_code = 0;
  while (!stop_requested) {
    if (sandbox_poll(pid, &lab_code)) {
      fprintf(stderr, "error: the lab stopped by itself (exit %d); see %s\n", lab_code, log);
      pid = -1;
      goto out;
    }
    struct timespec nap = {0, 100 * 1000000};
    nanosleep(&nap, NULL);
  }
  code = EXIT_PASS;
out:
  if (pid > 0) {
    /* The lab writes its events on SIGTERM; past SERVE_STOP_GRACE_MS it is killed with everything in it. */
    sandbox_signal(pid, SIGTERM);
    sandbox_wait(pid, SERVE_STOP_GRACE_MS);
    if (code == EXIT_PASS) printf("\nworld \"%s\" stopped; its events are in %s/events.jsonl\n", w.world, run_dir);
  }
  cJSON_Delete(info);
  tenant_free(t);
  return code;
}

int cmd_fault(int argc, char **argv) {
  where_t w = {.world = "default"};
  const char *params[16];
  int n_params = 0;
  int first = parse_where(argc, argv, &w, fault_help, params, &n_params, false);
  if (first < 0) return first == -2 ? 0 : EXIT_USAGE;
  int n_ops = argc - first;
  char **ops = argv + first;
  if (n_ops < 2 || n_ops > 3 || (strcmp(ops[0], "on") != 0 && strcmp(ops[0], "off") != 0))
    return cli_help(fault_help, EXIT_USAGE);
  const cat_action_t *a = cat_find(ops[1]);
  if (!a || !cat_switchable(a)) {
    fprintf(stderr, "error: \"%s\" is not a fault that can be switched in a running world\n"
                    "  hint: bcsim list --actions (config.* and probe.app belong to scenarios)\n",
            ops[1]);
    return EXIT_USAGE;
  }
  char target[64];
  if (n_ops == 3) snprintf(target, sizeof target, "%s", ops[2]);
  else if (!strchr(a->targets, ',')) snprintf(target, sizeof target, "%s", a->targets);
  else {
    fprintf(stderr, "error: %s needs a target\n  hint: one of %s\n", a->name, a->targets);
    return EXIT_USAGE;
  }
  if (!cat_target_allowed(a, target)) {
    fprintf(stderr, "error: %s cannot target \"%s\"\n  hint: one of %s\n", a->name, target, a->targets);
    return EXIT_USAGE;
  }
  cJSON *req = cJSON_CreateObject(), *p = cJSON_AddObjectToObject(req, "params");
  cJSON_AddStringToObject(req, "fault", a->name);
  cJSON_AddStringToObject(req, "target", target);
  cJSON_AddBoolToObject(req, "on", strcmp(ops[0], "on") == 0);
  int code = EXIT_USAGE;
  for (int i = 0; i < n_params; i++) {
    const char *eq = strchr(params[i], '=');
    char key[64];
    snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - params[i]) : 0, params[i]);
    const cat_param_t *cp = eq ? cat_param(a, key) : NULL;
    if (!cp) {
      fprintf(stderr, "error: --param %s: %s has no such parameter\n  hint: bcsim list --json shows each fault's parameters\n",
              params[i], a->name);
      goto out;
    }
    if (cp->type == CAT_INT) {
      char *end = NULL;
      long v = strtol(eq + 1, &end, 10);
      if (!eq[1] || *end) {
        fprintf(stderr, "error: --param %s: a whole number, please\n", params[i]);
        goto out;
      }
      cJSON_AddNumberToObject(p, key, (double)v);
    } else {
      cJSON_AddStringToObject(p, key, eq + 1);
    }
  }
  char dir[PATH_MAX], err[PATH_MAX + 128];
  code = EXIT_ENV;
  if (lab_dir(&w, dir, sizeof dir) < 0) {
    code = EXIT_USAGE;
    goto out;
  }
  cJSON *ans = control_request(dir, req, err, sizeof err);
  if (!ans) {
    fprintf(stderr, "error: %s\n  hint: start one with bcsim serve, or keep a failed lab with bcsim run --keep\n", err);
    goto out;
  }
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "ok"))) {
    printf("fault %s: %s %s\n", ops[0], a->name, target);
    code = EXIT_PASS;
  } else {
    fprintf(stderr, "error: the lab refused it: %s\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ans, "error")));
    code = EXIT_FAIL;
  }
  cJSON_Delete(ans);
out:
  cJSON_Delete(req);
  return code;
}

static int exec_in(const where_t *w, char *const *cmd) {
  char dir[PATH_MAX], err[PATH_MAX + 128];
  if (lab_dir(w, dir, sizeof dir) < 0) return EXIT_USAGE;
  fflush(stdout);
  int rc = control_exec(dir, cmd, err, sizeof err);
  if (rc < 0) {
    fprintf(stderr, "error: %s\n  hint: start one with bcsim serve, or keep a failed lab with bcsim run --keep\n", err);
    return EXIT_ENV;
  }
  return rc;
}

int cmd_exec(int argc, char **argv) {
  where_t w = {.world = "default"};
  int first = parse_where(argc, argv, &w, exec_help, NULL, NULL, true);
  if (first < 0) return first == -2 ? 0 : EXIT_USAGE;
  if (first < argc && strcmp(argv[first], "--") == 0) first++;
  if (first >= argc) {
    fprintf(stderr, "error: no command given\n  hint: bcsim exec -- getent hosts any2bcp.bc.example.com\n");
    return EXIT_USAGE;
  }
  return exec_in(&w, argv + first);
}

int cmd_shell(int argc, char **argv) {
  where_t w = {.world = "default"};
  int first = parse_where(argc, argv, &w, exec_help, NULL, NULL, true);
  if (first < 0) return first == -2 ? 0 : EXIT_USAGE;
  if (first != argc) return cli_help(exec_help, EXIT_USAGE);
  const char *sh = getenv("SHELL");
  char *cmd[] = {(char *)(sh && *sh ? sh : "/bin/sh"), "-i", NULL};
  printf("bcsim: a shell in the client host (no capabilities); $BCSIM_CONFIG is the BC config. exit leaves it.\n");
  return exec_in(&w, cmd);
}
