/* heldq: the packets the impairment engine holds for a later verdict, and
 * the order in which they leave.
 *
 * Pure: the caller passes the time in and gives the verdicts, so tests drive
 * it without a queue or a clock. A packet leaves at its release time at the
 * latest, or earlier once its impairment has passed enough later packets
 * (reordering). Of the packets due, the one with the earliest release time
 * leaves first, and of equal times the one held first: delay and jitter
 * never reorder packets, however many share a release time. */
#ifndef BC_HELDQ_H
#define BC_HELDQ_H
#include <stdbool.h>
#include <stdint.h>

typedef struct heldq_pkt {
  const void *owner;  /* the impairment that holds it (the caller's; never read) */
  uint32_t id;        /* the kernel's packet id */
  int64_t release_us; /* it leaves then at the latest */
  uint64_t after;     /* or once its owner has passed this many packets; 0: only by time */
  uint64_t seq;       /* the order in which packets were held */
} heldq_pkt_t;

/* How many packets the owner has passed so far. */
typedef uint64_t (*heldq_passed_fn)(const void *owner);

typedef struct heldq heldq_t;

/* A queue for at most cap packets. NULL if out of memory. */
heldq_t *heldq_new(int cap);
void heldq_free(heldq_t *q);
/* Holds a packet. False (nothing held) when the queue is full. */
bool heldq_push(heldq_t *q, const void *owner, uint32_t id, int64_t release_us, uint64_t after);
/* Takes the packet that leaves next among those due at now (all: every
 * packet is due), of owner only unless only is NULL, into out. False if none
 * is due. passed may be NULL when no packet has an `after`. */
bool heldq_pop_due(heldq_t *q, const void *only, int64_t now, bool all, heldq_passed_fn passed, heldq_pkt_t *out);
/* The earliest release time held, or INT64_MAX when the queue is empty. */
int64_t heldq_earliest(const heldq_t *q);
int heldq_count(const heldq_t *q);
#endif
