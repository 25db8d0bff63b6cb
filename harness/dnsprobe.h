/* dnsprobe: probe.dns, the harness asking a resolver for a name from the
 * client's site.
 *
 * Not the client's doing: it shows what the site's network answers at that
 * moment, so a scenario can state as a premise that, say, the public DNS
 * still answers during a cloud outage. The query leaves from the site's
 * router, never from the client host, so the client's capture and the
 * checks on it never see it. Its outcome is a probe.dns event. */
#ifndef BC_DNSPROBE_H
#define BC_DNSPROBE_H
#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/record.h"
#include "sim/lab/lab.h"

/* How long a probe waits for its answer, at --time-scale 1 (it scales, as the
 * resolvers' own waits do, so that a SERVFAIL is not taken for silence). */
#define DNSPROBE_TIMEOUT_MS 1000
/* Probes one scenario may have waiting at once. */
#define DNSPROBE_MAX 8

typedef struct dnsprobe dnsprobe_t;

/* Everything passed in must outlive it; time_scale is the run's --time-scale.
 * NULL when out of memory. */
dnsprobe_t *dnsprobe_new(struct event_base *base, record_t *rec, lab_t *lab, double time_scale);
/* Forgets every probe still waiting (no event for them). */
void dnsprobe_free(dnsprobe_t *p);
/* Sends one A query for qname to resolver_addr (resolver: its party name)
 * from host, and records probe.dns when the answer comes or the wait ends.
 * 0, or -1 with err (nothing was sent). */
int dnsprobe_start(dnsprobe_t *p, const char *step, lab_host_t host, const char *resolver, const char *resolver_addr,
                   const char *qname, char *err, size_t errlen);
#endif
