#!/bin/sh
# Early stopping changes no verdict (issue 12). bcsim selftest twice: as it
# runs by default, in integration.suite (a defect's scenario stops once a
# check of the requirement it violates has failed for good; a scenario whose
# every check is final stops too), and here with --no-early-stop (every
# scenario runs its whole duration). The
# reference must pass every scenario in both, and every defect must be caught
# by the same requirement in both. The default run must really have stopped
# early, or the comparison would prove nothing.
set -u
BCSIM=$1 DIR=$2 SRC=$3
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# "on" is integration.suite's selftest (the fixture); "off" runs here.
[ -f "$DIR/selftest.txt" ] || fail "no $DIR/selftest.txt: integration.suite (the fixture) did not run"
cp "$DIR/selftest.txt" "$T/on.txt"
ln -s "$DIR/st" "$T/on"
"$BCSIM" selftest --no-early-stop ${BCSIM_TEST_JOBS:+-j "$BCSIM_TEST_JOBS"} --out "$T/off" > "$T/off.txt" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$T/off.txt"; fail "bcsim selftest --no-early-stop: exit $rc, expected 0"; }
for mode in on off; do
  grep -q "^selftest: reference ok (\([0-9]*\)/\1 pass)" "$T/$mode.txt" || fail "selftest ($mode): the reference did not pass every scenario"
  # defect, the requirement it violates, caught or not
  grep -E '^defect-[a-z0-9-]+ +BC-' "$T/$mode.txt" | awk '{print $1, $2, $3}' | sort > "$T/$mode.caught"
done
[ -s "$T/on.caught" ] || fail "selftest listed no defect"
diff "$T/off.caught" "$T/on.caught" > "$T/diff" || { cat "$T/diff"; fail "a defect was caught differently with early stopping"; }
grep -q ' NO$' "$T/on.caught" && fail "a defect was not caught"
stopped=$(cat "$T"/on/defect-*/*/result.json | grep -c '"stopped_when_failed"')
[ "$stopped" -gt 0 ] || fail "no defect's scenario stopped early: the comparison proves nothing"
full=$(cat "$T"/off/defect-*/*/result.json | grep -c '"decided_at_s"')
[ "$full" = 0 ] || fail "--no-early-stop: $full scenario(s) stopped early anyway"
echo "$(wc -l < "$T/on.caught") defects caught alike; $stopped defect scenario(s) stopped early"
echo "1 passed, 0 failed"
