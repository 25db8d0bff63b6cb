#include "harness/pid1.h"

#include "base/exit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sim/lab/sandbox.h"

/* Descriptors for the whole lab, the client's among them: the world needs a
 * few dozen; a client that opens thousands of connections is cut off here,
 * and the services' memory with it (docs/architecture.md). */
#define LAB_MAX_FDS 16384

/* Written by the stop signals' handler, read by the loop. */
static int stop_pipe[2] = {-1, -1};

int pid1_claim_ready_fd(bool asked) {
  return asked && fcntl(SANDBOX_READY_FD, F_SETFD, FD_CLOEXEC) == 0 ? SANDBOX_READY_FD : -1;
}

void pid1_report_ready(int *fd) {
  if (*fd < 0) return;
  (void)!write(*fd, "r", 1);
  close(*fd);
  *fd = -1;
}

static void on_watchdog(int sig) {
  static const char msg[] = "bcsim: the lab's event loop is stuck; watchdog fired\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(EXIT_ENV);
}

void pid1_take_over(unsigned watchdog_s) {
  (void)mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  /* Second line of defence after the outer deadline: PID 1 only gets
   * signals it handles, so the watchdog needs a handler of its own. */
  signal(SIGALRM, on_watchdog);
  alarm(watchdog_s);
  signal(SIGPIPE, SIG_IGN);
  struct rlimit fds = {LAB_MAX_FDS, LAB_MAX_FDS};
  (void)setrlimit(RLIMIT_NOFILE, &fds);
}

void pid1_watchdog_off(void) { alarm(0); }

/* SIGINT and SIGTERM stop the lab only when they come from outside it (bcsim
 * run or serve, through the intermediate): such a sender is not in the lab's
 * PID namespace, so PID 1 sees si_pid 0. The client runs as the same uid and
 * could signal PID 1 too; it must not be able to stop the lab that judges it. */
static void on_stop_signal(int sig, siginfo_t *si, void *ctx) {
  if (si->si_pid != 0) return;
  int saved = errno;
  (void)!write(stop_pipe[1], "x", 1);
  errno = saved;
}

int pid1_catch_stop_signals(void) {
  if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) return -1;
  struct sigaction sa = {.sa_sigaction = on_stop_signal, .sa_flags = SA_SIGINFO | SA_RESTART};
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) return -1;
  return stop_pipe[0];
}

void pid1_drain_stop(int fd) {
  char drain[16];
  while (read(fd, drain, sizeof drain) > 0) {
  }
}
