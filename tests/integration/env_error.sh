#!/bin/sh
# A broken environment is an error (exit 3), never a client failure: here the
# kernel refuses namespaces because the test sets a zero namespace limit
# inside a user namespace of its own (the host's limit is untouched).
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
command -v unshare >/dev/null || fail "unshare (util-linux) is needed"
unshare -U -r --fork sh -c "echo 0 > /proc/sys/user/max_user_namespaces && exec '$BCSIM' run --jobs 1 --out '$T/o' '$SRC/scenarios/cloud-down.json'" \
  > "$T/out" 2>&1
rc=$?
[ $rc = 3 ] || fail "namespaces refused: exit $rc, expected 3: $(cat "$T/out")"
grep -q '"verdict":[[:space:]]*"fail"' "$T/o/report.json" && fail "an environment error was reported as a failure"
grep -q '"verdict":[[:space:]]*"error"' "$T/o/report.json" || fail "no error verdict in the report"
grep -q "max_user_namespaces" "$T/out" || fail "the message does not say what to fix"
echo "1 passed, 0 failed"
