/* exit: bcsim's exit codes, the one list of them. Every command, the labs
 * (whose codes bcsim run reads) and the verdict model (whose run verdicts
 * become exit codes, harness/verdict.h) return these. docs/bcsim.1 ("EXIT
 * STATUS") and docs/ci.md say what each means to a user. */
#ifndef BC_EXIT_H
#define BC_EXIT_H

/* Everything passed, or the command did what it was asked. */
#define EXIT_PASS 0
/* A conformance failure: a check failed, naming its requirement; for verify, a rejected certificate. */
#define EXIT_FAIL 1
/* Bad input or usage: the message names the file, line and column; nothing was run. */
#define EXIT_USAGE 2
/* A harness or environment error (no namespaces, a lab that died, a file that cannot be
 * written): never blamed on the client. */
#define EXIT_ENV 3
/* A pass with a qualification: for run and report merge, pass-with-waivers (it passes only
 * because the vendor profile waives MUST requirements); for verify, partial (nothing is wrong,
 * but some items could not be re-checked). Never 0, so CI cannot take it for a plain pass. */
#define EXIT_QUALIFIED 4
/* Interrupted (SIGINT or SIGTERM): 128 + SIGINT, as a shell reports a Ctrl-C. */
#define EXIT_INTERRUPTED 130
/* A child bcsim starts for a command (bcsim exec, a client, bench-dns's rival) exits with a
 * shell's codes when the command never ran, so that they read as sh's would: it could not be
 * run (its host could not be prepared), or it was not found. */
#define EXIT_CANNOT_RUN 126
#define EXIT_NOT_FOUND 127
#endif
