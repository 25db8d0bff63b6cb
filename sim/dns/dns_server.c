#include "sim/dns/dns_server.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DNS_TCP_MAX_CONNS 64
#define DNS_TCP_IDLE_S 5

struct dns_server {
  const zone_t *zone;
  int udp_fd;
  struct event *udp_ev;
  struct evconnlistener *tcp;
  int tcp_conns;
  dns_server_log_fn log;
  void *log_arg;
};

static void peer_name(const struct sockaddr *sa, char *out, size_t len) {
  out[0] = 0;
  if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)len);
  else if (sa->sa_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)len);
}

static void on_udp(evutil_socket_t fd, short what, void *arg) {
  dns_server_t *s = arg;
  uint8_t buf[4096];
  /* Bounded per wakeup: a flooding client cannot starve the rest of the loop. */
  for (int i = 0; i < 64; i++) {
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
    if (n <= 0) return;
    uint8_t *ans = NULL;
    size_t anslen = 0;
    zone_answer_info_t info;
    if (zone_answer(s->zone, buf, (size_t)n, &ans, &anslen, &info) == 0) {
      char peer[INET6_ADDRSTRLEN];
      peer_name((struct sockaddr *)&from, peer, sizeof peer);
      if (s->log) s->log(s->log_arg, &info, "udp", peer);
      (void)sendto(fd, ans, anslen, MSG_DONTWAIT, (struct sockaddr *)&from, fromlen);
    }
    free(ans);
  }
}

typedef struct tcp_conn {
  dns_server_t *s;
  char peer[INET6_ADDRSTRLEN];
} tcp_conn_t;

static void tcp_close(struct bufferevent *bev, tcp_conn_t *c) {
  c->s->tcp_conns--;
  bufferevent_free(bev);
  free(c);
}

static void on_tcp_read(struct bufferevent *bev, void *arg) {
  tcp_conn_t *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  while (evbuffer_get_length(in) >= 2) {
    uint8_t lenbuf[2];
    evbuffer_copyout(in, lenbuf, 2);
    size_t need = (size_t)(lenbuf[0] << 8 | lenbuf[1]);
    if (evbuffer_get_length(in) < need + 2) return;
    uint8_t *msg = malloc(need ? need : 1), *ans = NULL;
    size_t anslen = 0;
    zone_answer_info_t info;
    evbuffer_drain(in, 2);
    evbuffer_remove(in, msg, need);
    if (zone_answer(c->s->zone, msg, need, &ans, &anslen, &info) == 0 && anslen <= 65535) {
      if (c->s->log) c->s->log(c->s->log_arg, &info, "tcp", c->peer);
      uint8_t pre[2] = {(uint8_t)(anslen >> 8), (uint8_t)anslen};
      bufferevent_write(bev, pre, 2);
      bufferevent_write(bev, ans, anslen);
    }
    free(msg);
    free(ans);
  }
}

static void on_tcp_event(struct bufferevent *bev, short what, void *arg) {
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) tcp_close(bev, arg);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg) {
  dns_server_t *s = arg;
  if (s->tcp_conns >= DNS_TCP_MAX_CONNS) {
    close(fd);
    return;
  }
  tcp_conn_t *c = calloc(1, sizeof *c);
  struct bufferevent *bev = c ? bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE) : NULL;
  if (!bev) {
    free(c);
    close(fd);
    return;
  }
  c->s = s;
  peer_name(sa, c->peer, sizeof c->peer);
  s->tcp_conns++;
  struct timeval idle = {DNS_TCP_IDLE_S, 0};
  bufferevent_set_timeouts(bev, &idle, &idle);
  bufferevent_setcb(bev, on_tcp_read, NULL, on_tcp_event, c);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

dns_server_t *dns_server_new(struct event_base *base, const zone_t *zone, int udp_fd, int tcp_fd,
                             dns_server_log_fn log, void *log_arg) {
  dns_server_t *s = calloc(1, sizeof *s);
  if (!s) goto fail;
  s->zone = zone;
  s->log = log;
  s->log_arg = log_arg;
  s->udp_fd = udp_fd;
  evutil_make_socket_nonblocking(udp_fd);
  s->udp_ev = event_new(base, udp_fd, EV_READ | EV_PERSIST, on_udp, s);
  if (!s->udp_ev || event_add(s->udp_ev, NULL) < 0) goto fail;
  s->tcp = evconnlistener_new(base, on_accept, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 64, tcp_fd);
  if (!s->tcp) goto fail;
  return s;
fail:
  if (s && s->udp_ev) event_free(s->udp_ev);
  free(s);
  close(udp_fd);
  close(tcp_fd);
  return NULL;
}

void dns_server_free(dns_server_t *s) {
  if (!s) return;
  event_free(s->udp_ev);
  close(s->udp_fd);
  evconnlistener_free(s->tcp);
  free(s);
}
