#!/usr/bin/env python3
"""tshark's fields for many captures, with one tshark instead of one per capture.

  tshark_batch.py FILTER FIELD... -- CAPTURE...

prints, for each CAPTURE in order, what
`tshark -r CAPTURE -Y FILTER -T fields -E separator=/t -e FIELD...` prints,
each line after the capture's name and a tab (as grep -H does).

tshark spends about half a second on start-up, whatever the capture, so a
hundred captures cost a minute of CPU one at a time. Here the pcap files are
concatenated into one, tshark reads it once, and each printed frame goes back
to its capture by its frame number. Concatenating is only safe while no state
of tshark's crosses from one capture into the next: a second, unfiltered pass
notes every frame's TCP stream and IP fragments, and a capture that shares a
TCP stream with another one (the same addresses and ports, which tshark did
not see as a new connection), or holds an IP fragment, is read again on its
own. So is a capture whose file header differs from the first's (another link
type, nanosecond stamps, pcapng) or that does not parse as pcap. A record cut
short at the end of a capture is left out, as tshark leaves it out.
"""
import bisect
import os
import shutil
import struct
import subprocess
import sys
import tempfile

PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">", b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}
MAX_CAPLEN = 262144


def records(path):
    """(header key, snaplen, [record bytes]) of a pcap file, or None if it is not one we can concatenate."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24 or data[:4] not in PCAP_MAGICS:
        return None
    end = PCAP_MAGICS[data[:4]]
    major, minor, _, _, snaplen, linktype = struct.unpack(end + "HHiIII", data[4:24])
    out, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        if caplen > MAX_CAPLEN:
            return None  # tshark would stop here with an error: let it say so on its own
        if off + 16 + caplen > len(data):
            break  # cut short: tshark does not dissect it either
        out.append(data[off:off + 16 + caplen])
        off += 16 + caplen
    return (data[:4], major, minor, linktype), snaplen, out


def tshark(capture, args):
    r = subprocess.run(["tshark", "-r", capture] + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return r.stdout.splitlines()


def fields_args(flt, fields):
    args = (["-Y", flt] if flt else []) + ["-T", "fields", "-E", "separator=/t", "-e", "frame.number"]
    for f in fields:
        args += ["-e", f]
    return args


def alone(capture, flt, fields):
    """The frames' fields, as tshark prints them for this capture on its own (frame.number dropped)."""
    return [line.split("\t", 1)[1] if "\t" in line else "" for line in tshark(capture, fields_args(flt, fields))]


def main():
    if "--" not in sys.argv or sys.argv.index("--") < 3:
        sys.exit("usage: tshark_batch.py FILTER FIELD... -- CAPTURE...")
    sep = sys.argv.index("--")
    flt, fields = sys.argv[1], sys.argv[2:sep]
    captures = sys.argv[sep + 1:]
    tmp = tempfile.mkdtemp()

    # The captures that can be concatenated: pcap files with the first one's header.
    key0, snap, batch, starts, n_frames = None, 0, [], [], 0
    merged = os.path.join(tmp, "merged.pcap")
    single = []
    with open(merged, "wb") as m:
        m.write(b"\0" * 24)  # the header, once the largest snaplen is known
        for i, c in enumerate(captures):
            r = records(c)
            if r is None or (key0 is not None and r[0] != key0):
                single.append(i)
                continue
            key0 = key0 or r[0]
            snap = max(snap, r[1])
            batch.append(i)
            starts.append(n_frames + 1)
            n_frames += len(r[2])
            m.writelines(r[2])
        if key0:
            magic, major, minor, linktype = key0
            m.seek(0)
            m.write(magic + struct.pack(PCAP_MAGICS[magic] + "HHiIII", major, minor, 0, 0, snap, linktype))

    per = {i: [] for i in range(len(captures))}
    if batch:
        def owner(frame):  # the capture (index into captures) a frame of the merged file came from
            return batch[bisect.bisect_right(starts, frame) - 1]

        # Which captures tshark may have mixed up: a TCP stream in two of them, or an IP fragment.
        streams, suspect = {}, set()
        for line in tshark(merged, fields_args(None, ["tcp.stream", "ip.flags.mf", "ip.frag_offset", "ipv6.fraghdr.ident"])):
            num, stream, mf, frag, frag6 = (line.split("\t") + [""] * 5)[:5]
            if not num.isdigit():
                continue
            i = owner(int(num))
            for s in filter(None, stream.split(",")):
                streams.setdefault(s, set()).add(i)
            if any(v not in ("", "0", "False") for v in mf.split(",") + frag.split(",")) or frag6:
                suspect.add(i)
        for owners in streams.values():
            if len(owners) > 1:
                suspect |= owners
        for line in tshark(merged, fields_args(flt, fields)):
            num, _, rest = line.partition("\t")
            if num.isdigit():
                per[owner(int(num))].append(rest)
        single += sorted(suspect)
    for i in single:
        per[i] = alone(captures[i], flt, fields)
    shutil.rmtree(tmp)
    for i, lines in per.items():
        sys.stdout.writelines(f"{captures[i]}\t{line}\n" for line in lines)
    # How many captures were read on their own, for the test's log.
    print(f"tshark_batch.py: {len(captures)} captures, {len(captures) - len(single)} read by one tshark, "
          f"{len(single)} on their own", file=sys.stderr)


if __name__ == "__main__":
    main()
