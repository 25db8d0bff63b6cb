#include "sim/inject/inject.h"

#include <libnet.h>
#include <stdio.h>
#include <string.h>

typedef struct job {
  const char *src, *dst;
  uint16_t sport, dport;
  int is_tcp;
  uint32_t seq;
  const uint8_t *payload;
  size_t len;
  char *err;
  size_t errlen;
} job_t;

/* Runs inside the sending host: libnet's raw socket belongs to that namespace. */
static int send_in_host(void *arg) {
  job_t *j = arg;
  char ebuf[LIBNET_ERRBUF_SIZE] = "";
  int v6 = strchr(j->dst, ':') != NULL;
  int rc = -1;
  libnet_t *l = libnet_init(v6 ? LIBNET_RAW6 : LIBNET_RAW4, NULL, ebuf);
  if (!l) {
    snprintf(j->err, j->errlen, "libnet_init: %s", ebuf);
    return -1;
  }
  uint32_t l4_len;
  if (j->is_tcp) {
    l4_len = LIBNET_TCP_H;
    if (libnet_build_tcp(j->sport, j->dport, j->seq, 0, TH_RST, 0, 0, 0, LIBNET_TCP_H, NULL, 0, l, 0) < 0) goto out;
  } else {
    l4_len = (uint32_t)(LIBNET_UDP_H + j->len);
    if (libnet_build_udp(j->sport, j->dport, (uint16_t)l4_len, 0, j->payload, (uint32_t)j->len, l, 0) < 0) goto out;
  }
  uint8_t proto = j->is_tcp ? IPPROTO_TCP : IPPROTO_UDP;
  if (v6) {
    struct libnet_in6_addr s6 = libnet_name2addr6(l, (char *)j->src, LIBNET_DONT_RESOLVE);
    struct libnet_in6_addr d6 = libnet_name2addr6(l, (char *)j->dst, LIBNET_DONT_RESOLVE);
    if (libnet_build_ipv6(0, 0, l4_len, proto, 64, s6, d6, NULL, 0, l, 0) < 0) goto out;
  } else {
    uint32_t s4 = libnet_name2addr4(l, (char *)j->src, LIBNET_DONT_RESOLVE);
    uint32_t d4 = libnet_name2addr4(l, (char *)j->dst, LIBNET_DONT_RESOLVE);
    if (libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + l4_len), 0, 0, 0, 64, proto, 0, s4, d4, NULL, 0, l, 0) < 0)
      goto out;
  }
  if (libnet_write(l) < 0) goto out;
  rc = 0;
out:
  if (rc < 0 && !j->err[0]) snprintf(j->err, j->errlen, "libnet: %s", libnet_geterror(l));
  libnet_destroy(l);
  return rc;
}

int inject_udp(lab_t *lab, lab_host_t from, const char *src, uint16_t sport, const char *dst, uint16_t dport,
               const uint8_t *payload, size_t len, char *err, size_t errlen) {
  job_t j = {src, dst, sport, dport, 0, 0, payload, len, err, errlen};
  err[0] = 0;
  return lab_within(lab, from, send_in_host, &j);
}

int inject_tcp_rst(lab_t *lab, lab_host_t from, const char *src, uint16_t sport, const char *dst, uint16_t dport,
                   uint32_t seq, char *err, size_t errlen) {
  job_t j = {src, dst, sport, dport, 1, seq, NULL, 0, err, errlen};
  err[0] = 0;
  return lab_within(lab, from, send_in_host, &j);
}
