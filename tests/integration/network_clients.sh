#!/bin/sh
# A client that is judged on the wire alone, over the whole suite (the
# netclients fixture): tests/clients/netclient, a minimal client in Python
# that speaks no session protocol. It may not fail a scenario or error, and no
# check may be left unjudged because of its anchor: every scenario is pass or
# unsupported (integration.selftest_network asks the same of the reference
# client judged at the network level).
# Then the netclient's own defects must be caught on the wire: trying only
# the first PCC address fails cloud-down-pcc1-down on BC-FO-04.
# Usage: network_clients.sh BCSIM OUTDIR SRC   (writes OUTDIR/net)
set -u
BCSIM=$1 DIR=$2 SRC=$3
. "$SRC/tests/integration/lib.sh"
# Labs at once: bcsim's own default (what the machine holds), as a user runs it, unless BCSIM_TEST_JOBS says.
JOBS_ARG=${BCSIM_TEST_JOBS:+-j $BCSIM_TEST_JOBS}
JOBS=${BCSIM_TEST_JOBS:-8} # the first wave waited for below
NC="$SRC/tests/clients/netclient"
rm -rf "$DIR/net" "$DIR/netdefects" "$DIR/host.pcapng" && mkdir -p "$DIR"


# The runs wait for their labs (a lab uses little CPU), so both full runs and
# the netclient's defects go side by side. Starting labs and clients is what takes CPU,
# and the netclient (Python) must be up within the first 1.5 s of the
# cloud-down scenarios: so each run starts once the previous one's first wave
# of clients is up. (Started together, 19 labs at once, the netclient came up
# too late for cloud-down's premise, every time.) While they go, the host's own
# interfaces are watched: no packet of the lab (the documentation prefixes it
# uses) may appear on any of them.
first_wave_up() { # RUN_DIR PID: waits until JOBS of the run's clients (or all, if the run ends first) have written to client.log
  for i in $(seq 1 600); do # 60 s: a bound that only keeps a broken run from hanging the test
    [ "$(find "$1" -mindepth 2 -maxdepth 2 -name client.log -size +0 2> /dev/null | wc -l)" -ge "$JOBS" ] && return
    kill -0 "$2" 2> /dev/null || return
    sleep 0.1
  done
}
HOSTCAP=
if [ "$(id -u)" = 0 ] && command -v dumpcap > /dev/null; then
  # Every address of the lab, from the world's tables: its segments' prefixes, its links' ends, its spare addresses.
  filter=$("$BCSIM" list --world | jq -r '[(.segments[] | "net \(.v4)", "ip6 net \(.v6)"),
    (.links[] | .a4, .b4, .a6, .b6 | "host \(sub("/.*"; ""))"), (.spares[] | "host \(.v4)", "host \(.v6)")] | unique | join(" or ")')
  dumpcap -q -i any -f "$filter" \
    -w "$DIR/host.pcapng" > "$DIR/dumpcap.txt" 2>&1 &
  HOSTCAP=$!
  # dumpcap writes the file's header once it captures; the bound only keeps a broken dumpcap from hanging the test.
  for i in $(seq 1 100); do [ -s "$DIR/host.pcapng" ] && break; sleep 0.1; done
  [ -s "$DIR/host.pcapng" ] || fail "the host capture did not start: $(cat "$DIR/dumpcap.txt")"
fi
trap 'bg_stop; [ -z "$HOSTCAP" ] || kill $HOSTCAP 2> /dev/null' EXIT
bg_run "$BCSIM" run -q $JOBS_ARG --client "$NC/netclient.json" --out "$DIR/net" "$SRC/scenarios/" > "$DIR/net.txt" 2>&1
p_net=$!
first_wave_up "$DIR/net" $p_net
# Its defects, each in a scenario where the wire shows it (checked below).
defect() { # DEFECT SCENARIO
  bg_run "$BCSIM" run --client "$NC/netclient-$1.json" --out "$DIR/netdefects/$1" "$SRC/scenarios/$2" > "$DIR/netdefect-$1.txt" 2>&1
}
defect first-pcc-only cloud-down/cloud-down-pcc1-down.json
p1=$!
defect wrong-sni cloud-down.json
p2=$!
defect skip-verify tls/tls-expired-pcc1.json
p3=$!
bg_wait $p_net
rc_net=$?
bg_wait $p1
rc1=$?
bg_wait $p2
rc2=$?
bg_wait $p3
rc3=$?
if [ -n "$HOSTCAP" ]; then
  kill -INT $HOSTCAP
  wait $HOSTCAP
  HOSTCAP=
  [ -s "$DIR/host.pcapng" ] || fail "the host capture did not run: $(cat "$DIR/dumpcap.txt")"
  n=$(tshark -r "$DIR/host.pcapng" 2> /dev/null | wc -l)
  [ "$n" = 0 ] || fail "$n packets of the lab's addresses appeared on the host's interfaces: $(tshark -r "$DIR/host.pcapng" 2> /dev/null | head -3)"
  echo "host interfaces: no packet of the lab during the runs"
else
  echo "host interfaces: not watched (needs root and dumpcap)"
fi
judged_fairly "$DIR/net" netclient $rc_net
# The per-requirement counts say what was judged at which level.
[ "$(jq '.summary.requirements["BC-FO-04"].network.judged' "$DIR/net/report.json")" -gt 0 ] ||
  fail "the report does not count BC-FO-04's network checks as judged for the netclient"
[ "$(jq '.summary.requirements["BC-FO-05"].session.judged' "$DIR/net/report.json")" = 0 ] ||
  fail "session checks were judged for a client that does not speak the session level"

# Its defects, caught on the wire, each by a check of the requirement it violates.
caught() { # DEFECT SCENARIO REQUIREMENT EXIT
  [ "$4" = 1 ] || fail "netclient-$1 on $2: exit $4, expected 1 (a conformance failure)"
  jq -e --arg r "$3" '[.scenarios[].checks[] | select(.verdict == "fail" and .requirement == $r and .level == "network")] | length > 0' \
    "$DIR/netdefects/$1/report.json" > /dev/null || fail "netclient-$1 on $2 failed no network check of $3"
  echo "netclient-$1: caught on the wire by $3"
}
caught first-pcc-only cloud-down/cloud-down-pcc1-down.json BC-FO-04 $rc1
caught wrong-sni cloud-down.json BC-TLS-02 $rc2
caught skip-verify tls/tls-expired-pcc1.json BC-TLS-03 $rc3
echo "1 passed, 0 failed"
