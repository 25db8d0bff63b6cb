#include "sim/impair/heldq.h"

#include <stdlib.h>

struct heldq {
  heldq_pkt_t *pkts; /* unordered: the order is (release_us, seq), found by a scan */
  int n, cap;
  uint64_t next_seq;
};

heldq_t *heldq_new(int cap) {
  heldq_t *q = calloc(1, sizeof *q);
  if (!q || cap <= 0) goto fail;
  q->pkts = calloc((size_t)cap, sizeof *q->pkts);
  if (!q->pkts) goto fail;
  q->cap = cap;
  return q;
fail:
  heldq_free(q);
  return NULL;
}

void heldq_free(heldq_t *q) {
  if (!q) return;
  free(q->pkts);
  free(q);
}

bool heldq_push(heldq_t *q, const void *owner, uint32_t id, int64_t release_us, uint64_t after) {
  if (q->n >= q->cap) return false;
  q->pkts[q->n++] = (heldq_pkt_t){owner, id, release_us, after, q->next_seq++};
  return true;
}

static bool leaves_before(const heldq_pkt_t *a, const heldq_pkt_t *b) {
  return a->release_us < b->release_us || (a->release_us == b->release_us && a->seq < b->seq);
}

bool heldq_pop_due(heldq_t *q, const void *only, int64_t now, bool all, heldq_passed_fn passed, heldq_pkt_t *out) {
  int best = -1;
  for (int k = 0; k < q->n; k++) {
    const heldq_pkt_t *p = &q->pkts[k];
    if (only && p->owner != only) continue;
    bool due = all || p->release_us <= now || (p->after && passed && passed(p->owner) >= p->after);
    if (due && (best < 0 || leaves_before(p, &q->pkts[best]))) best = k;
  }
  if (best < 0) return false;
  *out = q->pkts[best];
  q->pkts[best] = q->pkts[--q->n]; /* the order is in the keys, not the positions */
  return true;
}

int64_t heldq_earliest(const heldq_t *q) {
  int64_t next = INT64_MAX;
  for (int k = 0; k < q->n; k++)
    if (q->pkts[k].release_us < next) next = q->pkts[k].release_us;
  return next;
}

int heldq_count(const heldq_t *q) { return q->n; }
