#include "harness/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int spawn_drop_privileges(void) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return -1;
  for (int cap = 0; cap <= 63; cap++) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) return -1;
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return -1;
  int bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
             SECBIT_KEEP_CAPS_LOCKED;
  if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0) return -1;
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  return (int)syscall(SYS_capset, &hdr, data);
}

pid_t spawn_in_host(const spawn_opts_t *o, char *err, size_t errlen) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0) {
    snprintf(err, errlen, "pipe: %s", strerror(errno));
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(err, errlen, "fork: %s", strerror(errno));
    close(report[0]);
    close(report[1]);
    return -1;
  }
  if (pid == 0) {
    int stage = 0, e = 0;
    close(report[0]);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    int devnull = open("/dev/null", O_RDWR);
    if (lab_enter(o->lab, o->host) < 0) { stage = 1; goto failed; }
    if (dup2(devnull, 0) < 0 || dup2(o->stdout_fd >= 0 ? o->stdout_fd : devnull, 1) < 0 ||
        dup2(o->stderr_fd >= 0 ? o->stderr_fd : devnull, 2) < 0) { stage = 2; goto failed; }
    if (o->cwd && chdir(o->cwd) < 0) { stage = 3; goto failed; }
    if (spawn_drop_privileges() < 0) { stage = 4; goto failed; }
    execvp(o->argv[0], o->argv);
    stage = 5;
  failed:
    e = errno;
    int msg[2] = {stage, e};
    (void)!write(report[1], msg, sizeof msg);
    _exit(127);
  }
  close(report[1]);
  int msg[2];
  ssize_t n;
  while ((n = read(report[0], msg, sizeof msg)) < 0 && errno == EINTR) {
  }
  close(report[0]);
  if (n == (ssize_t)sizeof msg) {
    static const char *const what[] = {"", "entering the client host", "redirecting output",
                                       "changing directory", "dropping capabilities", "executing"};
    snprintf(err, errlen, "%s %s failed: %s", what[msg[0] < 6 ? msg[0] : 0], o->argv[0], strerror(msg[1]));
    waitpid(pid, NULL, 0);
    return -1;
  }
  return pid;
}
