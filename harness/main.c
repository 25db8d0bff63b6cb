/* bcsim: the command line; each subcommand is in a cmd_*.c of its own.
 *
 * Every input is loaded and validated before any lab is built, so bad input
 * costs nothing and exits 2. Each scenario then runs in a lab of its own (a
 * sandboxed re-execution of this binary, see sim/lab/sandbox.h), and this
 * process collects their results into <out>/report.json. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "harness/catalogue.h"
#include "harness/cli.h"
#include "harness/profile.h"
#include "harness/runner.h"
#include "harness/vendor.h"
#include "harness/scenario.h"
#include "reports/certificate.h"
#include "reports/outputs.h"
#include "harness/buildinfo.h"
#include "reports/report_json.h"
#include "sim/base/strv.h"
#include "sim/base/dur.h"
#include "sim/lab/lab.h"
#include "sim/lab/sandbox.h"

static void usage(FILE *to) {
  fprintf(to,
          "usage: bcsim COMMAND [options]   (bcsim COMMAND --help for each; man bcsim for all)\n"
          "       bcsim --version\n"
          "\n"
          "Testing a client:\n"
          "  run        play scenarios against a client; write report.json, junit.xml, report.html\n"
          "  selftest   the reference client passes everything, every defect profile is caught;\n"
          "             with SCENARIO...: which defects those scenarios catch, and by which check\n"
          "  validate   check scenario, client profile and vendor profile files without running them\n"
          "  list       scenarios, tags, requirements, faults, events (--json, --actions, --events, --requirements)\n"
          "Reports:\n"
          "  report     merge shard outputs (report merge), print verdicts (report verdicts)\n"
          "  verify     check a signed certificate.json: signature, hashes (--root, --strict), consistency\n"
          "  rejudge    derive a run's events again from its evidence and judge them again\n"
          "  mutate     prove each check of a run can fail: take its evidence away, or add a violation\n"
          "The world, by hand:\n"
          "  bc         the Business Continuity page: show, download-config, thumbprint\n"
          "  serve      bring a world up and keep it up\n"
          "  fault      switch a fault on or off in a served world\n"
          "  exec       run a command inside the client host of a served world or kept lab\n"
          "  shell      a shell inside the client host of a served world or kept lab\n"
          "Tooling:\n"
          "  bench-lab  time building and tearing down the lab\n"
          "\n"
          "exit codes: 0 all pass, 1 conformance failure, 2 bad input or usage,\n"
          "            3 harness or environment error, 4 pass-with-waivers (MUST requirements\n"
          "            waived by the vendor profile; for verify: partial), 130 interrupted\n");
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Inside the sandbox: builds and tears down the lab n times, and prints
 * the distribution. Teardown is the time to let go of the namespaces; the
 * kernel frees them asynchronously afterwards. */
static int labbench_inner(int n) {
  double setup[1000], teardown[1000], total[1000];
  char err[512];
  if (n < 1 || n > 1000) return EXIT_USAGE;
  for (int i = 0; i < n; i++) {
    int64_t t0 = dur_now_us();
    lab_t *lab = lab_new(err, sizeof err);
    int64_t t1 = dur_now_us();
    if (!lab) {
      fprintf(stderr, "bench-lab: %s\n", err);
      return EXIT_ENV;
    }
    lab_free(lab);
    int64_t t2 = dur_now_us();
    setup[i] = (double)(t1 - t0) / 1000.0;
    teardown[i] = (double)(t2 - t1) / 1000.0;
    total[i] = (double)(t2 - t0) / 1000.0;
  }
  qsort(setup, (size_t)n, sizeof(double), cmp_double);
  qsort(teardown, (size_t)n, sizeof(double), cmp_double);
  qsort(total, (size_t)n, sizeof(double), cmp_double);
  printf("lab set-up + teardown over %d runs (4 hosts, 3 veth pairs, dual stack):\n", n);
  printf("  set-up    median %6.2f ms   p95 %6.2f ms   max %6.2f ms\n", setup[n / 2], setup[n * 95 / 100], setup[n - 1]);
  printf("  teardown  median %6.2f ms   p95 %6.2f ms   max %6.2f ms\n", teardown[n / 2], teardown[n * 95 / 100], teardown[n - 1]);
  printf("  total     median %6.2f ms   p95 %6.2f ms   max %6.2f ms\n", total[n / 2], total[n * 95 / 100], total[n - 1]);
  return 0;
}

static int cmd_bench_lab(int argc, char **argv) {
  if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strtol(argv[1], NULL, 10) < 1))
    return cli_help("usage: bcsim bench-lab [N]\n\nBuilds and tears down the lab N times (default 50, at most 1000)\n"
                    "in the sandbox, and prints the median, p95 and max of each.\n",
                    argv[1][0] == '-' && argv[1][1] == 'h' ? 0 : strcmp(argv[1], "--help") == 0 ? 0 : EXIT_USAGE);
  char n[16];
  snprintf(n, sizeof n, "%s", argc > 1 ? argv[1] : "50");
  char *args[] = {"bcsim", "__labbench", n, NULL};
  pid_t pid = sandbox_start(args, NULL);
  return pid < 0 ? EXIT_ENV : sandbox_wait(pid, 120000);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "__lab") == 0) return runner_main(argc, argv);
  if (argc > 2 && strcmp(argv[1], "__labbench") == 0) return labbench_inner((int)strtol(argv[2], NULL, 10));
  cli_find_dirs();
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? EXIT_USAGE : 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    /* The build matters to whoever reads a measurement: sanitizers change speed and memory. */
    printf("bcsim %s\ncommit: %s\n", buildinfo_version(), buildinfo_commit());
#ifdef BCSIM_SANITIZED
    printf("build: sanitized (AddressSanitizer, UndefinedBehaviorSanitizer)\n");
#endif
    return 0;
  }
  if (strcmp(argv[1], "run") == 0) return cmd_run(argc - 1, argv + 1);
  if (strcmp(argv[1], "validate") == 0) return cmd_validate(argc - 1, argv + 1);
  if (strcmp(argv[1], "list") == 0) return cmd_list(argc - 1, argv + 1);
  if (strcmp(argv[1], "bench-lab") == 0) return cmd_bench_lab(argc - 1, argv + 1);
  if (strcmp(argv[1], "selftest") == 0) return cmd_selftest(argc - 1, argv + 1);
  if (strcmp(argv[1], "serve") == 0) return cmd_serve(argc - 1, argv + 1);
  if (strcmp(argv[1], "fault") == 0) return cmd_fault(argc - 1, argv + 1);
  if (strcmp(argv[1], "exec") == 0) return cmd_exec(argc - 1, argv + 1);
  if (strcmp(argv[1], "shell") == 0) return cmd_shell(argc - 1, argv + 1);
  if (strcmp(argv[1], "bc") == 0) return cmd_bc(argc - 1, argv + 1);
  if (strcmp(argv[1], "report") == 0) return cmd_report(argc - 1, argv + 1);
  if (strcmp(argv[1], "verify") == 0) return cmd_verify(argc - 1, argv + 1);
  if (strcmp(argv[1], "rejudge") == 0) return cmd_rejudge(argc - 1, argv + 1);
  if (strcmp(argv[1], "mutate") == 0) return cmd_mutate(argc - 1, argv + 1);
  fprintf(stderr, "error: unknown command \"%s\"\n", argv[1]);
  usage(stderr);
  return EXIT_USAGE;
}

