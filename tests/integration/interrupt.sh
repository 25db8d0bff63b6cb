#!/bin/sh
# Ctrl-C during a multi-scenario run: exit 130, the finished scenario is in
# report.json, the interrupted one is an error (never a failure), and nothing
# of bcsim is left running.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/s"
cp "$SRC/scenarios/cloud-down.json" "$T/s/a.json"
sed 's/"id": "cloud-down"/"id": "cloud-down-again"/' "$SRC/scenarios/cloud-down.json" > "$T/s/b.json"
"$BCSIM" run --jobs 1 --out "$T/o" "$T/s" > "$T/out" 2>&1 &
pid=$!
sleep 8.5 # inside the second scenario
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "interrupted run: exit $rc, expected 130"
grep -q '"interrupted":[[:space:]]*true' "$T/o/report.json" || fail "the report does not say it was interrupted"
check_field "$T/o/report.json" cloud-down verdict pass
grep -A4 '"id":[[:space:]]*"cloud-down-again"' "$T/o/report.json" | grep -q '"verdict":[[:space:]]*"error"' ||
  fail "the interrupted scenario is not an error"
sleep 0.5
left=$(pgrep -f "$T/" || true)
[ -z "$left" ] || fail "left running after Ctrl-C: $left"
echo "1 passed, 0 failed"
