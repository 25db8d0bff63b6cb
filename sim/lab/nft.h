/* nft: firewall faults inside a lab host, through libnftables.
 *
 * Each active fault gets a base chain of its own in table "inet bcsim", so
 * switching it off is one chain delete and can never disturb another fault.
 * Only lab namespaces are touched: the host's ruleset is never seen. */
#ifndef BC_NFT_H
#define BC_NFT_H
#include <stdbool.h>
#include <stddef.h>

#include "sim/lab/lab.h"

/* Adds chain `chain` on hook (a netfilter hook of the inet family as nft
 * names it: "prerouting", "input", "forward", "output" or "postrouting") in
 * host, holding rules (nft syntax, one per line, without "add rule"), in
 * one transaction. 0 or -1 with err. */
int nft_fault_add(lab_t *lab, lab_host_t host, const char *chain, const char *hook, const char *rules,
                  char *err, size_t errlen);
int nft_fault_del(lab_t *lab, lab_host_t host, const char *chain, char *err, size_t errlen);

/* Rules of one chain, written a line at a time: a line that does not fit
 * sets full and is not written, so a cut rule is never sent. */
#define NFT_RULES_MAX 4096
typedef struct nft_rules {
  char text[NFT_RULES_MAX];
  size_t used;
  bool full;
} nft_rules_t;
void nft_rules_add(nft_rules_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
