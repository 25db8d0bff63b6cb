#include "sim/impair/impair.h"

#include <errno.h>
#include <fcntl.h>
#include <libnet.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/dur.h"
#include "base/rng.h"
#include "sim/decode/packet.h"
#include <pcap/dlt.h>
#include "sim/impair/heldq.h"
#include "sim/impair/qrule.h"

/* Queue numbers are this plus the slot (queues are per network namespace). */
enum { IMPAIR_QUEUE_BASE = 100 };
/* Netlink messages read per wake-up, so that a flood does not starve the loop. */
enum { IMPAIR_READS_PER_WAKE = 64 };
/* The socket buffer asked for: a burst of full-size packets. */
enum { IMPAIR_RCVBUF = 4 << 20 };

typedef struct host {
  struct nfq_handle *h;
  struct event *ev;
  libnet_t *raw4, *raw6; /* the copies of duplication, marked */
  int users;             /* slots on this host */
  struct impair *im;
} host_t;

typedef struct slot {
  bool used;
  char key[96];
  lab_host_t host;
  impair_spec_t spec;
  struct nfq_q_handle *qh;
  uint64_t rng;
  bool bad;        /* the Gilbert-Elliott state */
  uint64_t passed; /* packets passed so far: what a held-back packet waits for */
  int64_t last_release_us;
  struct impair *im;
} slot_t;

struct impair {
  struct event_base *base;
  lab_t *lab;
  uint64_t seed;
  host_t hosts[LAB_N_HOSTS];
  slot_t slots[IMPAIR_MAX_SLOTS];
  heldq_t *held; /* of every slot; a packet's owner is its slot */
  struct event *timer;
  unsigned char buf[0x10000 + 0x1000]; /* one netlink message: a packet of up to 64 KiB and its attributes */
};

static void verdict(slot_t *s, uint32_t id, uint32_t v) {
  nfq_set_verdict(s->qh, id, v, 0, NULL);
  if (v == NF_ACCEPT) s->passed++;
}

static uint64_t slot_passed(const void *owner) { return ((const slot_t *)owner)->passed; }

/* Passes what is due: by time, or (held back for reordering) once enough
 * later packets passed; each pass may make another held packet due. */
static void release_due(impair_t *im, slot_t *only, bool all) {
  int64_t now = dur_now_us();
  heldq_pkt_t p;
  while (heldq_pop_due(im->held, only, now, all, slot_passed, &p)) {
    slot_t *s = (slot_t *)p.owner; /* the engine's own slot, held as a const key */
    verdict(s, p.id, NF_ACCEPT);
  }
}

static void arm_timer(impair_t *im) {
  int64_t next = heldq_earliest(im->held), now = dur_now_us();
  if (next == INT64_MAX) {
    evtimer_del(im->timer);
    return;
  }
  int64_t wait = next > now ? next - now : 0;
  struct timeval tv = {(time_t)(wait / 1000000), (suseconds_t)(wait % 1000000)};
  evtimer_add(im->timer, &tv);
}

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  impair_t *im = arg;
  release_due(im, NULL, false);
  arm_timer(im);
}

static bool chance(slot_t *s, int percent) { return percent > 0 && (int)rng_below(&s->rng, 100) < percent; }

static bool lost(slot_t *s) {
  const impair_spec_t *p = &s->spec;
  if (p->ge_p <= 0) return chance(s, p->percent);
  if (s->bad ? chance(s, p->ge_r) : chance(s, p->ge_p)) s->bad = !s->bad;
  return chance(s, s->bad ? p->ge_loss_bad : p->ge_loss_good);
}

/* Sends a copy of a packet, marked so that the rules let it through. */
static void duplicate(impair_t *im, slot_t *s, struct nfq_data *nfa) {
  unsigned char *data = NULL;
  int len = nfq_get_payload(nfa, &data);
  pkt_view_t v;
  if (len <= 0 || pkt_decode(data, (size_t)len, DLT_RAW, &v) < 0) return;
  host_t *hs = &im->hosts[s->host];
  libnet_t *l = v.family == 4 ? hs->raw4 : hs->raw6;
  if (!l) return;
  if (v.family == 4)
    libnet_write_raw_ipv4(l, data, (uint32_t)len);
  else
    libnet_write_raw_ipv6(l, data, (uint32_t)len);
}

static bool hold(impair_t *im, slot_t *s, uint32_t id, int64_t release_us, uint64_t after) {
  return heldq_push(im->held, s, id, release_us, after);
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *arg) {
  slot_t *s = arg;
  impair_t *im = s->im;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  const impair_spec_t *p = &s->spec;
  int64_t now = dur_now_us();
  bool held = false;
  switch (p->kind) {
  case IMPAIR_LOSS:
    if (lost(s)) {
      verdict(s, id, NF_DROP);
      return 0;
    }
    break;
  case IMPAIR_DUPLICATE:
    if (chance(s, p->percent)) duplicate(im, s, nfa);
    break;
  case IMPAIR_DELAY: {
    int64_t j = p->jitter_us ? (int64_t)rng_below(&s->rng, (uint64_t)(2 * p->jitter_us + 1)) - p->jitter_us : 0;
    int64_t at = now + p->delay_us + j;
    /* Jitter spreads packets, it does not reorder them: never before the
     * previous one, and ties leave in the order held (heldq). */
    if (at < s->last_release_us) at = s->last_release_us;
    held = hold(im, s, id, at, 0);
    if (held) s->last_release_us = at;
    break;
  }
  case IMPAIR_REORDER:
    if (chance(s, p->percent)) held = hold(im, s, id, now + p->hold_us, s->passed + (uint64_t)(p->gap > 0 ? p->gap : 1));
    break;
  }
  if (!held) verdict(s, id, NF_ACCEPT);
  release_due(im, s, false);
  arm_timer(im);
  return 0;
}

/* Reads what the kernel queued, a bounded number of messages per wake-up. */
static void host_read(host_t *hs) {
  impair_t *im = hs->im;
  int fd = nfq_fd(hs->h);
  for (int i = 0; i < IMPAIR_READS_PER_WAKE; i++) {
    ssize_t n = recv(fd, im->buf, sizeof im->buf, MSG_DONTWAIT);
    if (n < 0 && errno == ENOBUFS) continue; /* unreported with NETLINK_NO_ENOBUFS (host_open); go on if seen */
    if (n <= 0) break;
    nfq_handle_packet(hs->h, (char *)im->buf, (int)n);
  }
}

static void on_readable(evutil_socket_t fd, short what, void *arg) { host_read(arg); }

static void host_close(host_t *hs) {
  if (hs->ev) event_free(hs->ev);
  if (hs->h) nfq_close(hs->h);
  if (hs->raw4) libnet_destroy(hs->raw4);
  if (hs->raw6) libnet_destroy(hs->raw6);
  *hs = (host_t){0};
}

static int open_in_host(void *arg) {
  host_t *hs = arg;
  char ebuf[LIBNET_ERRBUF_SIZE];
  uint32_t mark = IMPAIR_SKIP_MARK;
  hs->h = nfq_open();
  hs->raw4 = libnet_init(LIBNET_RAW4, NULL, ebuf);
  hs->raw6 = libnet_init(LIBNET_RAW6, NULL, ebuf);
  if (!hs->h || !hs->raw4 || !hs->raw6) return -1;
  if (setsockopt(libnet_getfd(hs->raw4), SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0 ||
      setsockopt(libnet_getfd(hs->raw6), SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0)
    return -1;
  return 0;
}

/* The engine's handles in a host: the queue's netlink socket and the raw
 * sockets belong to the namespace they are made in. */
static host_t *host_open(impair_t *im, lab_host_t h, char *err, size_t errlen) {
  host_t *hs = &im->hosts[h];
  if (hs->h) return hs;
  hs->im = im;
  if (lab_within(im->lab, h, open_in_host, hs) < 0) goto fail;
  int fd = nfq_fd(hs->h), rcvbuf = IMPAIR_RCVBUF, one = 1;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf); /* best effort: rmem_max caps it */
  /* When this buffer is full the kernel cannot hand a packet over, and
   * passes it (the queue is fail-open: nfnetlink_queue queues a packet only
   * once its message is delivered), so a lost message never leaves a packet
   * waiting for a verdict. Those packets are not impaired; an error on the
   * next read would tell nothing more. */
  if (setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one) < 0) goto fail;
  int fds[3] = {fd, libnet_getfd(hs->raw4), libnet_getfd(hs->raw6)};
  for (int i = 0; i < 3; i++)
    if (fcntl(fds[i], F_SETFD, FD_CLOEXEC) < 0) goto fail; /* never inherited by the client */
  if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) goto fail;
  hs->ev = event_new(im->base, fd, EV_READ | EV_PERSIST, on_readable, hs);
  if (!hs->ev || event_add(hs->ev, NULL) < 0) goto fail;
  return hs;
fail:
  snprintf(err, errlen, "opening the impairment engine's queue in %s failed: %s", map_host_name(h), strerror(errno));
  host_close(hs);
  return NULL;
}

impair_t *impair_new(struct event_base *base, lab_t *lab, uint64_t seed) {
  impair_t *im = calloc(1, sizeof *im);
  if (!im) return NULL;
  im->base = base;
  im->lab = lab;
  im->seed = seed;
  im->timer = evtimer_new(base, on_timer, im);
  im->held = heldq_new(IMPAIR_HELD_MAX);
  if (!im->timer || !im->held) {
    impair_free(im);
    return NULL;
  }
  return im;
}

static slot_t *find_slot(impair_t *im, const char *key) {
  for (int k = 0; k < IMPAIR_MAX_SLOTS; k++)
    if (im->slots[k].used && strcmp(im->slots[k].key, key) == 0) return &im->slots[k];
  return NULL;
}

typedef struct rule_job {
  int slot;
  const impair_match_t *m;
  char *err;
  size_t errlen;
} rule_job_t;

static int add_rules(void *arg) {
  rule_job_t *j = arg;
  qrule_match_t q = {j->m->ifname, j->m->prefixes, j->m->n_prefixes};
  return qrule_add(j->slot, (uint16_t)(IMPAIR_QUEUE_BASE + j->slot), &q, IMPAIR_SKIP_MARK, j->err, j->errlen);
}

static int del_rules(void *arg) {
  rule_job_t *j = arg;
  return qrule_del(j->slot, j->err, j->errlen);
}

static uint64_t key_hash(const char *key) {
  uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
  for (const char *c = key; *c; c++) h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
  return h;
}

/* The queue's end of a slot: closed after its held packets pass. */
static void slot_close(impair_t *im, slot_t *s) {
  host_t *hs = &im->hosts[s->host];
  if (hs->h) host_read(hs); /* what was queued before the rules went */
  release_due(im, s, true);
  if (s->qh) nfq_destroy_queue(s->qh);
  s->used = false;
  s->qh = NULL;
  if (--hs->users <= 0) host_close(hs);
  arm_timer(im);
}

int impair_on(impair_t *im, const char *key, const impair_match_t *m, const impair_spec_t *spec, char *err,
              size_t errlen) {
  slot_t *s = NULL;
  err[0] = 0;
  if (find_slot(im, key)) {
    snprintf(err, errlen, "%s is on already", key);
    return -1;
  }
  int k = 0;
  while (k < IMPAIR_MAX_SLOTS && im->slots[k].used) k++;
  if (k == IMPAIR_MAX_SLOTS) {
    snprintf(err, errlen, "at most %d packet impairments at once", IMPAIR_MAX_SLOTS);
    return -1;
  }
  host_t *hs = host_open(im, m->host, err, errlen);
  if (!hs) return -1;
  s = &im->slots[k];
  *s = (slot_t){.used = true, .host = m->host, .spec = *spec, .im = im};
  snprintf(s->key, sizeof s->key, "%s", key);
  s->rng = im->seed ^ key_hash(key);
  hs->users++;
  s->qh = nfq_create_queue(hs->h, (uint16_t)(IMPAIR_QUEUE_BASE + k), on_packet, s);
  uint8_t mode = spec->kind == IMPAIR_DUPLICATE ? NFQNL_COPY_PACKET : NFQNL_COPY_META;
  if (!s->qh || nfq_set_mode(s->qh, mode, 0xffff) < 0 || nfq_set_queue_maxlen(s->qh, IMPAIR_QUEUE_MAXLEN) < 0 ||
      nfq_set_queue_flags(s->qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN) < 0) {
    snprintf(err, errlen, "creating the impairment engine's queue %d failed: %s", IMPAIR_QUEUE_BASE + k, strerror(errno));
    goto fail;
  }
  rule_job_t j = {k, m, err, errlen};
  if (lab_within(im->lab, m->host, add_rules, &j) < 0) {
    if (!err[0]) snprintf(err, errlen, "adding the rules of %s failed", key);
    lab_within(im->lab, m->host, del_rules, &(rule_job_t){k, m, (char[256]){0}, 256});
    goto fail;
  }
  return 0;
fail:
  slot_close(im, s);
  return -1;
}

int impair_off(impair_t *im, const char *key, char *err, size_t errlen) {
  slot_t *s = find_slot(im, key);
  err[0] = 0;
  if (!s) {
    snprintf(err, errlen, "%s is not on", key);
    return -1;
  }
  rule_job_t j = {(int)(s - im->slots), NULL, err, errlen};
  int rc = lab_within(im->lab, s->host, del_rules, &j);
  slot_close(im, s);
  return rc < 0 ? -1 : 0;
}

void impair_free(impair_t *im) {
  if (!im) return;
  /* The rules stay (the lab's namespaces take them), but with no queue they let packets pass. */
  for (int k = 0; k < IMPAIR_MAX_SLOTS; k++)
    if (im->slots[k].used) slot_close(im, &im->slots[k]);
  if (im->timer) event_free(im->timer);
  heldq_free(im->held);
  free(im);
}
