#!/bin/sh
# Graded verdicts: a vendor profile's expected failure turns a run into exit 0
# with xfail; an expected failure that passes is xpass and the run says so; an
# entry that matches nothing is a warning; a client that does not speak the
# session level gets "unsupported", never "pass", for those checks.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'bg_stop; rm -rf "$T"' EXIT
S="$SRC/scenarios/dns/dns-short-ttl.json"

cat > "$T/xfail.json" <<'J'
{"name": "t", "expected_failures": [{"match": "BC-DNS-05", "reason": "known: caches PCC addresses"}],
 "disabled": [{"match": "no-such-scenario-*", "reason": "matches nothing on purpose"}]}
J
cat > "$T/xpass.json" <<'J'
{"name": "t", "expected_failures": [{"match": "dns-short-ttl/re-resolves", "reason": "we thought it was broken"}]}
J
sed 's/"name": "reference",/"name": "network-only", "levels": ["network"],/' "$SRC/fixtures/clients/reference.json" > "$T/net.json"
printf '{"name": "t", "expected_failures": [{"match": "BC-DNS-05"}]}' > "$T/bad.json"

# The runs are independent and their labs mostly wait: they go side by side.
bg_run "$BCSIM" run --client "$SRC/fixtures/clients/defect-ignore-ttl.json" --out "$T/plain" "$S" > /dev/null 2>&1
p_plain=$!
bg_run "$BCSIM" run --client "$SRC/fixtures/clients/defect-ignore-ttl.json" --vendor-profile "$T/xfail.json" --out "$T/x" "$S" \
  > "$T/x.out" 2> "$T/x.err"
p_x=$!
bg_run "$BCSIM" run --vendor-profile "$T/xpass.json" --out "$T/p" "$S" > "$T/p.out" 2>&1
p_p=$!
bg_run "$BCSIM" run --client "$T/net.json" --out "$T/n" "$SRC/scenarios/cloud-down.json" > /dev/null 2>&1
p_n=$!

bg_wait $p_plain
[ $? = 1 ] || fail "defect-ignore-ttl without a vendor profile should fail"
bg_wait $p_x
rc=$?
[ $rc = 0 ] || fail "an expected failure should give exit 0, got $rc: $(cat "$T/x.out")"
check_field "$T/x/report.json" re-resolves verdict xfail
grep -q "warning: disabled entry \"no-such-scenario-\*\" matched nothing" "$T/x.err" || fail "no warning for an unused entry: $(cat "$T/x.err")"

bg_wait $p_p
[ $? = 0 ] || fail "an xpass run should not fail"
check_field "$T/p/report.json" re-resolves verdict xpass
grep -q "unexpected passes (xpass)" "$T/p.out" || fail "the run does not say that an expected failure passed"

bg_wait $p_n
[ $? = 0 ] || fail "a network-only client that does everything right should pass"
check_field "$T/n/report.json" pse-tunnel verdict unsupported
check_field "$T/n/report.json" any2bcp-query verdict pass

"$BCSIM" run --vendor-profile "$T/bad.json" --out "$T/b" "$S" > /dev/null 2> "$T/err"
[ $? = 2 ] || fail "a vendor profile entry without a reason must be refused"
grep -q "bad.json:1:.*reason" "$T/err" || fail "no file:line:col for the missing reason: $(cat "$T/err")"
echo "1 passed, 0 failed"
