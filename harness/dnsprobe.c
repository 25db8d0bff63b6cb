#include "harness/dnsprobe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

typedef struct probe {
  dnsprobe_t *owner;
  char step[64], resolver[64], qname[256];
  uint16_t id;
  int fd;
  struct event *ev;
} probe_t;

struct dnsprobe {
  struct event_base *base;
  record_t *rec;
  lab_t *lab;
  int64_t timeout_ms;
  probe_t probes[DNSPROBE_MAX];
  uint16_t next_id;
};

dnsprobe_t *dnsprobe_new(struct event_base *base, record_t *rec, lab_t *lab, double time_scale) {
  dnsprobe_t *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->base = base;
  p->rec = rec;
  p->lab = lab;
  p->timeout_ms = (int64_t)((double)DNSPROBE_TIMEOUT_MS * time_scale + 0.5);
  p->next_id = 0x6270; /* any id: the answer is matched by it */
  for (int i = 0; i < DNSPROBE_MAX; i++) p->probes[i].fd = -1;
  return p;
}

static void probe_close(probe_t *q) {
  if (q->ev) event_free(q->ev);
  if (q->fd >= 0) close(q->fd);
  q->ev = NULL;
  q->fd = -1;
}

void dnsprobe_free(dnsprobe_t *p) {
  if (!p) return;
  for (int i = 0; i < DNSPROBE_MAX; i++) probe_close(&p->probes[i]);
  free(p);
}

/* The probe's outcome; answer is NULL when none came in time, or when the
 * network refused the query at once (why: a route fault's error). */
static void probe_report(probe_t *q, const ldns_pkt *answer, const char *why) {
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "step", q->step);
  cJSON_AddStringToObject(f, "resolver", q->resolver);
  cJSON_AddStringToObject(f, "qname", q->qname);
  int n = 0;
  if (answer) {
    char *rcode = ldns_pkt_rcode2str(ldns_pkt_get_rcode(answer));
    cJSON_AddStringToObject(f, "rcode", rcode ? rcode : "?");
    free(rcode);
    const ldns_rr_list *an = ldns_pkt_answer(answer);
    for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
      if (ldns_rr_get_type(ldns_rr_list_rr(an, i)) == LDNS_RR_TYPE_A) n++;
  }
  cJSON_AddNumberToObject(f, "answers", n);
  cJSON_AddBoolToObject(f, "timed_out", answer == NULL && !why);
  if (why) cJSON_AddStringToObject(f, "error", why);
  cJSON_AddBoolToObject(f, "ok", answer && ldns_pkt_get_rcode(answer) == LDNS_RCODE_NOERROR && n > 0);
  record_harness(q->owner->rec, "probe.dns", f);
  probe_close(q);
}

static void on_answer(evutil_socket_t fd, short what, void *arg) {
  probe_t *q = arg;
  if (what & EV_TIMEOUT) {
    probe_report(q, NULL, NULL);
    return;
  }
  uint8_t buf[4096];
  ssize_t len = recv(fd, buf, sizeof buf, 0);
  ldns_pkt *pkt = NULL;
  /* Anything else on the socket (a stray or malformed datagram) is not the answer: keep waiting. */
  if (len <= 0 || ldns_wire2pkt(&pkt, buf, (size_t)len) != LDNS_STATUS_OK) return;
  if (ldns_pkt_id(pkt) == q->id && ldns_pkt_qr(pkt)) probe_report(q, pkt, NULL);
  ldns_pkt_free(pkt);
}

static probe_t *free_slot(dnsprobe_t *p) {
  for (int i = 0; i < DNSPROBE_MAX; i++)
    if (p->probes[i].fd < 0) return &p->probes[i];
  return NULL;
}

int dnsprobe_start(dnsprobe_t *p, const char *step, lab_host_t host, const char *resolver, const char *resolver_addr,
                   const char *qname, char *err, size_t errlen) {
  probe_t *q = free_slot(p);
  ldns_pkt *query = NULL;
  uint8_t *wire = NULL;
  size_t len = 0;
  struct sockaddr_storage ss;
  socklen_t sl;
  int rc = -1;
  if (!q) {
    snprintf(err, errlen, "more than %d DNS probes waiting at once", DNSPROBE_MAX);
    goto out;
  }
  *q = (probe_t){.owner = p, .fd = -1, .id = p->next_id++};
  snprintf(q->step, sizeof q->step, "%s", step);
  snprintf(q->resolver, sizeof q->resolver, "%s", resolver);
  snprintf(q->qname, sizeof q->qname, "%s", qname);
  if (ldns_pkt_query_new_frm_str(&query, qname, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK) {
    snprintf(err, errlen, "probe.dns: \"%s\" is not a DNS name", qname);
    goto out;
  }
  ldns_pkt_set_id(query, q->id);
  if (ldns_pkt2wire(&wire, query, &len) != LDNS_STATUS_OK || lab_sockaddr(resolver_addr, 53, &ss, &sl) < 0) {
    snprintf(err, errlen, "probe.dns: building the query failed");
    goto out;
  }
  q->fd = lab_socket(p->lab, host, ss.ss_family, SOCK_DGRAM, 0);
  if (q->fd < 0 || evutil_make_socket_nonblocking(q->fd) < 0) {
    snprintf(err, errlen, "probe.dns: opening a socket failed: %s", strerror(errno));
    goto out;
  }
  /* A route fault refuses the query at once (a blackhole route: EINVAL):
   * that is the network's answer, not the harness failing. */
  if (connect(q->fd, (struct sockaddr *)&ss, sl) < 0 || send(q->fd, wire, len, 0) != (ssize_t)len) {
    probe_report(q, NULL, strerror(errno));
    rc = 0;
    goto out;
  }
  struct timeval tv = {(time_t)(p->timeout_ms / 1000), (suseconds_t)(p->timeout_ms % 1000) * 1000};
  q->ev = event_new(p->base, q->fd, EV_READ | EV_PERSIST, on_answer, q);
  if (!q->ev || event_add(q->ev, &tv) < 0) {
    snprintf(err, errlen, "probe.dns: waiting for the answer failed");
    goto out;
  }
  rc = 0;
out:
  if (q) {
    if (rc < 0) probe_close(q);
  }
  ldns_pkt_free(query);
  free(wire);
  return rc;
}
