#!/bin/sh
# Graded verdicts: a vendor profile's expected failure turns a run into exit 0
# with xfail; an expected failure that passes is xpass and the run says so; an
# entry that matches nothing is a warning; a client that does not speak the
# session level gets "unsupported", never "pass", for those checks.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
S="$SRC/scenarios/dns/dns-short-ttl.json"

"$BCSIM" run --client "$SRC/fixtures/clients/defect-ignore-ttl.json" --out "$T/plain" "$S" > /dev/null 2>&1
[ $? = 1 ] || fail "defect-ignore-ttl without a vendor profile should fail"
cat > "$T/xfail.json" <<'J'
{"name": "t", "expected_failures": [{"match": "BC-DNS-05", "reason": "known: caches PCC addresses"}],
 "disabled": [{"match": "no-such-scenario-*", "reason": "matches nothing on purpose"}]}
J
"$BCSIM" run --client "$SRC/fixtures/clients/defect-ignore-ttl.json" --vendor-profile "$T/xfail.json" --out "$T/x" "$S" \
  > "$T/out" 2> "$T/err"
rc=$?
[ $rc = 0 ] || fail "an expected failure should give exit 0, got $rc: $(cat "$T/out")"
check_field "$T/x/report.json" re-resolves verdict xfail
grep -q "warning: disabled entry \"no-such-scenario-\*\" matched nothing" "$T/err" || fail "no warning for an unused entry: $(cat "$T/err")"

cat > "$T/xpass.json" <<'J'
{"name": "t", "expected_failures": [{"match": "dns-short-ttl/re-resolves", "reason": "we thought it was broken"}]}
J
"$BCSIM" run --vendor-profile "$T/xpass.json" --out "$T/p" "$S" > "$T/out" 2>&1
[ $? = 0 ] || fail "an xpass run should not fail"
check_field "$T/p/report.json" re-resolves verdict xpass
grep -q "unexpected passes (xpass)" "$T/out" || fail "the run does not say that an expected failure passed"

sed 's/"name": "reference",/"name": "network-only", "levels": ["network"],/' "$SRC/fixtures/clients/reference.json" > "$T/net.json"
"$BCSIM" run --client "$T/net.json" --out "$T/n" "$SRC/scenarios/cloud-down.json" > /dev/null 2>&1
[ $? = 0 ] || fail "a network-only client that does everything right should pass"
check_field "$T/n/report.json" pse-tunnel verdict unsupported
check_field "$T/n/report.json" any2bcp-query verdict pass

printf '{"name": "t", "expected_failures": [{"match": "BC-DNS-05"}]}' > "$T/bad.json"
"$BCSIM" run --vendor-profile "$T/bad.json" --out "$T/b" "$S" > /dev/null 2> "$T/err"
[ $? = 2 ] || fail "a vendor profile entry without a reason must be refused"
grep -q "bad.json:1:.*reason" "$T/err" || fail "no file:line:col for the missing reason: $(cat "$T/err")"
echo "1 passed, 0 failed"
