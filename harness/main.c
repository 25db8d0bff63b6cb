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
#include "harness/report_json.h"
#include "base/strv.h"

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
          "Tooling (make bench):\n"
          "  bench-lab  time building and tearing down the lab\n"
          "  bench-decode  print the wire decoder's fields of a capture, to compare with tshark's\n"
          "  bench-dns  the world's resolver and a rival DNS server in one lab, measured from the client\n"
          "\n"
          "exit codes: 0 all pass, 1 conformance failure, 2 bad input or usage,\n"
          "            3 harness or environment error, 4 pass-with-waivers (MUST requirements\n"
          "            waived by the vendor profile; for verify: partial), 130 interrupted\n");
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "__lab") == 0) return runner_main(argc, argv);
  if (argc > 2 && strcmp(argv[1], "__labbench") == 0) return bench_lab_inner((int)strtol(argv[2], NULL, 10));
  if (argc > 1 && strcmp(argv[1], "__benchdns") == 0) return bench_dns_inner(argc - 2, argv + 2);
  cli_find_dirs();
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? EXIT_USAGE : EXIT_PASS;
  }
  if (strcmp(argv[1], "--version") == 0) {
    /* The build matters to whoever reads a measurement: sanitizers change speed and memory. */
    printf("bcsim %s\ncommit: %s\n", buildinfo_version(), buildinfo_commit());
#ifdef BCSIM_SANITIZED
    printf("build: sanitized (AddressSanitizer, UndefinedBehaviorSanitizer)\n");
#endif
    return EXIT_PASS;
  }
  if (strcmp(argv[1], "run") == 0) return cmd_run(argc - 1, argv + 1);
  if (strcmp(argv[1], "validate") == 0) return cmd_validate(argc - 1, argv + 1);
  if (strcmp(argv[1], "list") == 0) return cmd_list(argc - 1, argv + 1);
  if (strcmp(argv[1], "bench-lab") == 0) return cmd_bench_lab(argc - 1, argv + 1);
  if (strcmp(argv[1], "bench-decode") == 0) return cmd_bench_decode(argc - 1, argv + 1);
  if (strcmp(argv[1], "bench-dns") == 0) return cmd_bench_dns(argc - 1, argv + 1);
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

