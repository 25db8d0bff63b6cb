#include "sim/impair/rate.h"

#include <errno.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>
#include <stdio.h>
#include <string.h>

/* How long a packet may wait in the bucket's queue before tbf drops it. */
enum { RATE_QUEUE_MS = 200 };

typedef struct rate_job {
  const char *ifname;
  int kbit, burst;
  bool on;
  int nlerr;
} rate_job_t;

/* Inside the host: the netlink socket belongs to its namespace. */
static int tbf_in_host(void *arg) {
  rate_job_t *j = arg;
  struct nl_sock *sk = nl_socket_alloc();
  struct rtnl_link *link = NULL;
  struct rtnl_qdisc *q = rtnl_qdisc_alloc();
  int rc = -1;
  if (!sk || !q || (j->nlerr = nl_connect(sk, NETLINK_ROUTE)) < 0) goto out;
  if ((j->nlerr = rtnl_link_get_kernel(sk, 0, j->ifname, &link)) < 0) goto out;
  rtnl_tc_set_ifindex(TC_CAST(q), rtnl_link_get_ifindex(link));
  rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
  rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(1, 0));
  if ((j->nlerr = rtnl_tc_set_kind(TC_CAST(q), "tbf")) < 0) goto out;
  if (j->on) {
    int bytes_per_s = j->kbit * 125;
    rtnl_qdisc_tbf_set_rate(q, bytes_per_s, j->burst, 0);
    rtnl_qdisc_tbf_set_limit(q, j->burst + (int)((long)bytes_per_s * RATE_QUEUE_MS / 1000));
    j->nlerr = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE);
  } else {
    j->nlerr = rtnl_qdisc_delete(sk, q);
  }
  rc = j->nlerr < 0 ? -1 : 0;
out:
  rtnl_qdisc_put(q);
  rtnl_link_put(link);
  nl_socket_free(sk);
  return rc;
}

/* One end of the link: set (or remove) its qdisc. 0, or -1 with err. */
static int rate_end(lab_t *lab, lab_host_t end, const char *ifname, int kbit, int burst, bool on, char *err,
                    size_t errlen) {
  rate_job_t j = {ifname, kbit, burst, on, 0};
  if (lab_within(lab, end, tbf_in_host, &j) == 0) return 0;
  snprintf(err, errlen, "%s the rate limit on %s in %s failed: %s", on ? "setting" : "removing", ifname,
           map_host_name(end), j.nlerr ? nl_geterror(j.nlerr) : strerror(errno));
  return -1;
}

int rate_link(lab_t *lab, const char *ifname, int kbit, int burst, bool on, char *err, size_t errlen) {
  const map_link_t *l = map_link(ifname);
  if (!l) {
    snprintf(err, errlen, "no link is called \"%s\"", ifname);
    return -1;
  }
  char e2[256];
  if (on) {
    if (rate_end(lab, l->a, ifname, kbit, burst, true, err, errlen) < 0) return -1;
    if (rate_end(lab, l->b, ifname, kbit, burst, true, err, errlen) == 0) return 0;
    rate_end(lab, l->a, ifname, kbit, burst, false, e2, sizeof e2); /* no link limited one way only; err tells why */
    return -1;
  }
  /* Off: both ends are tried, and the first that fails is the error. */
  int a = rate_end(lab, l->a, ifname, kbit, burst, false, err, errlen);
  int b = rate_end(lab, l->b, ifname, kbit, burst, false, a < 0 ? e2 : err, a < 0 ? sizeof e2 : errlen);
  return a < 0 || b < 0 ? -1 : 0;
}
