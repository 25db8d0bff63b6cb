/* pid1: what the lab process, PID 1 of its sandbox (sim/lab/sandbox.h),
 * sets up for itself, apart from any scenario: its own /proc, a watchdog,
 * its descriptor limit, which stop signals it obeys, and the byte that tells
 * bcsim run its set-up is done.
 *
 * Process-wide by nature (signals, rlimits, mounts): the runner calls these
 * once. The stop signals reach the loop through a pipe that is this
 * module's one static, since a signal handler has nothing else to write to. */
#ifndef BC_PID1_H
#define BC_PID1_H
#include <stdbool.h>

/* SANDBOX_READY_FD, made close-on-exec so that neither the client nor any
 * service inherits it, when asked (--ready-fd); else, or if that fails, -1. */
int pid1_claim_ready_fd(bool asked);
/* Writes the one byte on *fd and closes it; *fd becomes -1. Nothing if it is -1. */
void pid1_report_ready(int *fd);

/* Mounts a /proc of the lab's own PID namespace (so tools inside the lab
 * see only the lab), arms a watchdog that ends the process with exit code 3
 * after watchdog_s seconds (0: none), ignores SIGPIPE and sets the
 * descriptor limit of the whole lab. Failures are ignored: each is a
 * second line of defence. */
void pid1_take_over(unsigned watchdog_s);
/* Disarms the watchdog (a kept lab waits for a person). */
void pid1_watchdog_off(void);

/* SIGINT and SIGTERM from outside the lab: returns the read end of a
 * non-blocking pipe that becomes readable when one came, or -1. */
int pid1_catch_stop_signals(void);
/* Empties that pipe. */
void pid1_drain_stop(int fd);
#endif
