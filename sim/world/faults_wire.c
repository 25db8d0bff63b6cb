/* The world's faults on the wire: net.delay, net.loss, net.reorder and
 * net.duplicate through the impairment engine (sim/impair/impair.h),
 * net.rate as a tbf qdisc (sim/impair/rate.h), and net.mtu-blackhole as
 * nftables drops.
 *
 * Where they act: a link target on the link's b end (its forwarding end,
 * map.h), on every packet that crosses the link either way; a party, group
 * or segment on the b end of the client's link (the client's access router),
 * on every packet from or to the target's addresses. */
#include <stdio.h>
#include <string.h>

#include "sim/impair/rate.h"
#include "sim/lab/nft.h"
#include "sim/world/world_int.h"

/* Bounds of the parameters, each a named constant. Their defaults are in
 * the fault table (map_param_t.def), written into the step before it
 * reaches the world. */
enum { WIRE_PERCENT_MAX = 100, WIRE_GAP_MAX = 1000, WIRE_MTU_MIN = 68, WIRE_MTU_MAX = 65535 };
/* tbf never sends a packet larger than its bucket: at least a full frame. */
enum { WIRE_BURST_MIN = 1600 };
/* The fastest rate limit (10 Gbit/s: its bytes per second, and the queue
 * that rate.c sizes from them, still fit in an int, as libnl takes them)
 * and the largest bucket (16 MiB). */
enum { WIRE_RATE_MAX_KBIT = 10000000, WIRE_BURST_MAX = 1 << 24 };
/* The rules of one MTU chain: two per prefix of the target. */
enum { WIRE_MTU_RULES_MAX = 4096 };

typedef struct where {
  impair_match_t m;
  const char *prefixes[2 * MAP_MAX_PARTIES];
} where_t;

static int wire_where(const world_t *w, const char *target, where_t *wh, char *err, size_t errlen) {
  memset(wh, 0, sizeof *wh);
  wh->m.prefixes = wh->prefixes;
  const map_link_t *link = map_link(target);
  if (link) {
    wh->m.host = link->b;
    wh->m.ifname = link->ifname;
    return 0;
  }
  wh->m.host = map_site_router(lab_site(w->lab)); /* the client's access router */
  const map_segment_t *seg = map_segment(target);
  if (seg) {
    wh->prefixes[wh->m.n_prefixes++] = seg->v4;
    wh->prefixes[wh->m.n_prefixes++] = seg->v6;
    return 0;
  }
  map_target_set_t set;
  int n = map_target_parties(target, &set);
  for (int k = 0; k < n; k++) {
    wh->prefixes[wh->m.n_prefixes++] = set.parties[k]->v4;
    wh->prefixes[wh->m.n_prefixes++] = set.parties[k]->v6;
  }
  if (n > 0) return 0;
  snprintf(err, errlen, "no link, segment or party is called \"%s\"", target);
  return -1;
}

static bool in_range(int v, int lo, int hi, const char *name, char *err, size_t errlen) {
  if (v >= lo && v <= hi) return true;
  snprintf(err, errlen, "parameter %s is %d; it must be from %d to %d", name, v, lo, hi);
  return false;
}

/* The engine's spec of a fault row, from its parameters. */
static int wire_spec(const map_fault_t *f, const cJSON *params, impair_spec_t *s, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  int hi = WIRE_PERCENT_MAX;
  switch (f->handler) {
  case FAULT_NET_DELAY:
    s->kind = IMPAIR_DELAY;
    s->delay_us = world_param_dur(params, "delay") * 1000;
    s->jitter_us = world_param_dur(params, "jitter") * 1000;
    return 0;
  case FAULT_NET_LOSS:
    s->kind = IMPAIR_LOSS;
    s->percent = world_param_int(params, "percent");
    s->ge_p = world_param_int(params, "p");
    s->ge_r = world_param_int(params, "r");
    s->ge_loss_bad = world_param_int(params, "loss_bad");
    s->ge_loss_good = world_param_int(params, "loss_good");
    return in_range(s->percent, 0, hi, "percent", err, errlen) && in_range(s->ge_p, 0, hi, "p", err, errlen) &&
                   in_range(s->ge_r, 0, hi, "r", err, errlen) &&
                   in_range(s->ge_loss_bad, 0, hi, "loss_bad", err, errlen) &&
                   in_range(s->ge_loss_good, 0, hi, "loss_good", err, errlen)
               ? 0
               : -1;
  case FAULT_NET_REORDER:
    s->kind = IMPAIR_REORDER;
    s->percent = world_param_int(params, "percent");
    s->gap = world_param_int(params, "gap");
    s->hold_us = world_param_dur(params, "hold") * 1000;
    return in_range(s->percent, 0, hi, "percent", err, errlen) && in_range(s->gap, 1, WIRE_GAP_MAX, "gap", err, errlen)
               ? 0
               : -1;
  case FAULT_NET_DUPLICATE:
    s->kind = IMPAIR_DUPLICATE;
    s->percent = world_param_int(params, "percent");
    return in_range(s->percent, 0, hi, "percent", err, errlen) ? 0 : -1;
  default:
    snprintf(err, errlen, "%s is not a fault of the impairment engine", f->name);
    return -1;
  }
}

/* nft's chain names take no '-' or '.'. */
static void chain_name(char *out, size_t len, const char *target, const char *hook) {
  snprintf(out, len, "f_mtu_%s_%s", target, hook);
  for (char *c = out; *c; c++)
    if (*c == '-' || *c == '.') *c = '_';
}

/* The MTU black hole's chains: the large packets (prerouting, postrouting)
 * and the ICMP that would report them (forward, output). */
static const char *const mtu_hooks[] = {"prerouting", "postrouting", "forward", "output"};
enum { MTU_N_HOOKS = sizeof mtu_hooks / sizeof mtu_hooks[0] };

/* The rules of one MTU chain (hook index h of mtu_hooks) into rules. False
 * with err when they do not fit: a cut rule set would leave prefixes out. */
static bool mtu_rules(const where_t *wh, int h, int mtu, char *rules, size_t len, char *err, size_t errlen) {
  size_t used = 0;
  rules[0] = 0;
  if (h >= 2) {
    /* Nothing on this host says "fragmentation needed" or "packet too big", whoever would. */
    used = (size_t)snprintf(rules, len, "icmp type destination-unreachable icmp code 4 drop\n"
                                        "icmpv6 type packet-too-big drop\n");
  } else if (wh->m.ifname) {
    const char *dir = h == 0 ? "iifname" : "oifname";
    used = (size_t)snprintf(rules, len,
                            "%s \"%s\" ip length > %d ip frag-off & 0x4000 != 0 drop\n%s \"%s\" ip6 length > %d drop\n",
                            dir, wh->m.ifname, mtu, dir, wh->m.ifname, mtu - 40);
  } else {
    for (int k = 0; k < wh->m.n_prefixes && used < len; k++) {
      bool v6 = strchr(wh->m.prefixes[k], ':') != NULL;
      for (int d = 0; d < 2 && used < len; d++)
        used += (size_t)snprintf(rules + used, len - used,
                                 v6 ? "ip6 %s %s ip6 length > %d drop\n"
                                    : "ip %s %s ip length > %d ip frag-off & 0x4000 != 0 drop\n",
                                 d ? "saddr" : "daddr", wh->m.prefixes[k], v6 ? mtu - 40 : mtu);
    }
  }
  if (used < len) return true;
  snprintf(err, errlen, "the MTU black hole's rules for %d prefixes exceed %d bytes", wh->m.n_prefixes, (int)len);
  return false;
}

/* Addresses need no postrouting chain: prerouting sees both directions of what the host forwards. */
static bool mtu_hook_used(const where_t *wh, int h) { return h != 1 || wh->m.ifname; }

/* Deletes the chains of hooks [0, n): each is tried, and the first error is the one told. */
static int mtu_del(world_t *w, const char *target, const where_t *wh, int n, char *err, size_t errlen) {
  int rc = 0;
  for (int h = 0; h < n; h++) {
    char chain[128], e2[256];
    if (!mtu_hook_used(wh, h)) continue;
    chain_name(chain, sizeof chain, target, mtu_hooks[h]);
    if (nft_fault_del(w->lab, wh->m.host, chain, rc ? e2 : err, rc ? sizeof e2 : errlen) < 0) rc = -1;
  }
  return rc;
}

/* Drops large packets, and the ICMP that would tell the sender: a path MTU
 * black hole. On: every chain, or (one failed) none. Off: every chain is
 * tried; the first that could not be deleted is the error. */
static int mtu_fault(world_t *w, const char *target, const where_t *wh, const cJSON *params, bool on, char *err,
                     size_t errlen) {
  if (!on) return mtu_del(w, target, wh, MTU_N_HOOKS, err, errlen);
  int mtu = world_param_int(params, "mtu");
  if (!in_range(mtu, WIRE_MTU_MIN, WIRE_MTU_MAX, "mtu", err, errlen)) return -1;
  for (int h = 0; h < MTU_N_HOOKS; h++) {
    char chain[128], rules[WIRE_MTU_RULES_MAX], e2[256];
    if (!mtu_hook_used(wh, h)) continue;
    chain_name(chain, sizeof chain, target, mtu_hooks[h]);
    if (!mtu_rules(wh, h, mtu, rules, sizeof rules, err, errlen) ||
        nft_fault_add(w->lab, wh->m.host, chain, mtu_hooks[h], rules, err, errlen) < 0) {
      mtu_del(w, target, wh, h, e2, sizeof e2); /* undo the chains added so far; err tells why */
      return -1;
    }
  }
  return 0;
}

int world_wire_fault(world_t *w, const map_fault_t *f, const char *target, const cJSON *params, bool on, char *err,
                     size_t errlen) {
  where_t wh;
  char key[128];
  if (wire_where(w, target, &wh, err, errlen) < 0) return -1;
  if (f->handler == FAULT_NET_RATE) {
    int kbit = world_param_int(params, "rate"), burst = world_param_int(params, "burst");
    if (on && (!in_range(kbit, 1, WIRE_RATE_MAX_KBIT, "rate", err, errlen) ||
               !in_range(burst, WIRE_BURST_MIN, WIRE_BURST_MAX, "burst", err, errlen)))
      return -1;
    return rate_link(w->lab, target, kbit, burst, on, err, errlen);
  }
  if (f->handler == FAULT_NET_MTU) return mtu_fault(w, target, &wh, params, on, err, errlen);
  snprintf(key, sizeof key, "%s %s", f->name, target);
  if (!on) return impair_off(w->impair, key, err, errlen);
  impair_spec_t spec;
  if (wire_spec(f, params, &spec, err, errlen) < 0) return -1;
  return impair_on(w->impair, key, &wh.m, &spec, err, errlen);
}
