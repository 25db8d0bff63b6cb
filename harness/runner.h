/* runner: plays one scenario inside its lab and judges it: set up, play,
 * judge, as unbound's testbound does (harness/runner.c lists the modules
 * each phase uses).
 *
 * Runs as PID 1 of the sandbox (see sim/lab/sandbox.h): builds the lab and
 * the world, captures the client's interface, starts the client, plays the
 * timeline on one libevent loop, then evaluates the checks and writes
 * <out>/{events.jsonl,result.json,capture.pcap,services.log,client.log}.
 * With --serve it keeps a world up for bcsim serve instead, with no client.
 * Exit code: 0 pass, 1 fail, 3 harness or environment error, 130 interrupted. */
#ifndef BC_RUNNER_H
#define BC_RUNNER_H

/* argv as main has it: bcsim __lab --scenario FILE --profile FILE --out DIR
 * --bindir DIR ... (harness/runner_opts.h has every option). */
int runner_main(int argc, char **argv);
#endif
