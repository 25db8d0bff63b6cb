/* qrule: the netfilter rules that hand a lab host's packets to the
 * impairment engine's NFQUEUE queues.
 *
 * This kernel has no nft `queue` statement (CONFIG_NFT_QUEUE is off), but
 * the xtables NFQUEUE target works through nft_compat inside the lab's
 * rootless user+network namespace. So each rule is built with libnftnl (a
 * "target" expression named NFQUEUE, revision 3, with the bypass flag: with
 * no engine listening, packets pass) and sent with libmnl, in tables of
 * family ip and ip6 as iptables-nft makes them. Each impairment has tables of
 * its own ("bcsim_q<slot>"), so switching it off is deleting them.
 *
 * Both functions act in the network namespace of the calling thread: call
 * them through lab_within. */
#ifndef BC_QRULE_H
#define BC_QRULE_H
#include <stddef.h>
#include <stdint.h>

/* Which packets a rule set queues. */
typedef struct qrule_match {
  const char *ifname;          /* a link: packets in by it (prerouting) and out by it (postrouting), or NULL */
  const char *const *prefixes; /* else: packets from or to these ("addr" or "addr/len", IPv4 or IPv6) */
  int n_prefixes;
} qrule_match_t;

/* Makes the tables of slot queue what m matches to queue number queue, in
 * one transaction: whatever the slot's tables held before (a delete that
 * failed) is replaced, never added to. Packets carrying skip_mark (the
 * engine's own copies) are never queued. Each chain's priority follows the
 * slot, so impairments on one packet apply in the order of their slots.
 * 0, or -1 with err (nothing changed); the rules of all of m's prefixes go in
 * one netlink batch, and more than fit is an error, never a cut rule set. */
int qrule_add(int slot, uint16_t queue, const qrule_match_t *m, uint32_t skip_mark, char *err, size_t errlen);
/* Deletes slot's tables (those that exist). 0, or -1 with err. */
int qrule_del(int slot, char *err, size_t errlen);
#endif
