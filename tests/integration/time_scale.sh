#!/bin/sh
# --time-scale changes no verdict (issue 14): the reference client over the
# whole suite at scales 1, 2 and 4 gets the same verdict for every scenario
# and every check. Scale 1 is integration.suite's reference run (the fixture);
# a run of its own when the script runs alone. Scales 2 and 4 run here, side
# by side: their labs mostly wait, and a scale above 1 only gives them room.
# The scaling must really have reached the world, or the comparison would
# prove nothing: at scale 4, net-delay-pcc1's 1 s delay is 4 s, and the
# client host's resolver waits 4 s per try. Before fault parameters scaled,
# net-delay-pcc1's check next-pcc failed at scale 4: its 1 s delay fell
# inside the client's 4x timeout.
# Usage: time_scale.sh BCSIM SUITE_OUT SRC
set -u
BCSIM=$1 DIR=$2 SRC=$3
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'bg_stop; rm -rf "$T"' EXIT
JOBS_ARG=${BCSIM_TEST_JOBS:+-j $BCSIM_TEST_JOBS}
# The reference over the suite at a scale, into $T/xSCALE: bcsim itself is
# the background job, so that bg_stop's SIGTERM tears its labs down.
if [ -f "$DIR/st/reference/report.json" ]; then
  base="$DIR/st/reference"
else
  "$BCSIM" run -q $JOBS_ARG --out "$T/x1" "$SRC/scenarios/" > "$T/x1.txt" 2>&1
  base="$T/x1"
fi
bg_run "$BCSIM" run -q $JOBS_ARG --time-scale 2 --out "$T/x2" "$SRC/scenarios/" > "$T/x2.txt" 2>&1
p2=$!
bg_run "$BCSIM" run -q $JOBS_ARG --time-scale 4 --out "$T/x4" "$SRC/scenarios/" > "$T/x4.txt" 2>&1
p4=$!
bg_wait $p2
bg_wait $p4
for s in 2 4; do
  [ -f "$T/x$s/report.json" ] || { cat "$T/x$s.txt"; fail "--time-scale $s wrote no report"; }
  [ "$(jq -c '[.scenarios[].time_scale] | unique' "$T/x$s/report.json")" = "[$s]" ] ||
    fail "the report of --time-scale $s does not record it for every scenario"
done

# The scale reached the fault's parameters and the world's own timeouts.
delay=$(jq -r 'select(.type == "fault.on" and .name == "net.delay") | .params.delay' "$T/x4/net-delay-pcc1/events.jsonl")
[ "$delay" = "4000ms" ] || fail "at scale 4, net-delay-pcc1's 1s delay was \"$delay\", not 4000ms"
grep -q "timeout:4 " "$T/x4/net-delay-pcc1/resolv.conf" || fail "at scale 4, the client host's resolver timeout is not 4 s"

"$BCSIM" report verdicts "$base" > "$T/v1.txt" || fail "bcsim report verdicts $base failed"
n=$(find "$SRC/scenarios" -name '*.json' | wc -l)
[ "$(grep -c ' - - ' "$T/v1.txt")" = "$n" ] || fail "scale 1 judged $(grep -c ' - - ' "$T/v1.txt") scenarios, not the suite's $n"
[ "$(grep -vc ' - - ' "$T/v1.txt")" -ge "$((n * 5))" ] || fail "scale 1 judged too few checks"
for s in 2 4; do
  "$BCSIM" report verdicts "$T/x$s" > "$T/v$s.txt" || fail "bcsim report verdicts at scale $s failed"
  diff "$T/v1.txt" "$T/v$s.txt" > "$T/d$s.txt" ||
    { cat "$T/d$s.txt"; fail "verdicts at --time-scale $s differ from scale 1 (< scale 1, > scale $s)"; }
done
echo "$n scenarios, $(grep -vc ' - - ' "$T/v1.txt") checks: the same verdicts at --time-scale 1, 2 and 4"
echo "1 passed, 0 failed"
