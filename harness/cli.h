/* cli: what the bcsim subcommands share: the exit codes (base/exit.h), where
 * the binaries and fixtures are, and small file helpers. Each subcommand lives in its own
 * cmd_*.c and is declared here. */
#ifndef BC_CLI_H
#define BC_CLI_H
#include <cjson/cJSON.h>
#include <limits.h>

#include "base/exit.h"
#include "harness/scenario.h"

#define MAX_SCENARIOS 512

extern char cli_bindir[PATH_MAX]; /* where bcsim and bcsim-client are */
extern char cli_srcdir[PATH_MAX]; /* the source tree: fixtures, scenarios, docs */

void cli_find_dirs(void);
/* mkdir -p. 0 or -1 (errno set). */
int cli_mkdirs(const char *path);
/* Copies the files and folders below from into to (created). 0 or -1. */
int cli_copy_tree(const char *from, const char *to);
/* Prints a subcommand's help text: to stdout with exit 0 for --help, else to stderr with exit 2. */
int cli_help(const char *text, int code);

/* strcmp for qsort over an array of strings. */
int cli_cmp_str(const void *a, const void *b);
/* Adds path, or every *.json below it (folders walked in sorted order), to
 * list (malloc'd strings, at most max). Problems are printed; -1 if any. */
int cli_collect_json(const char *path, char **list, int *n, int max);
/* Loads one scenario file with o (the requirement IDs to hold it to; may be
 * NULL), printing every error and warning with file:line:col. NULL if it
 * has an error. */
scenario_t *cli_load_scenario(const char *file, const scenario_opts_t *o);
/* Loads every scenario file named by args (files, or folders searched
 * recursively, in sorted order) into scs. Problems are printed with
 * file:line:col; returns -1 if there was any (exit 2), else 0. */
int cli_load_scenarios(int argc, char **argv, scenario_t **scs, int *n_sc);

int cmd_run(int argc, char **argv);      /* bcsim run */
int cmd_selftest(int argc, char **argv); /* bcsim selftest */
int cmd_validate(int argc, char **argv); /* bcsim validate */
int cmd_list(int argc, char **argv);     /* bcsim list */
/* The longest name of a kept world: a folder name, with room to spare under NAME_MAX. */
#define CLI_WORLD_NAME_MAX 64
/* <state>/worlds/<world>: a kept world's folder, the state dir chosen by
 * state_dir, else $BCSIM_STATE_DIR, $XDG_STATE_HOME/bcsim or
 * ~/.local/state/bcsim (created, 0700). Prints why and returns -1 on a bad name. */
int cli_world_dir(const char *state_dir, const char *world, char *out, size_t len);
/* Where bcsim keeps its state by default ($BCSIM_STATE_DIR, else
 * $XDG_STATE_HOME/bcsim, else ~/.local/state/bcsim), into out. 0, or -1 when
 * none of them is set. */
int cli_state_base(char *out, size_t len);

int cmd_serve(int argc, char **argv); /* bcsim serve */
int cmd_fault(int argc, char **argv); /* bcsim fault */
int cmd_exec(int argc, char **argv);  /* bcsim exec */
int cmd_shell(int argc, char **argv); /* bcsim shell */
struct tenant;
/* The Business Continuity page's rows (PCC DNS name, the two SNIs, the SP URL),
 * read from the settings the tenant signs, so the page shows what the config says. */
void cli_print_bc_settings(const struct tenant *t);

int cmd_report(int argc, char **argv); /* bcsim report merge */
int cmd_verify(int argc, char **argv); /* bcsim verify */
int cmd_rejudge(int argc, char **argv); /* bcsim rejudge */
int cmd_mutate(int argc, char **argv);  /* bcsim mutate */
int cmd_bc(int argc, char **argv);     /* bcsim bc show|download-config|thumbprint */
int cmd_bench_lab(int argc, char **argv);    /* bcsim bench-lab */
int cmd_bench_decode(int argc, char **argv); /* bcsim bench-decode */
int cmd_bench_dns(int argc, char **argv);    /* bcsim bench-dns */
/* The parts of bench-lab and bench-dns that run inside the sandbox. */
int bench_lab_inner(int n);
int bench_dns_inner(int argc, char **argv);
#endif
