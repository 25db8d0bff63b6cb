#!/bin/sh
# Bad input is exit 2 with file:line:col; a client that cannot start is an
# environment error (exit 3, verdict error), never a conformance failure.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

sed 's/"action": "net.blackhole"/"action": "dns.servfial"/' "$SRC/scenarios/cloud-down.json" > "$T/typo.json"
"$BCSIM" run --out "$T/o1" "$T/typo.json" 2> "$T/err"
rc=$?
[ $rc = 2 ] || fail "typo in an action: exit $rc, expected 2"
grep -Eq "typo.json:[0-9]+:[0-9]+: error: unknown action \"dns.servfial\"" "$T/err" || fail "no file:line:col message: $(cat "$T/err")"
grep -q "hint:" "$T/err" || fail "no hint"
[ ! -e "$T/o1/report.json" ] || fail "a report was written for bad input"

printf '{"id": "x", "duration": "5s", "checks": [}' > "$T/broken.json"
"$BCSIM" validate "$T/broken.json" 2> "$T/err"
[ $? = 2 ] || fail "invalid JSON: expected exit 2"
grep -q "broken.json:1:" "$T/err" || fail "no position for invalid JSON"

"$BCSIM" run --client "$T/nonexistent.json" "$SRC/scenarios/cloud-down.json" 2> /dev/null
[ $? = 2 ] || fail "missing profile: expected exit 2"
"$BCSIM" run 2> /dev/null
[ $? = 2 ] || fail "no scenario: expected exit 2"
"$BCSIM" frobnicate 2> /dev/null
[ $? = 2 ] || fail "unknown command: expected exit 2"
"$BCSIM" validate "$SRC/scenarios/" > /dev/null || fail "the shipped scenarios do not validate"
"$BCSIM" validate "$SRC/fixtures/" > "$T/val.txt" || fail "the shipped client and vendor profiles do not validate"
grep -q "client profile reference" "$T/val.txt" && grep -q "vendor profile example-vendor" "$T/val.txt" ||
  fail "validate does not tell client and vendor profiles apart: $(cat "$T/val.txt")"
printf '{"name": "x",\n "command": ["a"],\n "timers": {"keepalive": "5 parsecs"}}\n' > "$T/badprof.json"
"$BCSIM" validate "$T/badprof.json" 2> "$T/err"
[ $? = 2 ] || fail "a bad client profile: expected exit 2"
grep -q "badprof.json:3:[0-9]*: error: bad duration" "$T/err" || fail "no file:line:col for a bad profile: $(cat "$T/err")"
printf '{"name": "v", "expected_failures": [{"match": "BC-*"}]}' > "$T/badvendor.json"
"$BCSIM" validate "$T/badvendor.json" 2> "$T/err"
[ $? = 2 ] || fail "a vendor profile without a reason: expected exit 2"
grep -q "badvendor.json:1:[0-9]*: error" "$T/err" || fail "no file:line:col for a bad vendor profile: $(cat "$T/err")"

sed 's|"${bindir}/bcsim-client", "run"|"/nonexistent/client", "run"|' "$SRC/fixtures/clients/reference.json" > "$T/noclient.json"
"$BCSIM" run --client "$T/noclient.json" --out "$T/o2" "$SRC/scenarios/cloud-down.json" > "$T/out" 2>&1
rc=$?
[ $rc = 3 ] || fail "missing client binary: exit $rc, expected 3"
grep -q '"verdict":[[:space:]]*"error"' "$T/o2/report.json" || fail "missing client binary is not reported as error"
grep -q '"verdict":[[:space:]]*"fail"' "$T/o2/report.json" && fail "missing client binary was reported as a failure"
grep -q "/nonexistent/client failed: No such file or directory" "$T/out" || fail "message does not say what to fix: $(cat "$T/out")"
# The spec and the scenarios must agree: an unchecked requirement, or a check
# of a requirement the spec lacks, is an error.
cp "$SRC/docs/SPEC.md" "$T/spec.md"
printf '\n### BC-XYZ-99 (MUST)\n\nNothing checks this.\n\n- Checked by: \n' >> "$T/spec.md"
"$BCSIM" list --requirements "$T/spec.md" "$SRC/scenarios" > /dev/null 2> "$T/err"
[ $? = 2 ] || fail "an unchecked requirement was not an error"
grep -q "BC-XYZ-99 has no check" "$T/err" || fail "no message for the unchecked requirement: $(cat "$T/err")"
grep -v '^### BC-DNS-04' "$SRC/docs/SPEC.md" > "$T/spec2.md"
"$BCSIM" list --requirements "$T/spec2.md" "$SRC/scenarios" > /dev/null 2> "$T/err"
[ $? = 2 ] || fail "a check of an unknown requirement was not an error"
grep -q "names requirement BC-DNS-04, which" "$T/err" || fail "no message for the unknown requirement"
echo "1 passed, 0 failed"
