#!/usr/bin/env python3
"""integration.impair's judge: each packet impairment shows on the wire.

Usage: impair_wire.py RUN_DIR. RUN_DIR holds one `bcsim run` of tests/fixtures/impair/: an
unimpaired scenario (impair-base) and one per impairment, each with the same traffic (the
reference client and its probe's TLS handshakes with se1). Each impairment's capture is compared
with the unimpaired one, in relative terms only (never a wall-clock limit): the capture is on the
client's link, in the client host, and the impairments act on the router beyond it, so what the
client receives shows them. Addresses come from each run's world/parties.json."""
import json
import statistics
import subprocess
import sys

FIELDS = ["frame.time_relative", "ip.src", "ipv6.src", "ip.len", "ipv6.plen", "tcp.stream", "tcp.seq", "tcp.len",
          "tcp.flags.syn", "tcp.flags.ack", "tcp.analysis.ack_rtt", "frame.len"]
FAILS = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)


def frames(run, sc):
    """Every frame of a capture as a dict of FIELDS (strings, '' if absent)."""
    out = subprocess.run(["tshark", "-r", f"{run}/{sc}/capture.pcap", "-T", "fields", "-E", "separator=\t",
                          "-E", "occurrence=f"] + sum([["-e", f] for f in FIELDS], []),
                         capture_output=True, text=True, check=True).stdout
    return [dict(zip(FIELDS, line.split("\t"))) for line in out.splitlines()]


def count(run, sc, flt):
    out = subprocess.run(["tshark", "-r", f"{run}/{sc}/capture.pcap", "-Y", flt], capture_output=True, text=True,
                         check=True).stdout
    return len(out.splitlines())


def addrs(run, sc, name):
    with open(f"{run}/{sc}/world/parties.json") as f:
        return {p["addr"] for p in json.load(f) if p["name"] == name}


def src(fr):
    return fr["ip.src"] or fr["ipv6.src"]


def ip_len(fr):
    if fr["ip.len"]:
        return int(fr["ip.len"])
    return int(fr["ipv6.plen"]) + 40 if fr["ipv6.plen"] else 0


def synack_rtts(frs, only=None):
    return [float(f["tcp.analysis.ack_rtt"]) for f in frs
            if f["tcp.flags.syn"] == "1" and f["tcp.flags.ack"] == "1" and f["tcp.analysis.ack_rtt"]
            and (only is None or src(f) in only)]


def data_rtts(frs, only):
    """RTTs of the client's data, as the ACKs from only show them."""
    return [float(f["tcp.analysis.ack_rtt"]) for f in frs
            if src(f) in only and f["tcp.analysis.ack_rtt"] and f["tcp.flags.syn"] != "1"]


def duplicates(frs, only):
    seen, dups = set(), 0
    for f in frs:
        if src(f) not in only or not f["tcp.len"] or int(f["tcp.len"]) == 0:
            continue
        key = (f["tcp.stream"], f["tcp.seq"], f["tcp.len"])
        dups += key in seen
        seen.add(key)
    return dups


def max_window_bytes(frs, client, window):
    """The most bytes of frames to the client in any window of that many seconds."""
    pts = [(float(f["frame.time_relative"]), int(f["frame.len"])) for f in frs if src(f) and src(f) not in client]
    best, lo, total = 0, 0, 0
    for t, n in pts:
        total += n
        while pts[lo][0] < t - window:
            total -= pts[lo][1]
            lo += 1
        best = max(best, total)
    return best


def main(run):
    base = frames(run, "impair-base")
    se1 = addrs(run, "impair-base", "se1")
    client = addrs(run, "impair-base", "client")

    # Delay, 100 ms each way on the client's link: SYN -> SYN/ACK grows by about twice that.
    delay = frames(run, "impair-delay")
    b, d = statistics.median(synack_rtts(base)), statistics.median(synack_rtts(delay))
    check(d - b >= 0.15, f"delay: median SYN->SYN/ACK {d:.3f}s vs {b:.3f}s unimpaired, grown by >= 150 ms of 200")

    # Jitter, 100 +- 80 ms each way to se1: the RTTs spread far more than under a plain delay.
    jit = frames(run, "impair-jitter")
    rj, rd = data_rtts(jit, se1) + synack_rtts(jit, se1), data_rtts(delay, se1) + synack_rtts(delay, se1)
    sj, sd = statistics.pstdev(rj), statistics.pstdev(rd)
    check(len(rj) >= 5 and statistics.median(rj) - b >= 0.1,
          f"jitter: {len(rj)} RTT samples to se1, median {statistics.median(rj) if rj else 0:.3f}s, grown by >= 100 ms")
    check(sj >= 0.02 and sj >= 3 * sd, f"jitter: RTTs to se1 spread {sj * 1000:.1f} ms (stdev), without jitter {sd * 1000:.1f} ms")

    # Loss, 30% to and from se1: SYNs unanswered, segments sent again, holes in the sequence.
    def loss_signs(sc):
        return (count(run, sc, f"tcp.flags.syn==1 && tcp.flags.ack==0 && !tcp.analysis.retransmission"
                               f" && (ip.dst=={next(a for a in se1 if ':' not in a)})")
                - count(run, sc, f"tcp.flags.syn==1 && tcp.flags.ack==1"
                                 f" && (ip.src=={next(a for a in se1 if ':' not in a)})")
                + count(run, sc, "tcp.analysis.retransmission || tcp.analysis.lost_segment"))
    lb, ll = loss_signs("impair-base"), loss_signs("impair-loss")
    check(ll >= lb + 5, f"loss: {ll} unanswered SYNs, retransmissions and holes, {lb} unimpaired")

    # Reordering on the client's link: TCP segments arrive out of order.
    ob, oo = count(run, "impair-base", "tcp.analysis.out_of_order"), count(run, "impair-reorder", "tcp.analysis.out_of_order")
    check(oo >= ob + 5, f"reorder: {oo} out-of-order segments, {ob} unimpaired")

    # Duplication to and from se1: the same segment (stream, seq, length) arrives twice.
    db, dd = duplicates(base, se1), duplicates(frames(run, "impair-duplicate"), se1)
    check(dd >= db + 5, f"duplicate: {dd} segments from se1 seen twice, {db} unimpaired")

    # Rate, 64 kbit/s (8000 bytes/s) with a 2000-byte bucket on the client's link: what reaches the
    # client in any half second stays near 6000 bytes; unimpaired, it does not.
    bound = 1.5 * (8000 * 0.5 + 2000)
    wr, wb = max_window_bytes(frames(run, "impair-rate"), client, 0.5), max_window_bytes(base, client, 0.5)
    check(wr <= bound < wb, f"rate: at most {wr} bytes reach the client in 0.5 s (bound {bound:.0f}), {wb} unimpaired")

    # MTU black hole of 600 bytes to and from se1: no larger packet from se1 arrives, small ones do,
    # and nothing says "fragmentation needed" or "packet too big".
    mtu = frames(run, "impair-mtu")
    big_b = sum(1 for f in base if src(f) in se1 and ip_len(f) > 600)
    big_m = sum(1 for f in mtu if src(f) in se1 and ip_len(f) > 600)
    small_m = sum(1 for f in mtu if src(f) in se1)
    check(big_m == 0 and big_b > 0 and small_m > 0,
          f"mtu: {big_m} packets over 600 bytes from se1 ({big_b} unimpaired), {small_m} smaller ones pass")
    icmp = count(run, "impair-mtu", "(icmp.type==3 && icmp.code==4) || icmpv6.type==2")
    check(icmp == 0, f"mtu: {icmp} ICMP fragmentation-needed or packet-too-big messages")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
