#!/bin/sh
# Ctrl-C during a multi-scenario run: exit 130, the finished scenario is in
# report.json, the interrupted one is an error (never a failure), and nothing
# of bcsim is left running.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill $pid 2> /dev/null; rm -rf "$T"' EXIT
mkdir "$T/s"
cp "$SRC/scenarios/cloud-down.json" "$T/s/a.json"
sed 's/"id": "cloud-down"/"id": "cloud-down-again"/' "$SRC/scenarios/cloud-down.json" > "$T/s/b.json"
"$BCSIM" run --jobs 1 --out "$T/o" "$T/s" > "$T/out" 2>&1 &
pid=$!
# Inside the second scenario: its client is up (its log has lines). The bound
# only keeps a run that never gets there from hanging the test.
for i in $(seq 1 600); do
  [ -s "$T/o/cloud-down-again/client.log" ] && break
  sleep 0.1
done
[ -s "$T/o/cloud-down-again/client.log" ] || fail "the second scenario never started: $(cat "$T/out")"
kill -INT $pid
wait $pid
rc=$?
pid=
[ $rc = 130 ] || fail "interrupted run: exit $rc, expected 130"
grep -q '"interrupted":[[:space:]]*true' "$T/o/report.json" || fail "the report does not say it was interrupted"
check_field "$T/o/report.json" cloud-down verdict pass
grep -A4 '"id":[[:space:]]*"cloud-down-again"' "$T/o/report.json" | grep -q '"verdict":[[:space:]]*"error"' ||
  fail "the interrupted scenario is not an error"
# A dying process may take a moment to go: it has up to 0.5 s, as it always had.
for i in $(seq 1 5); do
  [ -z "$(pgrep -f "$T/")" ] && break
  sleep 0.1
done
left=$(pgrep -f "$T/" || true)
[ -z "$left" ] || fail "left running after Ctrl-C: $left"
echo "1 passed, 0 failed"
