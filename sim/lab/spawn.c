#include "sim/lab/spawn.h"

#include "base/exit.h"
#include "sim/lab/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
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

/* mount_setattr(2) is newer than Debian 12's headers; the ABI is stable. */
struct spawn_mount_attr {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#define SPAWN_MOUNT_ATTR_RDONLY 0x00000001
#define SPAWN_AT_RECURSIVE 0x8000
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

/* mkdir -p of path's parent, and an empty file at path, inside a fresh tmpfs. */
static int make_file(const char *path) {
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  return fd < 0 ? -1 : close(fd);
}

static bool under_run(const char *path) { return path && strncmp(path, "/run/", 5) == 0; }

int spawn_confine_filesystem(const char *writable, const char *resolv_conf, const char *program) {
  char resolv_target[PATH_MAX] = "", real_writable[PATH_MAX] = "";
  if (!realpath("/etc/resolv.conf", resolv_target)) resolv_target[0] = 0;
  if (!realpath(writable, real_writable)) return -1;
  struct spawn_mount_attr ro = {.attr_set = SPAWN_MOUNT_ATTR_RDONLY};
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
      mount(real_writable, real_writable, NULL, MS_BIND, NULL) < 0 ||
      syscall(SYS_mount_setattr, AT_FDCWD, "/", SPAWN_AT_RECURSIVE, &ro, sizeof ro) < 0 ||
      mount(NULL, real_writable, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, NULL) < 0)
    return -1;
  /* Scratch space is the state dir: /tmp is read-only like the rest (it may hold the run itself). */
  setenv("TMPDIR", real_writable, 1);
  /* Unless the run itself lives there (an out dir in $XDG_RUNTIME_DIR), /run goes. */
  if (!under_run(real_writable) && !under_run(program)) {
    if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,mode=755") < 0) return -1;
    /* A resolv.conf that is a link into /run (systemd-resolved) must still lead to the lab's. */
    if (resolv_conf && under_run(resolv_target) &&
        (make_file(resolv_target) < 0 || mount(resolv_conf, resolv_target, NULL, MS_BIND, NULL) < 0))
      return -1;
  }
  return 0;
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
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (lab_enter(o->lab, o->host) < 0) { stage = 1; goto failed; }
    if (dup2(devnull, 0) < 0 || dup2(o->stdout_fd >= 0 ? o->stdout_fd : devnull, 1) < 0 ||
        dup2(o->stderr_fd >= 0 ? o->stderr_fd : devnull, 2) < 0) { stage = 2; goto failed; }
    if (sandbox_close_inherited() < 0) { stage = 7; goto failed; }
    if (o->cwd && spawn_confine_filesystem(o->cwd, o->resolv_conf, o->argv[0]) < 0) { stage = 6; goto failed; }
    if (o->cwd && chdir(o->cwd) < 0) { stage = 3; goto failed; }
    if (spawn_drop_privileges() < 0) { stage = 4; goto failed; }
    execvp(o->argv[0], o->argv);
    stage = 5;
  failed:
    e = errno;
    int msg[2] = {stage, e};
    (void)!write(report[1], msg, sizeof msg);
    _exit(EXIT_NOT_FOUND); /* the parent reads the stage that failed from report */
  }
  close(report[1]);
  int msg[2];
  ssize_t n;
  while ((n = read(report[0], msg, sizeof msg)) < 0 && errno == EINTR) {
  }
  close(report[0]);
  if (n == (ssize_t)sizeof msg) {
    static const char *const what[] = {"", "entering the client host", "redirecting output",
                                       "changing directory", "dropping capabilities", "executing",
                                       "making the file systems read-only for", "closing the harness's descriptors for"};
    snprintf(err, errlen, "%s %s failed: %s", what[msg[0] < 8 ? msg[0] : 0], o->argv[0], strerror(msg[1]));
    waitpid(pid, NULL, 0);
    return -1;
  }
  return pid;
}
