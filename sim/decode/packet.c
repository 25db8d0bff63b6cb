#include "sim/decode/packet.h"

#include <netinet/in.h>
#include <pcap/dlt.h>
#include <string.h>

#include "base/rd.h"

static int decode_transport(rd_t *r, uint8_t proto, pkt_view_t *out) {
  out->proto = proto;
  if (proto == IPPROTO_UDP) {
    out->sport = rd_u16(r);
    out->dport = rd_u16(r);
    uint16_t udp_len = rd_u16(r);
    rd_skip(r, 2);
    if (!rd_ok(r) || udp_len < 8) return -1;
    size_t body = udp_len - 8u;
    if (body > rd_left(r)) body = rd_left(r); /* snaplen cut: keep what we have */
    out->payload = r->base + r->off;
    out->payload_len = body;
    return 0;
  }
  if (proto == IPPROTO_TCP) {
    out->sport = rd_u16(r);
    out->dport = rd_u16(r);
    out->seq = rd_u32(r);
    rd_skip(r, 4); /* ack */
    uint8_t off = rd_u8(r) >> 4;
    out->tcp_flags = rd_u8(r);
    if (!rd_ok(r) || off < 5) return -1;
    rd_skip(r, 6 + (size_t)(off - 5) * 4); /* window, csum, urg, options */
    if (!rd_ok(r)) return -1;
    out->payload = r->base + r->off;
    out->payload_len = rd_left(r);
    return 0;
  }
  if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
    out->payload = r->base + r->off;
    out->payload_len = rd_left(r);
    return rd_left(r) >= 4 ? 0 : -1;
  }
  return -1;
}

int pkt_decode(const uint8_t *frame, size_t caplen, int linktype, pkt_view_t *out) {
  memset(out, 0, sizeof *out);
  rd_t r = rd_make(frame, caplen);
  uint16_t ethertype = 0;
  if (linktype == DLT_EN10MB) {
    rd_skip(&r, 12);
    ethertype = rd_u16(&r);
    if (ethertype == 0x8100) { /* one VLAN tag */
      rd_skip(&r, 2);
      ethertype = rd_u16(&r);
    }
  } else if (linktype == DLT_RAW) {
    rd_t peek = r;
    ethertype = (rd_u8(&peek) >> 4) == 6 ? 0x86dd : 0x0800;
  } else {
    return -1;
  }
  if (!rd_ok(&r)) return -1;

  if (ethertype == 0x0800) {
    uint8_t vihl = rd_u8(&r);
    if ((vihl >> 4) != 4 || (vihl & 0xf) < 5) return -1;
    rd_skip(&r, 1);
    uint16_t total = rd_u16(&r);
    rd_skip(&r, 2);
    uint16_t frag = rd_u16(&r);
    rd_skip(&r, 1);
    uint8_t proto = rd_u8(&r);
    rd_skip(&r, 2);
    const uint8_t *src = rd_bytes(&r, 4), *dst = rd_bytes(&r, 4);
    rd_skip(&r, (size_t)((vihl & 0xf) - 5) * 4);
    if (!rd_ok(&r) || (frag & 0x1fff) != 0) return -1; /* later fragments carry no header */
    size_t hdr = (size_t)(vihl & 0xf) * 4;
    if (total < hdr) return -1;
    /* Frames are padded to the Ethernet minimum: trust the IP length, not caplen. */
    size_t body = total - hdr;
    rd_t ip = rd_sub(&r, body <= rd_left(&r) ? body : rd_left(&r));
    out->family = 4;
    inet_ntop(AF_INET, src, out->src, sizeof out->src);
    inet_ntop(AF_INET, dst, out->dst, sizeof out->dst);
    return decode_transport(&ip, proto, out);
  }
  if (ethertype == 0x86dd) {
    if ((rd_u8(&r) >> 4) != 6) return -1;
    rd_skip(&r, 3);
    uint16_t plen = rd_u16(&r);
    uint8_t next = rd_u8(&r);
    rd_skip(&r, 1);
    const uint8_t *src = rd_bytes(&r, 16), *dst = rd_bytes(&r, 16);
    if (!rd_ok(&r)) return -1;
    rd_t ip = rd_sub(&r, plen <= rd_left(&r) ? plen : rd_left(&r));
    /* Walk the common extension headers; anything else is not ours to read. */
    for (int hops = 0; hops < 8 && (next == 0 || next == 43 || next == 60); hops++) {
      next = rd_u8(&ip);
      uint8_t len8 = rd_u8(&ip);
      rd_skip(&ip, 6 + (size_t)len8 * 8);
    }
    if (!rd_ok(&ip)) return -1;
    out->family = 6;
    inet_ntop(AF_INET6, src, out->src, sizeof out->src);
    inet_ntop(AF_INET6, dst, out->dst, sizeof out->dst);
    return decode_transport(&ip, next, out);
  }
  return -1;
}
