#include "sim/lab/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/exit.h"

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int saved = errno;
  close(fd);
  errno = saved;
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void explain_userns(int err) {
  fprintf(stderr,
          "bcsim: the kernel refused to create a user namespace (%s).\n"
          "  bcsim builds its lab in user, mount, PID and network namespaces and needs no root,\n"
          "  but user namespaces must be enabled. To enable them:\n"
          "    sysctl -w user.max_user_namespaces=15000\n"
          "    sysctl -w kernel.unprivileged_userns_clone=1   (Debian kernels)\n"
          "    sysctl -w kernel.apparmor_restrict_unprivileged_userns=0   (Ubuntu 23.10+)\n"
          "  In a container, allow unshare(2) in its seccomp profile.\n",
          strerror(err));
}

static volatile pid_t lab_pid;
static void forward(int sig) {
  if (lab_pid > 0) kill(lab_pid, sig);
}

/* The intermediate process: in the new user namespace, outside the new PID namespace. */
static void intermediate(char *const argv[], uid_t uid, gid_t gid) {
  char map[64];
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (unshare(CLONE_NEWUSER) < 0) {
    explain_userns(errno);
    _exit(SANDBOX_EXIT_NO_NAMESPACES);
  }
  snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
  if (write_file("/proc/self/setgroups", "deny") < 0 || write_file("/proc/self/uid_map", map) < 0) {
    fprintf(stderr, "bcsim: mapping the user id into the lab failed: %s\n", strerror(errno));
    _exit(SANDBOX_EXIT_NO_NAMESPACES);
  }
  snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
  if (write_file("/proc/self/gid_map", map) < 0) {
    fprintf(stderr, "bcsim: mapping the group id into the lab failed: %s\n", strerror(errno));
    _exit(SANDBOX_EXIT_NO_NAMESPACES);
  }
  if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET) < 0) {
    fprintf(stderr, "bcsim: the kernel refused mount, PID or network namespaces: %s\n", strerror(errno));
    explain_userns(errno);
    _exit(SANDBOX_EXIT_NO_NAMESPACES);
  }
  /* Nothing mounted in the lab may propagate back to the host. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    fprintf(stderr, "bcsim: making mounts private failed: %s\n", strerror(errno));
    _exit(SANDBOX_EXIT_NO_NAMESPACES);
  }
  pid_t child = fork();
  if (child < 0) _exit(SANDBOX_EXIT_NO_NAMESPACES);
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    execv("/proc/self/exe", argv);
    fprintf(stderr, "bcsim: re-executing in the lab failed: %s\n", strerror(errno));
    _exit(EXIT_ENV);
  }
  lab_pid = child;
  struct sigaction sa = {.sa_handler = forward};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

pid_t sandbox_start(char *const argv[], const char *log_path) { return sandbox_start_ready(argv, log_path, NULL); }

pid_t sandbox_start_ready(char *const argv[], const char *log_path, int *ready_fd) {
  uid_t uid = getuid();
  gid_t gid = getgid();
  int ready[2] = {-1, -1};
  if (ready_fd && pipe2(ready, O_CLOEXEC | O_NONBLOCK) < 0) return -1;
  pid_t pid = fork();
  if (pid != 0) {
    if (ready_fd) {
      close(ready[1]);
      if (pid > 0) *ready_fd = ready[0];
      else close(ready[0]);
    }
    return pid;
  }
  if (ready_fd) {
    /* Moved above the low descriptors first, so that the dup2 cannot clobber the read end's number. */
    int w = fcntl(ready[1], F_DUPFD, 10);
    if (w < 0 || dup2(w, SANDBOX_READY_FD) < 0) _exit(EXIT_ENV);
    close(w);
    close(ready[0]);
    close(ready[1]);
  }
  /* The lab is a process group of its own: a Ctrl-C reaches the outer bcsim,
   * which decides how to stop each lab, instead of killing them mid-write. */
  setpgid(0, 0);
  if (log_path) {
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      dup2(fd, 2);
      close(fd);
    }
  }
  (void)sandbox_close_inherited(); /* the lab starts with 0, 1 and 2 alone */
  /* and the ready pipe, which the lab marks close-on-exec before it starts anything */
  if (ready_fd) (void)fcntl(SANDBOX_READY_FD, F_SETFD, 0);
  intermediate(argv, uid, gid);
  _exit(EXIT_ENV);
}

int sandbox_close_inherited(void) {
  /* Close-on-exec rather than closed: a child still reports a failed exec through its pipe. */
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
  /* A kernel without close_range (older than 5.11): mark each descriptor. */
  for (int fd = 3; fd < 65536; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) return -1;
  }
  return 0;
}

int sandbox_wait(pid_t pid, long deadline_ms) {
  int status = 0;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    pid_t got = waitpid(pid, &status, WNOHANG);
    if (got == pid) break;
    if (got < 0 && errno != EINTR) return EXIT_ENV;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (deadline_ms > 0 && elapsed > deadline_ms) {
      /* The intermediate dies; PDEATHSIG takes PID 1, and with it the whole lab. */
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return SANDBOX_EXIT_DEADLINE;
    }
    struct timespec nap = {0, 20 * 1000000};
    nanosleep(&nap, NULL);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void sandbox_signal(pid_t pid, int sig) { kill(pid, sig); }

int sandbox_poll(pid_t pid, int *code) {
  int status = 0;
  pid_t got = waitpid(pid, &status, WNOHANG);
  if (got != pid) return 0;
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return 1;
}

int sandbox_kill(pid_t pid) {
  int status;
  /* The intermediate dies; PDEATHSIG takes PID 1, and with it the whole lab. */
  kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return SANDBOX_EXIT_DEADLINE;
}
