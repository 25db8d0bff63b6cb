#!/bin/sh
# Comparison 3: capture decoding. bcsim's wire decoder (sim/decode/wire.c, as
# bcsim rejudge runs it) against tshark -T fields, both extracting the same
# fields from one large capture: each ClientHello's destination and SNI, each
# DNS message's query name and rcode. The capture is grown from real lab
# captures of a few scenarios, each copy's TCP sequence numbers moved so that
# its connections are new ones. The two must find the same multiset of values;
# the script says whether they do. It also records each one's peak memory.
# Usage: decode.sh BUILD [SRC]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
BUILD=${1:-build}
SRC=${2:-$HERE/..}
PACKETS=${BENCH_DECODE_PACKETS:-100000}
# Handshakes and ClientHellos, DNS over UDP and TCP (a truncated answer),
# NXDOMAIN and SERVFAIL, retransmissions (loss), ICMP errors quoting DNS.
SEEDS="cloud-down.json dns/dns-truncate-tcp-fallback.json dns/dns-nxdomain-retry.json dns/dns-servfail-retry.json
  network/net-loss-pcc1.json cloud-down/cloud-down-unreachable.json"
FILTER='(tls.handshake.type == 1 || dns) && !icmp && !icmpv6'

echo "== 3. Capture decoding: bcsim's wire decoder vs tshark -T fields"
need tshark || exit 0
[ -x /usr/bin/time ] || { echo "  skipped: /usr/bin/time is not installed (make bench installs it)"; exit 0; }
bench_tmpdir
set --
for s in $SEEDS; do set -- "$@" "$SRC/scenarios/$s"; done
lab "$BUILD/bcsim" run -q --jobs 6 --out "$T/seed" "$@" > "$T/seed.txt" 2>&1 || true
set --
for s in $SEEDS; do
  s=$(basename "$s" .json)
  [ ! -f "$T/seed/$s/capture.pcap" ] || set -- "$@" "$T/seed/$s/capture.pcap"
done
[ $# -gt 0 ] || { echo "  the seed runs left no capture: $(tail -1 "$T/seed.txt")"; exit 0; }
"$BUILD/bcsim" bench-decode --grow "$PACKETS" "$T/big.pcap" "$@" > /dev/null

# tshark's fields, one line per value, as bench-decode prints them. Several DNS
# messages in one TCP segment come as comma-separated lists.
reshape() {
  awk -F '\t' 'BEGIN { split("NOERROR FORMERR SERVFAIL NXDOMAIN NOTIMP REFUSED", name, " ") }
    {
      dst = $1 != "" ? $1 : $2
      n = split($3, types, ",")
      for (i = 1; i <= n; i++) if (types[i] == 1) print "hello\t" dst "\t" ($4 != "" ? $4 : "-")
      n = split($6, q, ","); split($5, resp, ","); split($7, rc, ",")
      for (i = 1; i <= n; i++)
        if (resp[i] == 1) print "dns\tanswer\t" tolower(q[i]) "\t" (rc[i] + 1 in name ? name[rc[i] + 1] : "OTHER")
        else print "dns\tquery\t" tolower(q[i]) "\t-"
    }'
}

i=0
while [ $i -lt "$BENCH_RUNS" ]; do
  /usr/bin/time -f "%e %M" -o "$T/time" "$BUILD/bcsim" bench-decode "$T/big.pcap" > "$T/bcsim.out"
  cat "$T/time" >> "$T/bcsim.times"
  /usr/bin/time -f "%e %M" -o "$T/time" tshark -n -r "$T/big.pcap" -Y "$FILTER" -T fields -E separator=/t -E aggregator=, \
    -e ip.dst -e ipv6.dst -e tls.handshake.type -e tls.handshake.extensions_server_name \
    -e dns.flags.response -e dns.qry.name -e dns.flags.rcode > "$T/tshark.raw" 2> /dev/null
  cat "$T/time" >> "$T/tshark.times"
  i=$((i + 1))
done
reshape < "$T/tshark.raw" | sort > "$T/tshark.values"
sort "$T/bcsim.out" > "$T/bcsim.values"
hellos=$(grep -c '^hello' "$T/bcsim.values" || true)
dns=$(grep -c '^dns' "$T/bcsim.values" || true)
echo "  $(capinfos -c -M "$T/big.pcap" 2> /dev/null | awk '/Number of packets/ { print $NF }') packets grown from $# lab captures; $BENCH_RUNS runs each, in turn; medians:"
if cmp -s "$T/tshark.values" "$T/bcsim.values"; then
  echo "  same values from both: $hellos ClientHellos (destination, SNI), $dns DNS messages (name, rcode)"
else
  echo "  the values DIFFER: $(diff "$T/tshark.values" "$T/bcsim.values" | grep -c '^[<>]') lines, first: $(diff "$T/tshark.values" "$T/bcsim.values" | grep '^[<>]' | head -3 | tr '\n\t' '  ')"
fi
bw=$(awk '{ print $1 }' "$T/bcsim.times" | median) tw=$(awk '{ print $1 }' "$T/tshark.times" | median)
bm=$(awk '{ print $2 / 1024 }' "$T/bcsim.times" | median) tm=$(awk '{ print $2 / 1024 }' "$T/tshark.times" | median)
printf "  %-16s %10s %10s %8s\n" "" bcsim tshark ratio
printf "  %-16s %10.2f %10.2f %8s\n" "wall (s)" "$bw" "$tw" "$(ratio "$tw" "$bw")"
printf "  %-16s %10.1f %10.1f %8s\n" "peak RSS (MiB)" "$bm" "$tm" "$(ratio "$tm" "$bm")"
echo "  (ratio: tshark / bcsim)"
