#!/usr/bin/env python3
"""Seeds the wire-level fuzz targets from real captures (tests/fuzz/run.sh).

  seeds.py SEED_DIR CAPTURE...

tshark, not bcsim, picks the messages out of each capture, so that the seeds
are what an independent decoder calls DNS and TLS:
  dns/         every distinct DNS message (UDP payloads; TCP payloads with their length prefix)
  dns_server/  every distinct query, once under each of the server's 8 policies (the first byte)
  dns_cache/   every UDP query with each answer that follows it (two bytes of query length, query, answer)
  tls/         every distinct ClientHello and ServerHello record
  capture/     each capture whole, and cut into pieces of 16 frames
"""
import os
import shutil
import subprocess
import sys

PIECE = 16


def fields(capture):
    out = subprocess.run(
        ["tshark", "-r", capture, "-Y", "dns || tls.handshake.type == 1 || tls.handshake.type == 2", "-T", "fields",
         "-E", "separator=|", "-e", "udp.payload", "-e", "tcp.payload", "-e", "dns.flags.response", "-e",
         "tls.handshake.type"],
        check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        udp, tcp, response, hs = (line.split("|") + ["", "", "", ""])[:4]
        yield udp, tcp, response, hs


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    seeds, captures = sys.argv[1], sys.argv[2:]
    for d in ("dns", "dns_server", "dns_cache", "tls", "capture"):
        os.makedirs(os.path.join(seeds, d), exist_ok=True)
    seen = set()
    queries = {}  # DNS id -> the last UDP query with it
    for n, capture in enumerate(captures, 1):
        shutil.copy(capture, os.path.join(seeds, "capture", f"{n}.pcap"))
        subprocess.run(["editcap", "-c", str(PIECE), capture, os.path.join(seeds, "capture", f"{n}-piece.pcap")],
                       check=True, capture_output=True)
        for udp, tcp, response, hs in fields(capture):
            payload = udp or tcp
            if not payload or payload in seen:
                continue
            seen.add(payload)
            data = bytes.fromhex(payload)
            key = f"{n}-{len(seen)}"
            if hs:
                write(os.path.join(seeds, "tls", key), data)
            elif response:
                write(os.path.join(seeds, "dns", key), data)
                if udp and response in ("0", "False"):
                    for how in range(8):
                        write(os.path.join(seeds, "dns_server", f"{key}-{how}"), bytes([how]) + data)
                    queries[data[:2]] = data
                elif udp and data[:2] in queries:
                    q = queries[data[:2]]
                    write(os.path.join(seeds, "dns_cache", key), len(q).to_bytes(2, "big") + q + data)
    for d in ("dns", "dns_server", "dns_cache", "tls"):
        if not os.listdir(os.path.join(seeds, d)):
            sys.exit(f"seeds.py: the captures held no {d} seed")


if __name__ == "__main__":
    main()
