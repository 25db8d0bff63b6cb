#include "sim/lab/clientlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define READ_CHUNK (64 * 1024)

struct clientlog {
  int fd_in, fd_file;
  struct event *ev;
  uint64_t total, kept;
  char buf[READ_CHUNK];
};

static void keep(clientlog_t *l, size_t n) {
  l->total += n;
  if (l->kept >= CLIENTLOG_CAP) return;
  size_t room = CLIENTLOG_CAP - (size_t)l->kept, k = n < room ? n : room;
  if (write(l->fd_file, l->buf, k) == (ssize_t)k) l->kept += k;
  if (l->kept >= CLIENTLOG_CAP) {
    static const char mark[] = "\n[bcsim: client.log is cut here; the report says how much more the client wrote]\n";
    (void)!write(l->fd_file, mark, sizeof mark - 1);
  }
}

/* One read per wakeup: a client that floods its output shares the loop fairly with the services. */
static void on_readable(evutil_socket_t fd, short what, void *arg) {
  clientlog_t *l = arg;
  ssize_t n = read(l->fd_in, l->buf, sizeof l->buf);
  if (n > 0) keep(l, (size_t)n);
  else if (n == 0 || (errno != EAGAIN && errno != EINTR)) event_del(l->ev);
}

clientlog_t *clientlog_new(struct event_base *base, const char *path, int *client_fd) {
  clientlog_t *l = calloc(1, sizeof *l);
  int p[2] = {-1, -1};
  if (!l) return NULL;
  l->fd_in = l->fd_file = -1;
  if (pipe2(p, O_CLOEXEC) < 0) goto fail;
  l->fd_in = p[0];
  l->fd_file = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  evutil_make_socket_nonblocking(l->fd_in);
  l->ev = event_new(base, l->fd_in, EV_READ | EV_PERSIST, on_readable, l);
  if (l->fd_file < 0 || !l->ev || event_add(l->ev, NULL) < 0) goto fail;
  *client_fd = p[1];
  return l;
fail:
  if (p[1] >= 0) close(p[1]);
  clientlog_free(l);
  return NULL;
}

void clientlog_finish(clientlog_t *l) {
  if (!l || l->fd_in < 0) return;
  ssize_t n;
  /* What the pipe holds now; writers still alive (a daemonised child) are not waited for. */
  while ((n = read(l->fd_in, l->buf, sizeof l->buf)) > 0) keep(l, (size_t)n);
  if (l->ev) event_free(l->ev);
  l->ev = NULL;
  close(l->fd_in);
  l->fd_in = -1;
  if (l->fd_file >= 0) close(l->fd_file);
  l->fd_file = -1;
}

uint64_t clientlog_total(const clientlog_t *l) { return l ? l->total : 0; }
uint64_t clientlog_cut(const clientlog_t *l) { return l ? l->total - l->kept : 0; }

void clientlog_free(clientlog_t *l) {
  if (!l) return;
  if (l->ev) event_free(l->ev);
  if (l->fd_in >= 0) close(l->fd_in);
  if (l->fd_file >= 0) close(l->fd_file);
  free(l);
}
