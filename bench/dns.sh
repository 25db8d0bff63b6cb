#!/bin/sh
# Comparison 2: DNS answers per second. The world's resolver (sim/dns/, in the
# datacenter host of a lab, as in every scenario) against dnsmasq serving the
# same names beside it, both measured by dnsperf from the client host with the
# same query file: through the router, as a client's queries go.
# Usage: dns.sh BUILD   (dns.sh --in-client runs inside the lab's client host)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SECONDS_EACH=${BENCH_DNS_SECONDS:-5}

# run ADDR SECONDS: dnsperf against ADDR; prints its answers per second and
# the share of each response code, or nothing when nothing was answered.
run() {
  dnsperf -s "$1" -d "$BENCH_DIR/queries.txt" -l "$2" 2> /dev/null | awk '
    /Queries completed:/ { done = $3 }
    /Response codes:/ { sub(/.*codes: */, ""); gsub(/ [0-9]+ \(/, " "); gsub(/\)/, ""); codes = $0 }
    /Queries per second:/ { qps = $4 }
    END { if (done > 0) print qps, codes }'
}

if [ "${1:-}" = --in-client ]; then
  # Every name of the zone for A and AAAA, and a few it lacks (NXDOMAIN from both).
  awk '!seen[$2]++ { print $2 " A"; print $2 " AAAA" }' "$BENCH_DIR/zone.hosts" > "$BENCH_DIR/queries.txt"
  for i in 1 2 3 4; do echo "missing$i.$BENCH_DOMAIN A" >> "$BENCH_DIR/queries.txt"; done
  # Warm-up, which also waits for dnsmasq to listen (at most about 10 s).
  for side in world dnsmasq; do
    addr=$BENCH_RESOLVER
    [ $side = world ] || addr=$BENCH_RIVAL
    i=0
    until out=$(run "$addr" 1) && [ -n "$out" ]; do
      i=$((i + 1))
      [ $i -lt 10 ] || { echo "dns: no answer from $addr" >&2; exit 3; }
      sleep 1
    done
    echo "codes $side ${out#* }"
  done
  # In turn, so that both sides see the same machine load.
  i=0
  while [ $i -lt "$BENCH_RUNS" ]; do
    echo "world $(run "$BENCH_RESOLVER" "$SECONDS_EACH")"
    echo "dnsmasq $(run "$BENCH_RIVAL" "$SECONDS_EACH")"
    i=$((i + 1))
  done
  exit 0
fi

BUILD=${1:-build}
echo "== 2. DNS answers per second: the world's resolver vs dnsmasq (dnsperf from the client host)"
need dnsperf dnsmasq || exit 0
bench_tmpdir
# dnsmasq answers only from the zone's names (NXDOMAIN for the rest of the
# domain), never forwards, and logs into the temp dir rather than syslog. It
# stays root of the lab: the lab maps one user and allows no setgroups(2).
RIVAL='exec dnsmasq --keep-in-foreground --conf-file=/dev/null --no-hosts --no-resolv
  --addn-hosts="$BENCH_DIR/zone.hosts" --local=/"$BENCH_DOMAIN"/ --local-ttl=60
  --listen-address="$BENCH_RIVAL" --bind-interfaces --user=root --group= --pid-file=
  --log-facility="$BENCH_DIR/dnsmasq.log"'
RIVAL=$(echo "$RIVAL" | tr '\n' ' ')
lab "$BUILD/bcsim" bench-dns "$T" "$RIVAL" "BENCH_RUNS=$BENCH_RUNS BENCH_DNS_SECONDS=$SECONDS_EACH sh '$HERE/dns.sh' --in-client" > "$T/qps.txt" ||
  { echo "  bcsim bench-dns failed"; cat "$T/qps.txt"; exit 0; }
world=$(awk '$1 == "world" { print $2 }' "$T/qps.txt" | median)
dnsmasq=$(awk '$1 == "dnsmasq" { print $2 }' "$T/qps.txt" | median)
echo "  $(grep -c . "$T/queries.txt") queries in the file; response codes: world $(sed -n 's/^codes world //p' "$T/qps.txt"), dnsmasq $(sed -n 's/^codes dnsmasq //p' "$T/qps.txt")"
echo "  $BENCH_RUNS runs of ${SECONDS_EACH} s each, in turn; medians:"
printf "  world's resolver  %10.0f answers/s\n" "$world"
printf "  dnsmasq           %10.0f answers/s\n" "$dnsmasq"
echo "  ratio world/dnsmasq: $(ratio "$world" "$dnsmasq")"
