/* impair: packet impairments on the wire of a lab: delay with jitter, loss
 * (random, or in bursts with a Gilbert-Elliott model), reordering and
 * duplication, seeded from the world's seed.
 *
 * sch_netem is absent from this kernel, so the engine is in userspace: the
 * packets an impairment matches are queued to it with NFQUEUE (qrule.h), it
 * reads the queue with libnetfilter_queue on the world's libevent loop and
 * gives each packet its verdict, now or later (delay, jitter, reordering),
 * drops it (loss), or sends a copy first with libnet (duplication; the copy
 * carries IMPAIR_SKIP_MARK, and the rules never queue a marked packet).
 *
 * A flood degrades to passing packets, never to a hung or crashed world: the
 * kernel queues at most IMPAIR_QUEUE_MAXLEN packets per impairment and lets
 * the rest pass (fail-open, and the rule's bypass while no engine listens),
 * and the engine holds at most IMPAIR_HELD_MAX packets at once and passes
 * the rest at once. Packets are untrusted bytes, read only through the
 * bounds-checked decoder (sim/decode/packet.h), and only to copy them.
 *
 * The rate limit (a tbf qdisc, rate.h) and the MTU black hole (nftables
 * drops) need no engine: the world's faults set those up directly. */
#ifndef BC_IMPAIR_H
#define BC_IMPAIR_H
#include <event2/event.h>
#include <stdint.h>

#include "sim/lab/lab.h"

/* Packets the kernel queues for one impairment before it lets more pass. */
#define IMPAIR_QUEUE_MAXLEN 1024
/* Packets the engine holds for later verdicts, over all impairments. */
#define IMPAIR_HELD_MAX 2048
/* Impairments at once, over all hosts. */
#define IMPAIR_MAX_SLOTS 16
/* The socket mark of the engine's own copies: never queued again. */
#define IMPAIR_SKIP_MARK 0xb0c5u

typedef enum { IMPAIR_DELAY, IMPAIR_LOSS, IMPAIR_REORDER, IMPAIR_DUPLICATE } impair_kind_t;

/* What an impairment does. Shares are percents (0-100). */
typedef struct impair_spec {
  impair_kind_t kind;
  int64_t delay_us, jitter_us; /* DELAY: each packet waits delay ± jitter (uniform), in order */
  int percent;                 /* LOSS (random), REORDER (held back), DUPLICATE (copied) */
  /* LOSS in bursts, when ge_p > 0 (Gilbert-Elliott): each packet first moves
   * good->bad with ge_p or bad->good with ge_r, then is lost with the
   * state's share. */
  int ge_p, ge_r, ge_loss_good, ge_loss_bad;
  int gap;         /* REORDER: a held packet passes after this many later ones */
  int64_t hold_us; /* REORDER: or after this long, if fewer come */
} impair_spec_t;

/* Which packets: those crossing a link in either direction (ifname), or
 * those from or to the prefixes ("addr" or "addr/len"), on host. */
typedef struct impair_match {
  lab_host_t host;
  const char *ifname;
  const char *const *prefixes;
  int n_prefixes;
} impair_match_t;

typedef struct impair impair_t;

/* An engine on base for lab's hosts; the seed makes every choice. Owns
 * nothing of its arguments. NULL on failure. */
impair_t *impair_new(struct event_base *base, lab_t *lab, uint64_t seed);
/* Passes every held packet and closes the queues. The rules stay in the
 * hosts (the lab's namespaces go with them); with no queue listening, their
 * bypass flag lets every packet pass. */
void impair_free(impair_t *im);
/* Switches on an impairment named key (unique while on; its seed is mixed
 * from it). 0, or -1 with err. */
int impair_on(impair_t *im, const char *key, const impair_match_t *m, const impair_spec_t *s, char *err,
              size_t errlen);
/* Switches it off: its held packets pass now. 0, or -1 with err (not on,
 * or its rules could not be deleted: they stay, but pass every packet with
 * no queue listening, and the next impairment in the slot replaces them). */
int impair_off(impair_t *im, const char *key, char *err, size_t errlen);
#endif
