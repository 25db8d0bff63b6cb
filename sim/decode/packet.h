/* packet: the link, IP and transport layers of one captured frame.
 *
 * Pure: no I/O and no allocation. Reads only through rd_t, so any frame,
 * however truncated or hostile, gives either a view or a refusal. */
#ifndef BC_PACKET_H
#define BC_PACKET_H
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>

enum { PKT_TCP_FIN = 0x01, PKT_TCP_SYN = 0x02, PKT_TCP_RST = 0x04, PKT_TCP_ACK = 0x10 };

typedef struct pkt_view {
  int family; /* 4 or 6 */
  char src[INET6_ADDRSTRLEN];
  char dst[INET6_ADDRSTRLEN];
  uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 */
  uint16_t sport, dport;
  uint8_t tcp_flags;
  uint32_t seq; /* TCP sequence number */
  const uint8_t *payload; /* points into the frame */
  size_t payload_len;
} pkt_view_t;

/* linktype is a pcap DLT (DLT_EN10MB or DLT_RAW). Returns 0 on success, -1
 * for a frame that is not IPv4/IPv6 TCP/UDP/ICMP or is malformed. */
int pkt_decode(const uint8_t *frame, size_t caplen, int linktype, pkt_view_t *out);
#endif
