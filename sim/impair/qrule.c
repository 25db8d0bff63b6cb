#include "sim/impair/qrule.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* Chains sit at the mangle priority, one step later per slot. */
enum { QRULE_PRIORITY = -150 };
/* How long to wait for the kernel's answer to a batch. */
enum { QRULE_ACK_TIMEOUT_S = 2 };
/* The batch's buffer. libmnl lets the message that crosses a batch's limit
 * still be written past it, so the limit is half the buffer: any one message
 * (a rule is a few hundred bytes) fits in the other half. */
enum { QRULE_BATCH_BYTES = 65536, QRULE_BATCH_LIMIT = QRULE_BATCH_BYTES / 2 };

typedef struct batch {
  char buf[QRULE_BATCH_BYTES];
  struct mnl_nlmsg_batch *b;
  uint32_t seq;
  int n_acks; /* messages that the kernel acknowledges */
  bool full;  /* a message crossed the limit: the batch is cut, never sent */
} batch_t;

static void table_name(int slot, char *out, size_t len) { snprintf(out, len, "bcsim_q%d", slot); }

static struct nlmsghdr *next_hdr(batch_t *bt, uint16_t type, uint16_t family, uint16_t flags) {
  struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(bt->b), type, family, flags | NLM_F_ACK, bt->seq++);
  bt->n_acks++;
  return nlh;
}

/* Closes the message just built. False (and the batch is marked full) when it crossed the limit. */
static bool msg_done(batch_t *bt) {
  if (!mnl_nlmsg_batch_next(bt->b)) bt->full = true;
  return !bt->full;
}

/* NEWTABLE (created if missing, kept if there), or DELTABLE with everything in it. */
static bool add_table(batch_t *bt, int family, const char *name, bool del) {
  struct nftnl_table *t = nftnl_table_alloc();
  if (!t) return false;
  nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
  struct nlmsghdr *nlh = next_hdr(bt, del ? NFT_MSG_DELTABLE : NFT_MSG_NEWTABLE, (uint16_t)family, del ? 0 : NLM_F_CREATE);
  nftnl_table_nlmsg_build_payload(nlh, t);
  nftnl_table_free(t);
  return msg_done(bt);
}

static bool add_chain(batch_t *bt, int family, const char *table, const char *name, int hook, int prio) {
  struct nftnl_chain *c = nftnl_chain_alloc();
  if (!c) return false;
  nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
  nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
  nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
  nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
  nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
  nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
  struct nlmsghdr *nlh = next_hdr(bt, NFT_MSG_NEWCHAIN, (uint16_t)family, NLM_F_CREATE);
  nftnl_chain_nlmsg_build_payload(nlh, c);
  nftnl_chain_free(c);
  return msg_done(bt);
}

/* The expression builders add one expression to r, or return false and add
 * nothing: a rule missing one (a cmp, say) would match every packet, so the
 * caller abandons the whole batch. */

/* reg1 = a meta key. */
static bool e_meta(struct nftnl_rule *r, uint32_t key) {
  struct nftnl_expr *e = nftnl_expr_alloc("meta");
  if (!e) return false;
  nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
  nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
  nftnl_rule_add_expr(r, e);
  return true;
}

/* reg1 == data, or the rule ends. */
static bool e_cmp(struct nftnl_rule *r, const void *data, uint32_t len) {
  struct nftnl_expr *e = nftnl_expr_alloc("cmp");
  if (!e) return false;
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
  nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
  nftnl_rule_add_expr(r, e);
  return true;
}

/* reg1 = len bytes of the network header at offset, masked. */
static bool e_addr(struct nftnl_rule *r, uint32_t offset, uint32_t len, const uint8_t *mask) {
  static const uint8_t zero[16];
  struct nftnl_expr *load = nftnl_expr_alloc("payload"), *and = nftnl_expr_alloc("bitwise");
  if (!load || !and) {
    nftnl_expr_free(load);
    nftnl_expr_free(and);
    return false;
  }
  nftnl_expr_set_u32(load, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
  nftnl_expr_set_u32(load, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
  nftnl_expr_set_u32(load, NFTNL_EXPR_PAYLOAD_LEN, len);
  nftnl_expr_set_u32(load, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
  nftnl_rule_add_expr(r, load);
  nftnl_expr_set_u32(and, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
  nftnl_expr_set_u32(and, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
  nftnl_expr_set_u32(and, NFTNL_EXPR_BITWISE_LEN, len);
  nftnl_expr_set(and, NFTNL_EXPR_BITWISE_MASK, mask, len);
  nftnl_expr_set(and, NFTNL_EXPR_BITWISE_XOR, zero, len);
  nftnl_rule_add_expr(r, and);
  return true;
}

static bool e_accept(struct nftnl_rule *r) {
  struct nftnl_expr *e = nftnl_expr_alloc("immediate");
  if (!e) return false;
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
  nftnl_rule_add_expr(r, e);
  return true;
}

/* xt NFQUEUE v3 through nft_compat. libnftnl takes ownership of the info. */
static bool e_nfqueue(struct nftnl_rule *r, uint16_t queue) {
  struct nftnl_expr *e = nftnl_expr_alloc("target");
  size_t len = XT_ALIGN(sizeof(struct xt_NFQ_info_v3));
  struct xt_NFQ_info_v3 *info = calloc(1, len);
  if (!e || !info) {
    nftnl_expr_free(e);
    free(info);
    return false;
  }
  info->queuenum = queue;
  info->queues_total = 1;
  info->flags = NFQ_FLAG_BYPASS;
  nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
  nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 3);
  nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, info, (uint32_t)len);
  nftnl_rule_add_expr(r, e);
  return true;
}

static struct nftnl_rule *rule_new(int family, const char *table, const char *chain) {
  struct nftnl_rule *r = nftnl_rule_alloc();
  if (!r) return NULL;
  nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, (uint32_t)family);
  nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
  nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
  return r;
}

/* Appends r to the batch when every expression of it was built (built);
 * frees r either way. False if the batch must be abandoned. */
static bool rule_send(batch_t *bt, int family, struct nftnl_rule *r, bool built) {
  bool ok = false;
  if (!r || !built) goto out;
  struct nlmsghdr *nlh = next_hdr(bt, NFT_MSG_NEWRULE, (uint16_t)family, NLM_F_CREATE | NLM_F_APPEND);
  nftnl_rule_nlmsg_build_payload(nlh, r);
  ok = msg_done(bt);
out:
  if (r) nftnl_rule_free(r);
  return ok;
}

/* "addr[/len]" of this family: its bytes and mask. False if another family or not an address. */
static bool parse_prefix(const char *text, int family, uint8_t addr[16], uint8_t mask[16], uint32_t *len) {
  char host[64];
  const char *slash = strchr(text, '/');
  size_t n = slash ? (size_t)(slash - text) : strlen(text);
  if (n >= sizeof host) return false;
  memcpy(host, text, n);
  host[n] = 0;
  *len = family == NFPROTO_IPV4 ? 4 : 16;
  if (inet_pton(family == NFPROTO_IPV4 ? AF_INET : AF_INET6, host, addr) != 1) return false;
  long bits = slash ? strtol(slash + 1, NULL, 10) : (long)*len * 8;
  if (bits < 0 || bits > (long)*len * 8) return false;
  for (uint32_t i = 0; i < *len; i++) {
    long b = bits - (long)i * 8;
    mask[i] = b >= 8 ? 0xff : b <= 0 ? 0 : (uint8_t)(0xff << (8 - b));
    addr[i] &= mask[i];
  }
  return true;
}

/* The chains of one family: a mark that skips, then the match and the queue.
 * The table is first added and deleted, so that whatever a failed delete
 * left of this slot goes with it (nft's idiom for replacing a table in one
 * transaction): the new rules never sit behind old ones. False if the batch
 * must be abandoned. */
static bool family_rules(batch_t *bt, int family, const char *table, const qrule_match_t *m, uint16_t queue,
                         uint32_t mark, int prio) {
  static const char *const chains[2] = {"pre", "post"};
  static const int hooks[2] = {NF_INET_PRE_ROUTING, NF_INET_POST_ROUTING};
  if (!add_table(bt, family, table, false) || !add_table(bt, family, table, true) ||
      !add_table(bt, family, table, false))
    return false;
  for (int c = 0; c < 2; c++) {
    if (!add_chain(bt, family, table, chains[c], hooks[c], prio)) return false;
    struct nftnl_rule *r = rule_new(family, table, chains[c]);
    if (!rule_send(bt, family, r, r && e_meta(r, NFT_META_MARK) && e_cmp(r, &mark, sizeof mark) && e_accept(r)))
      return false;
    if (m->ifname) {
      char name[IFNAMSIZ] = {0};
      snprintf(name, sizeof name, "%s", m->ifname);
      r = rule_new(family, table, chains[c]);
      if (!rule_send(bt, family, r,
                     r && e_meta(r, c == 0 ? NFT_META_IIFNAME : NFT_META_OIFNAME) && e_cmp(r, name, sizeof name) &&
                         e_nfqueue(r, queue)))
        return false;
      continue;
    }
    /* Addresses: prerouting sees every packet the host forwards, both ways. */
    for (int k = 0; c == 0 && k < m->n_prefixes; k++) {
      uint8_t addr[16], mask[16];
      uint32_t len;
      if (!parse_prefix(m->prefixes[k], family, addr, mask, &len)) continue;
      for (int dir = 0; dir < 2; dir++) {
        uint32_t off = family == NFPROTO_IPV4 ? (dir ? 16 : 12) : (dir ? 24 : 8);
        r = rule_new(family, table, chains[c]);
        if (!rule_send(bt, family, r, r && e_addr(r, off, len, mask) && e_cmp(r, addr, len) && e_nfqueue(r, queue)))
          return false;
      }
    }
  }
  return true;
}

/* Reads acknowledgements until every message is answered; the first error wins. */
static int read_acks(struct mnl_socket *nl, int expected, char *buf, size_t buflen) {
  int err = 0;
  while (expected > 0) {
    ssize_t n = mnl_socket_recvfrom(nl, buf, buflen);
    if (n <= 0) return err ? err : -errno;
    int len = (int)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
      if (h->nlmsg_len < mnl_nlmsg_size(sizeof *e)) return -EBADMSG;
      if (e->error && !err) err = e->error;
      expected--;
    }
  }
  return err;
}

/* Fills a batch; false if it could not be built whole. */
typedef bool (*fill_fn)(batch_t *bt, void *arg);

/* Builds a batch with fill and sends it as one transaction: all of it
 * applies, or none. 0, or -1 with err. */
static int run_batch(fill_fn fill, void *arg, char *err, size_t errlen) {
  batch_t *bt = calloc(1, sizeof *bt);
  struct mnl_socket *nl = NULL;
  int rc = -1, krc = 0;
  bool built = false;
  if (!bt) goto out;
  bt->seq = 1;
  bt->b = mnl_nlmsg_batch_start(bt->buf, QRULE_BATCH_LIMIT);
  nftnl_batch_begin(mnl_nlmsg_batch_current(bt->b), bt->seq++);
  built = msg_done(bt) && fill(bt, arg);
  nftnl_batch_end(mnl_nlmsg_batch_current(bt->b), bt->seq++);
  built = built && msg_done(bt);
  if (!built) goto out;
  nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
  if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) goto out;
  struct timeval tv = {QRULE_ACK_TIMEOUT_S, 0};
  setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(bt->b), mnl_nlmsg_batch_size(bt->b)) < 0) goto out;
  krc = read_acks(nl, bt->n_acks, bt->buf, sizeof bt->buf);
  rc = krc == 0 ? 0 : -1;
out:
  if (rc < 0 && bt && !built)
    snprintf(err, errlen, "netfilter rules of the impairment engine: %s",
             bt->full ? "more than one batch of rules (too many prefixes)" : "out of memory");
  else if (rc < 0)
    snprintf(err, errlen, "netfilter rules of the impairment engine: %s",
             krc ? strerror(-krc) : bt ? strerror(errno) : "out of memory");
  if (nl) mnl_socket_close(nl);
  if (bt) mnl_nlmsg_batch_stop(bt->b);
  free(bt);
  return rc;
}

typedef struct add_job {
  int slot;
  uint16_t queue;
  const qrule_match_t *m;
  uint32_t mark;
} add_job_t;

static bool fill_add(batch_t *bt, void *arg) {
  add_job_t *j = arg;
  char table[32];
  table_name(j->slot, table, sizeof table);
  return family_rules(bt, NFPROTO_IPV4, table, j->m, j->queue, j->mark, QRULE_PRIORITY + j->slot) &&
         family_rules(bt, NFPROTO_IPV6, table, j->m, j->queue, j->mark, QRULE_PRIORITY + j->slot);
}

int qrule_add(int slot, uint16_t queue, const qrule_match_t *m, uint32_t skip_mark, char *err, size_t errlen) {
  add_job_t j = {slot, queue, m, skip_mark};
  return run_batch(fill_add, &j, err, errlen);
}

static bool fill_del_one(batch_t *bt, void *arg) {
  const int *fs = arg;
  char table[32];
  table_name(fs[0], table, sizeof table);
  return add_table(bt, fs[1], table, true);
}

int qrule_del(int slot, char *err, size_t errlen) {
  /* One batch per family: a table that is missing (never added) must not keep the other. */
  int v4[2] = {slot, NFPROTO_IPV4}, v6[2] = {slot, NFPROTO_IPV6};
  char e2[256] = "";
  int a = run_batch(fill_del_one, v4, err, errlen);
  int b = run_batch(fill_del_one, v6, e2, sizeof e2);
  if (a == 0 && b < 0) snprintf(err, errlen, "%s", e2);
  return a == 0 && b == 0 ? 0 : -1;
}
