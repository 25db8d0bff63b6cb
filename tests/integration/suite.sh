#!/bin/sh
# The whole suite, as the fixture the other suite.* tests judge: bcsim
# selftest runs every scenario against the reference client (all must pass)
# and every defect profile side by side (each must be caught by a failing
# check of the requirement it violates). Every one of the spec's
# requirements must have a defect that its checks catch.
# Usage: suite.sh BCSIM OUTDIR SRC   (OUTDIR/st is what the other tests read)
set -u
BCSIM=$1 DIR=$2 SRC=$3
. "$SRC/tests/integration/lib.sh"
# Labs at once: bcsim's own default (what the machine holds), as a user runs it, unless BCSIM_TEST_JOBS says.
JOBS_ARG=${BCSIM_TEST_JOBS:+-j $BCSIM_TEST_JOBS}
rm -rf "$DIR/st" && mkdir -p "$DIR"
"$BCSIM" selftest $JOBS_ARG --out "$DIR/st" > "$DIR/selftest.txt" 2>&1
rc=$?
cat "$DIR/selftest.txt"
[ $rc = 0 ] || fail "bcsim selftest: exit $rc, expected 0"
R="$DIR/st/reference"
total=$(jq '.summary.scenarios' "$R/report.json") passed=$(jq '.summary.passed' "$R/report.json")
[ "$total" -ge 30 ] || fail "only $total scenarios; the suite needs at least 30"
[ "$total" = "$passed" ] || fail "$passed of $total scenarios passed"

# Each requirement of docs/SPEC.md has a defect that a check of it caught.
reqs=$(grep -Eo '^### BC-[A-Z]+-[0-9]+' "$SRC/docs/SPEC.md" | cut -c5-)
[ "$(echo "$reqs" | wc -l)" -ge 26 ] || fail "docs/SPEC.md lists fewer than 26 requirements"
for r in $reqs; do
  grep -Eq "^defect-[a-z0-9-]+ +$r +yes " "$DIR/selftest.txt" || fail "no defect violating $r is caught by selftest"
done
echo "1 passed, 0 failed"
