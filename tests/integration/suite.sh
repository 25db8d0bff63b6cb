#!/bin/sh
# The whole suite: bcsim selftest (the reference client passes everything,
# every defect is caught), every fault of the catalogue is applied somewhere,
# the new-user story is on the wire and in the services log, and a seed
# replays the same fault schedule.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# selftest: the reference client passes every scenario, and every defect
# profile is caught by a check of the requirement it violates.
"$BCSIM" selftest --out "$OUT/st" > "$OUT/run.txt" 2>&1
rc=$?
cat "$OUT/run.txt"
[ $rc = 0 ] || fail "bcsim selftest: exit $rc, expected 0"
ln -s "$OUT/st/reference" "$OUT/all"
total=$(grep -Eo '"scenarios":[[:space:]]*[0-9]+' "$OUT/all/report.json" | grep -Eo '[0-9]+$')
passed=$(grep -Eo '"passed":[[:space:]]*[0-9]+' "$OUT/all/report.json" | grep -Eo '[0-9]+$')
[ "$total" -ge 30 ] || fail "only $total scenarios; the suite needs at least 30"
[ "$total" = "$passed" ] || fail "$passed of $total scenarios passed"

missing=""
for action in $("$BCSIM" list --actions); do
  [ "$action" = probe.app ] && continue
  grep -lq "\"type\":\"fault.on\".*\"name\":\"$action\"" "$OUT"/all/*/events.jsonl || missing="$missing $action"
done
[ -z "$missing" ] || fail "faults never applied by any scenario:$missing"

P="$OUT/all/portal-down-new-enrollment"
tshark -r "$P/capture.pcap" -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.extensions_server_name 2>/dev/null |
  grep -qx 'c2site.bc.example.com' || fail "tshark finds no ClientHello with SNI c2site.bc.example.com"
login=$(grep -n '"action":"bc-sp-login"' "$P/services.log" | head -1 | cut -d: -f1)
enroll=$(grep -n '"action":"enroll"' "$P/services.log" | head -1 | cut -d: -f1)
[ -n "$login" ] && [ -n "$enroll" ] && [ "$login" -lt "$enroll" ] ||
  fail "the services log does not show the BC SP login before the enrollment"

schedule() { grep -Eo '"type":"fault.o(n|ff)".*"at_ms":[0-9]+' "$1/cloud-flapping/events.jsonl" | grep -Eo '(on|off)".*"at_ms":[0-9]+' |
  sed -E 's/".*"at_ms"//'; }
F="$SRC/scenarios/cloud-down/cloud-flapping.json"
"$BCSIM" run --seed 5 --out "$OUT/s1" "$F" > /dev/null 2>&1
"$BCSIM" run --seed 5 --out "$OUT/s2" "$F" > /dev/null 2>&1
"$BCSIM" run --seed 6 --out "$OUT/s3" "$F" > /dev/null 2>&1
a=$(schedule "$OUT/s1") b=$(schedule "$OUT/s2") c=$(schedule "$OUT/s3")
[ -n "$a" ] || fail "no fault schedule in events.jsonl"
[ "$a" = "$b" ] || fail "the same seed gave different fault schedules"
[ "$a" != "$c" ] || fail "another seed gave the same fault schedule: the seed does nothing"
grep -q '"seed":[[:space:]]*5' "$OUT/s1/report.json" || fail "the seed is not recorded in the report"
echo "1 passed, 0 failed"
