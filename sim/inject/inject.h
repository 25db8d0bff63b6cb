/* inject: forged packets, built with libnet and sent from inside a lab host.
 *
 * Used by the faults that an attacker or a broken middlebox causes: a
 * spoofed DNS answer racing the real one (dns.spoof), and a RST into a live
 * TCP connection (net.inject-rst). The source address is forged; the packet
 * leaves through the host's routing like any other. */
#ifndef BC_INJECT_H
#define BC_INJECT_H
#include <stddef.h>
#include <stdint.h>

#include "sim/lab/lab.h"

/* A UDP datagram from src:sport to dst:dport (both IPv4 or both IPv6). 0 or -1 with err. */
int inject_udp(lab_t *lab, lab_host_t from, const char *src, uint16_t sport, const char *dst, uint16_t dport,
               const uint8_t *payload, size_t len, char *err, size_t errlen);
/* A TCP RST from src:sport to dst:dport with sequence number seq. 0 or -1 with err. */
int inject_tcp_rst(lab_t *lab, lab_host_t from, const char *src, uint16_t sport, const char *dst, uint16_t dport,
                   uint32_t seq, char *err, size_t errlen);
#endif
