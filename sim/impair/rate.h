/* rate: a rate limit on a lab link, as a tbf qdisc through libnl-route-3.
 *
 * tbf shapes what leaves an interface, so a limit on a link is a qdisc on
 * each of its two ends: both directions are limited. Switching it off
 * deletes the qdiscs, and the veth ends go back to their default. */
#ifndef BC_RATE_H
#define BC_RATE_H
#include <stdbool.h>
#include <stddef.h>

#include "sim/lab/lab.h"

/* Limits both ends of link ifname (a row of map_links) to kbit kilobits per
 * second with a bucket of burst bytes, or (on=false) removes the limit.
 * On sets both ends or (one failed) neither; off tries both ends. 0, or -1
 * with err (the first failure). */
int rate_link(lab_t *lab, const char *ifname, int kbit, int burst, bool on, char *err, size_t errlen);
#endif
