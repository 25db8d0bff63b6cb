#!/bin/sh
# bcsim selftest SCENARIO: a scenario author's view. The given scenario runs
# against the reference client (which must pass) and against every defect;
# the output says which defects it catches and with which check. A scenario
# that catches none is a warning, not an error. An unknown id is exit 2.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
# Labs at once: bcsim's own default (what the machine holds), as a user runs it, unless BCSIM_TEST_JOBS says.
JOBS_ARG=${BCSIM_TEST_JOBS:+-j $BCSIM_TEST_JOBS}
T=$(mktemp -d)
trap 'bg_stop; rm -rf "$T"' EXIT
n_defects=$(ls "$SRC"/fixtures/clients/defect-*.json | wc -l)

"$BCSIM" selftest nosuch-scenario > "$T/bad.txt" 2>&1
[ $? = 2 ] || fail "an unknown scenario id should be exit 2"
grep -q "no scenario of .* has this id" "$T/bad.txt" || fail "no clear message for an unknown id: $(cat "$T/bad.txt")"

# A scenario no defect can fail (below). Both selftests go side by side: their labs mostly wait.
cat > "$T/idle.json" <<'JSON'
{"id": "idle", "duration": "1s",
 "checks": [{"id": "no-such-sni", "requirement": "BC-TLS-02",
             "forbid": {"event": "tls.client_hello", "match": {"sni": "never.example"}}}]}
JSON
bg_run "$BCSIM" selftest $JOBS_ARG --out "$T/idle" "$T/idle.json" > "$T/idle.txt" 2> "$T/idle.err"
p_idle=$!
"$BCSIM" selftest $JOBS_ARG --out "$T/cd" "$SRC/scenarios/cloud-down.json" > "$T/cd.txt" 2> "$T/cd.err"
rc=$?
cat "$T/cd.txt" "$T/cd.err"
[ $rc = 0 ] || fail "bcsim selftest scenarios/cloud-down.json: exit $rc, expected 0"
grep -Eq "^cloud-down \(.*scenarios/cloud-down.json\): reference pass; catches [1-9][0-9]* of $n_defects defects$" "$T/cd.txt" ||
  fail "no line with the reference's verdict and how many of the $n_defects defects cloud-down catches"
# "min": 2 connects to se1 catches the client that skips the same Service Edge.
grep -Eq "^  caught +defect-skip-same-se +BC-FO-02 +by .*same-service-edge-first" "$T/cd.txt" ||
  fail "cloud-down should catch defect-skip-same-se by same-service-edge-first"
grep -Eq "^  caught +defect-wrong-sni +BC-TLS-02 +by never-c2site$" "$T/cd.txt" ||
  fail "cloud-down should catch defect-wrong-sni by never-c2site"
grep -q "^selftest of 1 scenario(s): reference ok (1/1 pass)$" "$T/cd.txt" || fail "the reference's verdict is not printed as ok"
grep -q "warning" "$T/cd.err" && fail "cloud-down catches defects: no warning expected"

# A scenario no defect can fail: a warning, and still exit 0 (the reference passes it).
bg_wait $p_idle
rc=$?
cat "$T/idle.txt" "$T/idle.err"
[ $rc = 0 ] || fail "a scenario that catches no defect: exit $rc, expected 0 (a warning only)"
grep -q "^idle (.*): reference pass; catches 0 of $n_defects defects$" "$T/idle.txt" || fail "idle should catch no defect"
grep -q "idle.json: warning: catches none of the $n_defects defects" "$T/idle.err" || fail "no warning for a scenario that catches nothing"
echo "1 passed, 0 failed"
