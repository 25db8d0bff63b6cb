/* sandbox: runs bcsim again inside new user, mount, PID and network namespaces.
 *
 * No root is needed: the caller's uid is mapped to root inside a new user
 * namespace, which owns the other namespaces. The re-executed lab process is
 * PID 1 of its PID namespace, so when it exits (or is killed) the kernel kills
 * every client and service process with it: nothing is left running. Mounts
 * are private to the lab, so its resolv.conf bind mount never reaches the host. */
#ifndef BC_SANDBOX_H
#define BC_SANDBOX_H
#include <stddef.h>
#include <sys/types.h>

/* Starts `/proc/self/exe argv[1..]` in the sandbox. Returns the pid of the
 * intermediate process (wait for it with sandbox_wait), or -1. Whether the
 * kernel allows the namespaces is found out in the child; it then exits with
 * SANDBOX_EXIT_NO_NAMESPACES after printing what to change. */
pid_t sandbox_start(char *const argv[], const char *log_path);
/* The same, and *ready_fd (non-blocking, close-on-exec, the caller's to
 * close) is the read end of a pipe whose write end the lab gets as
 * SANDBOX_READY_FD: the lab writes one byte there when its set-up is done. */
pid_t sandbox_start_ready(char *const argv[], const char *log_path, int *ready_fd);
#define SANDBOX_READY_FD 3
/* The sandbox's own exit codes, apart from bcsim's (base/exit.h) so that the
 * caller can tell them from the lab's; a command that reports them to a
 * user says EXIT_ENV. */
#define SANDBOX_EXIT_NO_NAMESPACES 97
/* Waits for the sandbox and returns its exit code (128+signal if killed).
 * After deadline_ms (0: none) the whole lab is killed and
 * SANDBOX_EXIT_DEADLINE returned: a hung lab never hangs the run. */
int sandbox_wait(pid_t pid, long deadline_ms);
/* Marks every descriptor above 2 close-on-exec (close_range(2)), so the next
 * exec keeps only stdin, stdout and stderr: the lab inherits nothing of
 * whoever started bcsim, and a client nothing of the lab. 0 or -1. */
int sandbox_close_inherited(void);
#define SANDBOX_EXIT_DEADLINE 98
/* Non-blocking: 1 and the exit code if the sandbox has finished, else 0. */
int sandbox_poll(pid_t pid, int *code);
/* Kills the whole lab now; returns SANDBOX_EXIT_DEADLINE. */
int sandbox_kill(pid_t pid);
/* Sends sig to the lab (the intermediate process forwards it to PID 1). */
void sandbox_signal(pid_t pid, int sig);
#endif
