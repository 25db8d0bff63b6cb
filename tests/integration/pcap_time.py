#!/usr/bin/env python3
"""capture.pcap and events.jsonl share one time axis.

Usage: pcap_time.py SCENARIO_DIR

A packet's time on the timeline is its pcap stamp minus pcap_t0_us (the
capture.start event); docs/report-format.md says so. This checks it two ways:
- exactly: every wire dns.query event of events.jsonl is a DNS query packet
  of capture.pcap whose stamp minus pcap_t0_us is the event's t;
- against the services' own clock: the resolver logs a query (svc.dns.query)
  after the query packet left the client and before its answer came back, so
  each such event lies between the two packets of its exchange. An offset
  between the capture's time 0 and the timeline's t = 0 larger than a DNS
  round trip breaks that order, whichever way it goes.
Exits 1 with a message on any mismatch.
"""
import json
import struct
import sys

EPS = 0.001  # the two clocks are read a microsecond apart at t = 0; stamps are in microseconds


def dns_name(msg, off):
    labels = []
    while off < len(msg) and msg[off] != 0:
        if msg[off] & 0xC0:
            return None  # queries carry no compression
        labels.append(msg[off + 1:off + 1 + msg[off]].decode("ascii", "replace"))
        off += 1 + msg[off]
    return ".".join(labels).lower() + "", off + 1


def packets(path):
    """(seconds, dns id, is answer, qname, qtype) of every UDP DNS message."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit("%s: not a little-endian pcap" % path)
    scale = 1e-6 if magic == 0xA1B2C3D4 else 1e-9
    linktype = struct.unpack("<I", data[20:24])[0]
    if linktype != 1:
        sys.exit("%s: link type %d, expected Ethernet" % (path, linktype))
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack("<IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        etype = struct.unpack(">H", frame[12:14])[0]
        if etype == 0x0800:
            ihl = (frame[14] & 0x0F) * 4
            proto, l4 = frame[23], 14 + ihl
        elif etype == 0x86DD:
            proto, l4 = frame[20], 54
        else:
            continue
        if proto != 17 or len(frame) < l4 + 8 + 12:
            continue
        sport, dport = struct.unpack(">HH", frame[l4:l4 + 4])
        if 53 not in (sport, dport):
            continue
        msg = frame[l4 + 8:]
        qid, flags = struct.unpack(">HH", msg[:4])
        named = dns_name(msg, 12)
        if not named or named[1] + 4 > len(msg):
            continue
        qtype = struct.unpack(">H", msg[named[1]:named[1] + 2])[0]
        yield sec + frac * scale, qid, bool(flags & 0x8000), named[0], {1: "A", 28: "AAAA"}.get(qtype, str(qtype))


def main():
    d = sys.argv[1]
    events = [json.loads(line) for line in open(d + "/events.jsonl")]
    t0 = [e["pcap_t0_us"] for e in events if e["type"] == "capture.start"]
    if len(t0) != 1:
        sys.exit("events.jsonl has %d capture.start events" % len(t0))
    pk = [(s - t0[0] / 1e6, qid, ans, name, qtype) for s, qid, ans, name, qtype in packets(d + "/capture.pcap")]
    queries = [p for p in pk if not p[2]]
    wire = [e for e in events if e["type"] == "dns.query" and e.get("proto") == "udp"]
    if not wire or not queries:
        sys.exit("no DNS query on the wire: nothing to compare")
    for e in wire:
        if not any(abs(q[0] - e["t"]) < 2e-6 and q[3] == e["qname"] and q[1] == e["id"] for q in queries):
            sys.exit("the wire event %s (t %.6f) has no packet at pcap stamp - pcap_t0_us" % (e["qname"], e["t"]))
    checked = 0
    for e in events:
        if e["type"] != "svc.dns.query" or e.get("action") != "answered" or e.get("proto") != "udp" or \
                e.get("peer_name") != "client":
            continue
        inside = False
        for q in queries:
            if q[3] != e["qname"] or q[4] != e["qtype"]:
                continue
            answers = [a[0] for a in pk if a[2] and a[1] == q[1] and a[3] == q[3] and a[4] == q[4] and a[0] >= q[0]]
            inside = inside or (answers and q[0] - EPS <= e["t"] <= min(answers) + EPS)
        if not inside:
            sys.exit("the resolver logged %s %s at t %.6f, outside every exchange of it in capture.pcap: "
                     "the capture's time 0 is not the timeline's" % (e["qname"], e["qtype"], e["t"]))
        checked += 1
    if checked == 0:
        sys.exit("the resolver answered no query of the client: nothing to compare")
    print("capture.pcap and events.jsonl agree: %d wire queries exact, %d resolver events inside their exchange"
          % (len(wire), checked))


main()
