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

/* Bounds of the parameters, each a named constant. */
enum { WIRE_PERCENT_MAX = 100, WIRE_GAP_MAX = 1000, WIRE_MTU_MIN = 68, WIRE_MTU_MAX = 65535 };
/* tbf never sends a packet larger than its bucket: at least a full frame. */
enum { WIRE_BURST_MIN = 1600 };
/* The defaults, as docs/scenario-format.md gives them (the durations' are in the fault table, which --time-scale scales). */
enum {
  WIRE_LOSS_PERCENT = 10,
  WIRE_GE_R_PERCENT = 25,
  WIRE_REORDER_PERCENT = 25,
  WIRE_REORDER_GAP = 3,
  WIRE_DUP_PERCENT = 10,
  WIRE_BURST = 10000,
  WIRE_MTU = 1280,
};

typedef struct where {
  impair_match_t m;
  const char *prefixes[2 * MAP_MAX_PARTIES];
} where_t;

static int wire_where(const world_t *w, const char *target, where_t *wh, char *err, size_t errlen) {
  memset(wh, 0, sizeof *wh);
  wh->m.prefixes = wh->prefixes;
  for (int i = 0; i < map_n_links; i++) {
    if (strcmp(map_links[i].ifname, target) != 0) continue;
    wh->m.host = map_links[i].b;
    wh->m.ifname = map_links[i].ifname;
    return 0;
  }
  wh->m.host = map_client_link(lab_site(w->lab))->b; /* the client's access router, at its site */
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
    s->percent = world_param_int(params, "percent", WIRE_LOSS_PERCENT);
    s->ge_p = world_param_int(params, "p", 0);
    s->ge_r = world_param_int(params, "r", WIRE_GE_R_PERCENT);
    s->ge_loss_bad = world_param_int(params, "loss_bad", WIRE_PERCENT_MAX);
    s->ge_loss_good = world_param_int(params, "loss_good", 0);
    return in_range(s->percent, 0, hi, "percent", err, errlen) && in_range(s->ge_p, 0, hi, "p", err, errlen) &&
                   in_range(s->ge_r, 0, hi, "r", err, errlen) &&
                   in_range(s->ge_loss_bad, 0, hi, "loss_bad", err, errlen) &&
                   in_range(s->ge_loss_good, 0, hi, "loss_good", err, errlen)
               ? 0
               : -1;
  case FAULT_NET_REORDER:
    s->kind = IMPAIR_REORDER;
    s->percent = world_param_int(params, "percent", WIRE_REORDER_PERCENT);
    s->gap = world_param_int(params, "gap", WIRE_REORDER_GAP);
    s->hold_us = world_param_dur(params, "hold") * 1000;
    return in_range(s->percent, 0, hi, "percent", err, errlen) && in_range(s->gap, 1, WIRE_GAP_MAX, "gap", err, errlen)
               ? 0
               : -1;
  case FAULT_NET_DUPLICATE:
    s->kind = IMPAIR_DUPLICATE;
    s->percent = world_param_int(params, "percent", WIRE_DUP_PERCENT);
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

/* Drops large packets, and the ICMP that would tell the sender: a path MTU black hole. */
static int mtu_fault(world_t *w, const char *target, const where_t *wh, const cJSON *params, bool on, char *err,
                     size_t errlen) {
  static const char *const hooks[] = {"prerouting", "postrouting", "forward", "output"};
  int mtu = world_param_int(params, "mtu", WIRE_MTU);
  if (on && !in_range(mtu, WIRE_MTU_MIN, WIRE_MTU_MAX, "mtu", err, errlen)) return -1;
  for (int h = 0; h < 4; h++) {
    char chain[128], rules[4096] = "";
    size_t used = 0;
    /* Addresses need no postrouting chain: prerouting sees both directions of what the host forwards. */
    if (h == 1 && !wh->m.ifname) continue;
    chain_name(chain, sizeof chain, target, hooks[h]);
    if (!on) {
      if (nft_fault_del(w->lab, wh->m.host, chain, err, errlen) < 0) return -1;
      continue;
    }
    if (h >= 2) {
      /* Nothing on this host says "fragmentation needed" or "packet too big", whoever would. */
      snprintf(rules, sizeof rules, "icmp type destination-unreachable icmp code 4 drop\n"
                                    "icmpv6 type packet-too-big drop\n");
    } else if (wh->m.ifname) {
      const char *dir = h == 0 ? "iifname" : "oifname";
      snprintf(rules, sizeof rules,
               "%s \"%s\" ip length > %d ip frag-off & 0x4000 != 0 drop\n%s \"%s\" ip6 length > %d drop\n", dir,
               wh->m.ifname, mtu, dir, wh->m.ifname, mtu - 40);
    } else {
      for (int k = 0; k < wh->m.n_prefixes && used < sizeof rules; k++) {
        bool v6 = strchr(wh->m.prefixes[k], ':') != NULL;
        for (int d = 0; d < 2 && used < sizeof rules; d++)
          used += (size_t)snprintf(rules + used, sizeof rules - used,
                                   v6 ? "ip6 %s %s ip6 length > %d drop\n"
                                      : "ip %s %s ip length > %d ip frag-off & 0x4000 != 0 drop\n",
                                   d ? "saddr" : "daddr", wh->m.prefixes[k], v6 ? mtu - 40 : mtu);
      }
    }
    if (nft_fault_add(w->lab, wh->m.host, chain, hooks[h], rules, err, errlen) < 0) return -1;
  }
  return 0;
}

int world_wire_fault(world_t *w, const map_fault_t *f, const char *target, const cJSON *params, bool on, char *err,
                     size_t errlen) {
  where_t wh;
  char key[128];
  if (wire_where(w, target, &wh, err, errlen) < 0) return -1;
  if (f->handler == FAULT_NET_RATE) {
    int kbit = world_param_int(params, "rate", 0), burst = world_param_int(params, "burst", WIRE_BURST);
    if (on && (!in_range(kbit, 1, 10000000, "rate", err, errlen) ||
               !in_range(burst, WIRE_BURST_MIN, 1 << 24, "burst", err, errlen)))
      return -1;
    return rate_link(w->lab, target, kbit, burst, on, err, errlen);
  }
  if (f->handler == FAULT_NET_MTU) {
    /* Off removes every chain, though one missing (a failed on) makes it an error. */
    return mtu_fault(w, target, &wh, params, on, err, errlen);
  }
  snprintf(key, sizeof key, "%s %s", f->name, target);
  if (!on) return impair_off(w->impair, key, err, errlen);
  impair_spec_t spec;
  if (wire_spec(f, params, &spec, err, errlen) < 0) return -1;
  return impair_on(w->impair, key, &wh.m, &spec, err, errlen);
}
