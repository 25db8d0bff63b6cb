#!/bin/sh
# Comparison 5: failover timing accuracy. The failover time the report gives
# for scenarios/cloud-down.json (reference client): from the cloud's outage
# (the anchor of its checks) to the first ClientHello to a PCC with SNI
# c2.<bc_domain> (its pcc-sni-c2 check's "at") - against the same interval
# taken from capture.pcap: that ClientHello's pcap stamp, put on the
# timeline's axis (stamp - capture.start's pcap_t0_us, docs/report-format.md),
# minus the outage's fault.on time. tshark finds the ClientHello.
# Usage: failover.sh BUILD [SRC]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
BUILD=${1:-build}
SRC=${2:-$HERE/..}
echo "== 5. Failover timing: the report's figure vs the same interval from the capture's timestamps"
need tshark jq || exit 0
bench_tmpdir
lab "$BUILD/bcsim" run -q --repeat "$BENCH_RUNS" --out "$T/o" "$SRC/scenarios/cloud-down.json" > "$T/run.txt" 2>&1 || true
for r in "$T"/o/run-*/; do
  d="$r/cloud-down"
  [ -f "$d/capture.pcap" ] && [ -f "$r/report.json" ] || continue
  report=$(jq -r '.scenarios[0].checks | (map(select(.id == "pcc-sni-c2"))[0].evidence.at) - (map(select(.id == "pcc-handshake"))[0].evidence.window_from)' "$r/report.json")
  t0=$(jq -r 'select(.type == "capture.start") | .pcap_t0_us' "$d/events.jsonl")
  fault=$(jq -r 'select(.type == "fault.on" and .step == "cloud-blackhole") | .t' "$d/events.jsonl")
  sni="c2.$(jq -r .world.bc_domain "$d/scenario.json")"
  pccs=$(jq -r '.[] | select(.role == "pcc") | .addr' "$d/world/parties.json" | tr '\n' ' ')
  # The first such ClientHello to a PCC on or after the outage, in microseconds since t = 0.
  pcap=$(tshark -n -r "$d/capture.pcap" -Y "tls.handshake.type == 1 && tls.handshake.extensions_server_name == \"$sni\"" \
      -T fields -E separator=/t -e frame.time_epoch -e ip.dst -e ipv6.dst 2> /dev/null |
    awk -F '\t' -v t0="$t0" -v fault="$fault" -v pccs="$pccs" '
      BEGIN { n = split(pccs, a, " "); for (i = 1; i <= n; i++) pcc[a[i]] = 1 }
      {
        split($1, s, "."); us = s[1] * 1000000 + substr(s[2] "000000", 1, 6) - t0
        if ((($2 in pcc) || ($3 in pcc)) && us >= fault * 1e6) { printf "%.6f\n", us / 1e6 - fault; exit }
      }')
  [ -n "$pcap" ] && [ "$report" != null ] || continue
  echo "$report $pcap" >> "$T/pairs"
done
[ -s "$T/pairs" ] || { echo "  no run gave both figures: $(tail -1 "$T/run.txt")"; exit 0; }
rep=$(awk '{ print $1 }' "$T/pairs" | median) cap=$(awk '{ print $2 }' "$T/pairs" | median)
diff=$(awk '{ d = ($1 - $2) * 1e6; print d < 0 ? -d : d }' "$T/pairs" | median)
maxd=$(awk '{ d = ($1 - $2) * 1e6; d = d < 0 ? -d : d; if (d > m) m = d } END { print m + 0 }' "$T/pairs")
echo "  $(grep -c . "$T/pairs") runs of cloud-down (--repeat $BENCH_RUNS); medians:"
printf "  report (check evidence)   %.6f s\n" "$rep"
printf "  capture (tshark stamps)   %.6f s\n" "$cap"
printf "  |difference|              %.1f us (median), %.1f us (max)\n" "$diff" "$maxd"
echo "  ratio report/capture: $(awk -v a="$rep" -v b="$cap" 'BEGIN { printf "%.6f", a / b }')"
