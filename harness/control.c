#include "harness/control.h"
#include "sim/lab/sandbox.h"

#include <ctype.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/files.h"
#include "harness/cli.h"
#include "sim/lab/spawn.h"

#define CONTROL_MAX_LINE 65536

struct control {
  struct evconnlistener *listener;
  control_fault_fn fault;
  void *arg;
  char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  char info_path[PATH_MAX];
};

pid_t control_host_pid(void) {
  /* NSpid lists the pid in every namespace from the host's down; the first is the host's. */
  FILE *f = fopen("/proc/self/status", "re");
  char line[256];
  long pid = 0;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "NSpid:", 6) == 0) pid = strtol(line + 6, NULL, 10);
  if (f) fclose(f);
  return (pid_t)pid;
}

static int sock_addr(const char *dir, struct sockaddr_un *sa, char *err, size_t errlen) {
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if ((size_t)snprintf(sa->sun_path, sizeof sa->sun_path, "%s/control.sock", dir) >= sizeof sa->sun_path) {
    snprintf(err, errlen, "%s/control.sock is longer than a unix socket path may be (%zu bytes)", dir,
             sizeof sa->sun_path - 1);
    return -1;
  }
  return 0;
}

static void answer(struct bufferevent *bev, bool ok, const char *error) {
  cJSON *a = cJSON_CreateObject();
  cJSON_AddBoolToObject(a, "ok", ok);
  if (error) cJSON_AddStringToObject(a, "error", error);
  char *text = cJSON_PrintUnformatted(a);
  if (text) {
    bufferevent_write(bev, text, strlen(text));
    bufferevent_write(bev, "\n", 1);
  }
  cJSON_free(text);
  cJSON_Delete(a);
}

static void on_read(struct bufferevent *bev, void *arg) {
  control_t *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  size_t n;
  char *line;
  while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF))) {
    cJSON *req = cJSON_Parse(line);
    free(line);
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "fault"));
    const char *target = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "target"));
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(req, "on");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(req, "params");
    char err[512] = "";
    if (!name || !target || !cJSON_IsBool(on) || (params && !cJSON_IsObject(params)))
      answer(bev, false, "a request is {\"fault\": NAME, \"target\": T, \"on\": true|false, \"params\": {...}}");
    else if (c->fault(c->arg, name, target, params, cJSON_IsTrue(on), err, sizeof err) < 0)
      answer(bev, false, err[0] ? err : "the fault could not be switched");
    else
      answer(bev, true, NULL);
    cJSON_Delete(req);
  }
  if (evbuffer_get_length(in) > CONTROL_MAX_LINE) bufferevent_free(bev);
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bufferevent_free(bev);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg) {
  struct bufferevent *bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) {
    close(fd);
    return;
  }
  bufferevent_setcb(bev, on_read, NULL, on_event, arg);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

control_t *control_new(struct event_base *base, const char *dir, pid_t host_pid, int client_netns_fd,
                       const cJSON *info, control_fault_fn fault, void *arg, char *err, size_t errlen) {
  control_t *c = calloc(1, sizeof *c);
  struct sockaddr_un sa;
  cJSON *doc = NULL;
  char *text = NULL;
  if (!c || sock_addr(dir, &sa, err, errlen) < 0) goto fail;
  c->fault = fault;
  c->arg = arg;
  snprintf(c->sock_path, sizeof c->sock_path, "%s", sa.sun_path);
  unlink(c->sock_path);
  mode_t old = umask(0077); /* only the person who runs bcsim may switch its faults */
  c->listener = evconnlistener_new_bind(base, on_accept, c, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 8,
                                        (struct sockaddr *)&sa, sizeof sa);
  umask(old);
  if (!c->listener) {
    snprintf(err, errlen, "cannot listen on %s: %s", c->sock_path, strerror(errno));
    goto fail;
  }
  doc = info ? cJSON_Duplicate(info, 1) : cJSON_CreateObject();
  cJSON_AddNumberToObject(doc, "pid", host_pid);
  cJSON_AddNumberToObject(doc, "client_netns_fd", client_netns_fd);
  cJSON_AddStringToObject(doc, "control", c->sock_path);
  text = cJSON_Print(doc);
  snprintf(c->info_path, sizeof c->info_path, "%s/lab.json", dir);
  /* Whole or not at all (base/files.h): bcsim exec must never read half of it. */
  if (!text || files_write_text(c->info_path, text, 0666) < 0) {
    snprintf(err, errlen, "cannot write %s: %s", c->info_path, strerror(errno));
    c->info_path[0] = 0;
    goto fail;
  }
  cJSON_free(text);
  cJSON_Delete(doc);
  return c;
fail:
  cJSON_free(text);
  cJSON_Delete(doc);
  control_free(c);
  return NULL;
}

void control_free(control_t *c) {
  if (!c) return;
  if (c->listener) {
    evconnlistener_free(c->listener);
    unlink(c->sock_path);
  }
  if (c->info_path[0]) unlink(c->info_path);
  free(c);
}

cJSON *control_request(const char *dir, const cJSON *request, char *err, size_t errlen) {
  struct sockaddr_un sa;
  char *text = NULL, buf[4096];
  cJSON *answer_obj = NULL;
  size_t got = 0;
  int fd = -1;
  if (sock_addr(dir, &sa, err, errlen) < 0) return NULL;
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    snprintf(err, errlen, "no lab is listening at %s (%s)", sa.sun_path, strerror(errno));
    goto out;
  }
  text = cJSON_PrintUnformatted(request);
  size_t len = text ? strlen(text) : 0;
  if (!text || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
    snprintf(err, errlen, "cannot send the request: %s", strerror(errno));
    goto out;
  }
  while (got < sizeof buf - 1) {
    ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
    if (n <= 0) break;
    got += (size_t)n;
    if (memchr(buf, '\n', got)) break;
  }
  buf[got] = 0;
  if (!(answer_obj = cJSON_Parse(buf))) snprintf(err, errlen, "the lab gave no answer");
out:
  if (fd >= 0) close(fd);
  cJSON_free(text);
  return answer_obj;
}

static int open_ns(pid_t pid, const char *what, char *err, size_t errlen) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
  return fd;
}

/* BCSIM_<FIELD> for each string field of the lab's info. */
static void export_info(const cJSON *info) {
  for (const cJSON *it = info ? info->child : NULL; it; it = it->next) {
    if (!cJSON_IsString(it)) continue;
    char name[96] = "BCSIM_";
    size_t n = strlen(name);
    for (const char *p = it->string; *p && n < sizeof name - 1; p++) name[n++] = (char)toupper((unsigned char)*p);
    name[n] = 0;
    setenv(name, it->valuestring, 1);
  }
}

/* The entry child of control_exec: enters the lab's namespaces, runs argv
 * confined in a child of its own (the PID namespace holds only for
 * children) and returns its exit code. A failure to enter is written to
 * report_fd. */
static int enter_and_run(const int fds[4], const cJSON *info, const char *cwd, const char *resolv, char *const *argv,
                         int report_fd) {
  static const int kinds[4] = {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID};
  static const char *const names[4] = {"user", "mount", "network", "PID"};
  char msg[256];
  for (int i = 0; i < 4; i++) {
    if (setns(fds[i], kinds[i]) < 0) {
      int n = snprintf(msg, sizeof msg, "entering the lab's %s namespace failed: %s", names[i], strerror(errno));
      if (write(report_fd, msg, (size_t)n) < 0) {
        /* nothing more to say */
      }
      return EXIT_ENV;
    }
  }
  export_info(info);
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  pid_t child = fork();
  if (child < 0) {
    int n = snprintf(msg, sizeof msg, "fork: %s", strerror(errno));
    if (write(report_fd, msg, (size_t)n) < 0) {
      /* nothing more to say */
    }
    return EXIT_ENV;
  }
  if (child == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    /* As confined as the client under test: what works here works in a scenario. */
    if (!cwd || spawn_confine_filesystem(cwd, resolv, argv[0]) < 0 || chdir(cwd) < 0 || sandbox_close_inherited() < 0 ||
        spawn_drop_privileges() < 0) {
      fprintf(stderr, "bcsim exec: preparing the client host failed: %s\n", strerror(errno));
      _exit(EXIT_CANNOT_RUN);
    }
    execvp(argv[0], argv);
    fprintf(stderr, "bcsim exec: %s: %s\n", argv[0], strerror(errno));
    _exit(EXIT_NOT_FOUND);
  }
  close(report_fd);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int control_exec(const char *dir, char *const *argv, char *err, size_t errlen) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/lab.json", dir);
  cJSON *info = files_read_json(path);
  int fds[4] = {-1, -1, -1, -1}, rc = -1;
  const cJSON *pid = cJSON_GetObjectItemCaseSensitive(info, "pid");
  const cJSON *netfd = cJSON_GetObjectItemCaseSensitive(info, "client_netns_fd");
  const char *cwd = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(info, "state_dir"));
  const char *resolv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(info, "resolv_conf"));
  if (!cJSON_IsNumber(pid) || pid->valueint <= 1 || !cJSON_IsNumber(netfd)) {
    snprintf(err, errlen, "no running lab in %s (no lab.json)", dir);
    goto out;
  }
  if (kill(pid->valueint, 0) < 0) {
    snprintf(err, errlen, "the lab of %s (pid %d) is no longer running", dir, pid->valueint);
    goto out;
  }
  char fdpath[32];
  snprintf(fdpath, sizeof fdpath, "fd/%d", netfd->valueint);
  /* Every descriptor first: once in the lab's mount namespace, /proc is the lab's. */
  if ((fds[0] = open_ns(pid->valueint, "ns/user", err, errlen)) < 0 ||
      (fds[1] = open_ns(pid->valueint, "ns/mnt", err, errlen)) < 0 ||
      (fds[2] = open_ns(pid->valueint, fdpath, err, errlen)) < 0 ||
      (fds[3] = open_ns(pid->valueint, "ns/pid", err, errlen)) < 0)
    goto out;
  /* A child enters the lab, never this process: one that has entered a PID
   * namespace is a stranger to its own children (LeakSanitizer's tracer,
   * for one, hangs there), and this process must stay the host's. The
   * child reports a failure to enter through the pipe. */
  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0) {
    snprintf(err, errlen, "pipe: %s", strerror(errno));
    goto out;
  }
  pid_t entry = fork();
  if (entry < 0) {
    snprintf(err, errlen, "fork: %s", strerror(errno));
    close(report[0]);
    close(report[1]);
    goto out;
  }
  if (entry == 0) {
    close(report[0]);
    _exit(enter_and_run(fds, info, cwd, resolv, argv, report[1]));
  }
  close(report[1]);
  /* The terminal's Ctrl-C reaches the command too; this process waits for its answer. */
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  ssize_t got;
  while ((got = read(report[0], err, errlen - 1)) < 0 && errno == EINTR) {
  }
  close(report[0]);
  int status = 0;
  while (waitpid(entry, &status, 0) < 0 && errno == EINTR) {
  }
  if (got > 0) {
    err[got] = 0;
    goto out;
  }
  rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
  for (int i = 0; i < 4; i++)
    if (fds[i] >= 0) close(fds[i]);
  cJSON_Delete(info);
  return rc;
}
