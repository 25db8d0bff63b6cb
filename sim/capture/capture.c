#include "sim/capture/capture.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

struct capture {
  pcap_t *pcap;
  pcap_dumper_t *dump;
  struct event *ev;
  capture_fn fn;
  void *arg;
  int linktype;
  unsigned seen;
};

typedef struct open_args {
  const char *ifname;
  pcap_t *pcap;
  char *err;
  size_t errlen;
} open_args_t;

/* Runs inside the host's namespace: the packet socket binds to that namespace. */
static int open_in_host(void *p) {
  open_args_t *a = p;
  char ebuf[PCAP_ERRBUF_SIZE] = "";
  a->pcap = pcap_create(a->ifname, ebuf);
  if (!a->pcap) {
    snprintf(a->err, a->errlen, "pcap_create(%s): %s", a->ifname, ebuf);
    return -1;
  }
  pcap_set_snaplen(a->pcap, 65535);
  pcap_set_immediate_mode(a->pcap, 1);
  pcap_set_buffer_size(a->pcap, 4 << 20);
  int rc = pcap_activate(a->pcap);
  if (rc < 0) {
    snprintf(a->err, a->errlen, "capturing on %s: %s", a->ifname, pcap_geterr(a->pcap));
    pcap_close(a->pcap);
    a->pcap = NULL;
    return -1;
  }
  return 0;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
  capture_t *c = (capture_t *)user;
  c->seen++;
  pcap_dump((u_char *)c->dump, h, bytes);
  if (c->fn) c->fn(c->arg, h, bytes, c->linktype);
}

static void drain(capture_t *c) {
  /* Bounded per wakeup so a flood cannot hold the loop. */
  (void)pcap_dispatch(c->pcap, 256, on_packet, (u_char *)c);
}

static void on_readable(evutil_socket_t fd, short what, void *arg) { drain(arg); }

capture_t *capture_new(lab_t *lab, lab_host_t host, const char *ifname, const char *pcap_path,
                       struct event_base *base, capture_fn fn, void *arg, char *err, size_t errlen) {
  capture_t *c = calloc(1, sizeof *c);
  open_args_t a = {ifname, NULL, err, errlen};
  char ebuf[PCAP_ERRBUF_SIZE];
  if (!c) goto fail;
  if (lab_within(lab, host, open_in_host, &a) < 0) goto fail;
  c->pcap = a.pcap;
  c->fn = fn;
  c->arg = arg;
  c->linktype = pcap_datalink(c->pcap);
  if (pcap_setnonblock(c->pcap, 1, ebuf) < 0) {
    snprintf(err, errlen, "pcap_setnonblock: %s", ebuf);
    goto fail;
  }
  /* Opened here, close-on-exec: libpcap's own pcap_dump_open would leave it to the client. */
  FILE *f = fopen(pcap_path, "we");
  c->dump = f ? pcap_dump_fopen(c->pcap, f) : NULL;
  if (!c->dump && f) fclose(f);
  if (!c->dump) {
    snprintf(err, errlen, "cannot write %s: %s", pcap_path, pcap_geterr(c->pcap));
    goto fail;
  }
  int fd = pcap_get_selectable_fd(c->pcap);
  /* libpcap opens its packet socket without close-on-exec: the client must never inherit it. */
  if (fd >= 0) (void)fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
  c->ev = fd >= 0 ? event_new(base, fd, EV_READ | EV_PERSIST, on_readable, c) : NULL;
  if (!c->ev || event_add(c->ev, NULL) < 0) {
    snprintf(err, errlen, "cannot watch the capture");
    goto fail;
  }
  return c;
fail:
  capture_free(c);
  return NULL;
}

void capture_free(capture_t *c) {
  if (!c) return;
  if (c->ev) event_free(c->ev);
  if (c->pcap && c->dump) (void)capture_catch_up(c);
  if (c->dump) pcap_dump_close(c->dump);
  if (c->pcap) pcap_close(c->pcap);
  free(c);
}

int capture_catch_up(capture_t *c) {
  for (int i = 0; i < 64; i++) {
    int got = pcap_dispatch(c->pcap, 256, on_packet, (u_char *)c);
    if (got == 0) return 0;
    if (got < 0) return -1;
  }
  return -1;
}

void capture_stats(capture_t *c, unsigned *seen, unsigned *dropped) {
  struct pcap_stat st = {0};
  *seen = c->seen;
  *dropped = pcap_stats(c->pcap, &st) == 0 ? st.ps_drop : 0;
}
