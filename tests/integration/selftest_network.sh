#!/bin/sh
# bcsim selftest --levels network: every client judged as a black box. The
# reference client may be unsupported where only the session protocol shows
# what happened, but never failed; every defect whose behaviour shows on the
# wire is caught by a network-level check of the requirement it violates.
# No scenario of the reference's errs, and no check is left unjudged because of its anchor.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
# Labs at once: bcsim's own default (what the machine holds), as a user runs it, unless BCSIM_TEST_JOBS says.
JOBS_ARG=${BCSIM_TEST_JOBS:+-j $BCSIM_TEST_JOBS}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$BCSIM" selftest --levels network $JOBS_ARG --out "$T/st" > "$T/out.txt" 2>&1
rc=$?
cat "$T/out.txt"
[ $rc = 0 ] || fail "bcsim selftest --levels network: exit $rc, expected 0"
grep -q "^selftest at the network level: reference ok" "$T/out.txt" || fail "the reference failed at the network level"
grep -Eq "^defect-[a-z0-9-]+ +BC-[A-Z]+-[0-9]+ +NO " "$T/out.txt" && fail "a defect that shows on the wire was not caught there"
[ "$(grep -Ec '^defect-[a-z0-9-]+ +BC-[A-Z]+-[0-9]+ +yes ' "$T/out.txt")" -ge 20 ] || fail "too few defects caught on the wire"
# The reference judged as a black box is judged fairly: never failed, nothing left unjudged by an anchor.
judged_fairly "$T/st/reference" "the reference at the network level" $rc
echo "1 passed, 0 failed"
