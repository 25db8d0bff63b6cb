#!/bin/sh
# What the suite's full run (the suite fixture) shows beyond verdicts: every
# fault of the catalogue is applied somewhere, the new-user story is on the
# wire and in the services log, junit.xml validates, report.html renders
# offline in headless Chromium, shards merge into the full run, and a seed
# replays the same fault schedule.
# Usage: suite_reports.sh BCSIM OUTDIR SRC
set -u
BCSIM=$1 DIR=$2 SRC=$3
. "$SRC/tests/integration/lib.sh"
# Labs at once: bcsim's own default (what the machine holds), as a user runs it, unless BCSIM_TEST_JOBS says.
JOBS_ARG=${BCSIM_TEST_JOBS:+-j $BCSIM_TEST_JOBS}
ALL="$DIR/st/reference"
[ -f "$ALL/report.json" ] || fail "no full run in $ALL: run the suite test first"
OUT=$(mktemp -d)
trap 'bg_stop; rm -rf "$OUT"' EXIT
total=$(jq '.summary.scenarios' "$ALL/report.json")

# The suite in two shards, side by side (their labs mostly wait). While they
# run the test does only light work: with Chromium rendering beside them, a
# client of the shards was once starved past its keepalive timeout. The seeded
# runs and Chromium come after.
F="$SRC/scenarios/cloud-down/cloud-flapping.json"
# The shards: two halves of the TLS scenarios (a dozen labs; the whole suite
# again would prove no more about sharding and merging), compared with the
# same scenarios of the full run.
SHARDED='tls-*'
bg_run "$BCSIM" run -q $JOBS_ARG --filter "$SHARDED" --shard 1/2 --out "$OUT/sh1" "$SRC/scenarios/" > "$OUT/sh1.txt" 2>&1
p_sh1=$!
bg_run "$BCSIM" run -q $JOBS_ARG --filter "$SHARDED" --shard 2/2 --out "$OUT/sh2" "$SRC/scenarios/" > "$OUT/sh2.txt" 2>&1
p_sh2=$!

missing=""
for action in $("$BCSIM" list --actions); do
  [ "$action" = probe.app ] && continue
  # The harness's own probe is an event of its own, not a fault switched on.
  if [ "$action" = probe.dns ]; then
    grep -lq '"type":"probe.dns"' "$ALL"/*/events.jsonl || missing="$missing $action"
    continue
  fi
  grep -lq "\"type\":\"fault.on\".*\"name\":\"$action\"" "$ALL"/*/events.jsonl || missing="$missing $action"
done
[ -z "$missing" ] || fail "faults never applied by any scenario:$missing"

P="$ALL/portal-down-new-enrollment"
tshark -r "$P/capture.pcap" -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.extensions_server_name 2>/dev/null |
  grep -qx 'c2site.bc.example.com' || fail "tshark finds no ClientHello with SNI c2site.bc.example.com"
login=$(grep -n '"action":"bc-sp-login"' "$P/services.log" | head -1 | cut -d: -f1)
enroll=$(grep -n '"action":"enroll"' "$P/services.log" | head -1 | cut -d: -f1)
[ -n "$login" ] && [ -n "$enroll" ] && [ "$login" -lt "$enroll" ] ||
  fail "the services log does not show the BC SP login before the enrollment"

# Sharded and merged, the suite gives the verdicts of one run.
bg_wait $p_sh1
bg_wait $p_sh2
"$BCSIM" report merge --out "$OUT/merged" "$OUT/sh1" "$OUT/sh2" > "$OUT/merge.txt" 2>&1 ||
  fail "bcsim report merge failed: $(tail -3 "$OUT/merge.txt"); shard 1: $(tail -2 "$OUT/sh1.txt"); shard 2: $(tail -2 "$OUT/sh2.txt")"
"$BCSIM" report verdicts "$ALL" | grep '^tls-' > "$OUT/v-all.txt"
"$BCSIM" report verdicts "$OUT/merged" > "$OUT/v-merged.txt"
diff "$OUT/v-all.txt" "$OUT/v-merged.txt" > "$OUT/v-diff.txt" ||
  fail "shards 1/2 + 2/2 merged differ from the full run: $(cat "$OUT/v-diff.txt")"
sharded=$(jq '[.scenarios[] | select(.id | startswith("tls-"))] | length' "$ALL/report.json")
[ "$sharded" -ge 10 ] || fail "only $sharded scenarios to shard"
[ "$(grep -c ' - - ' "$OUT/v-merged.txt")" = "$sharded" ] || fail "the merged report does not hold every sharded scenario"
xmllint --noout --schema "$SRC/tests/schemas/junit.xsd" "$OUT/merged/junit.xml" 2> /dev/null || fail "the merged junit.xml does not validate"
ids_all=$(grep -o '<testsuite name="tls-[^"]*"' "$ALL/junit.xml") ids_merged=$(grep -o '<testsuite name="[^"]*"' "$OUT/merged/junit.xml")
[ "$ids_all" = "$ids_merged" ] || fail "the merged junit.xml lists the scenarios in another order than the full run"

# The seeded runs side by side, and the full run's report in Chromium meanwhile.
bg_run "$BCSIM" run --seed 5 --out "$OUT/s1" "$F" > /dev/null 2>&1
p_s1=$!
bg_run "$BCSIM" run --seed 5 --out "$OUT/s2" "$F" > /dev/null 2>&1
p_s2=$!
bg_run "$BCSIM" run --seed 6 --out "$OUT/s3" "$F" > /dev/null 2>&1
p_s3=$!

# junit.xml validates against the JUnit XSD, and headless Chromium renders
# report.html (offline) with the matrix, the judged counts and one sequence
# diagram per scenario.
xmllint --noout --schema "$SRC/tests/schemas/junit.xsd" "$ALL/junit.xml" 2> "$OUT/xsd.txt" ||
  fail "junit.xml does not validate against the JUnit XSD: $(head -5 "$OUT/xsd.txt")"
H="$ALL/report.html"
grep -Eq '(src|href)="https?:' "$H" && fail "report.html fetches or links something on the network"
CHROME="chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
  --disable-sync --no-first-run --disable-dev-shm-usage --user-data-dir=$OUT/chromium"
$CHROME --window-size=1400,2400 --screenshot="$OUT/report.png" "file://$H" > "$OUT/chromium.txt" 2>&1
[ -s "$OUT/report.png" ] || fail "headless Chromium took no screenshot of report.html: $(tail -3 "$OUT/chromium.txt")"
[ "$(head -c 8 "$OUT/report.png" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] || fail "the screenshot is not a PNG"
$CHROME --dump-dom "file://$H" > "$OUT/dom.html" 2> /dev/null
grep -q '<table class="matrix">' "$OUT/dom.html" || fail "the rendered page has no requirement matrix"
grep -q '<table class="judged">' "$OUT/dom.html" || fail "the rendered page does not show how many checks judged each requirement"
svgs=$(grep -o '<svg ' "$OUT/dom.html" | wc -l)
[ "$svgs" = "$total" ] || fail "the rendered page has $svgs sequence diagrams for $total scenarios"
grep -q 'ClientHello SNI=c2.bc.example.com' "$OUT/dom.html" || fail "no diagram shows a ClientHello with SNI c2.bc.example.com"
grep -q 'fault on: net.blackhole' "$OUT/dom.html" || fail "no diagram shows a fault switching on"

schedule() { grep -Eo '"type":"fault.o(n|ff)".*"at_ms":[0-9]+' "$1/cloud-flapping/events.jsonl" | grep -Eo '(on|off)".*"at_ms":[0-9]+' |
  sed -E 's/".*"at_ms"//'; }
bg_wait $p_s1
bg_wait $p_s2
bg_wait $p_s3
a=$(schedule "$OUT/s1") b=$(schedule "$OUT/s2") c=$(schedule "$OUT/s3")
[ -n "$a" ] || fail "no fault schedule in events.jsonl"
[ "$a" = "$b" ] || fail "the same seed gave different fault schedules"
[ "$a" != "$c" ] || fail "another seed gave the same fault schedule: the seed does nothing"
grep -q '"seed":[[:space:]]*5' "$OUT/s1/report.json" || fail "the seed is not recorded in the report"
echo "1 passed, 0 failed"
