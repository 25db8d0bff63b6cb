#!/bin/sh
# --filter, --tag and --shard pick scenarios deterministically: two shards are
# disjoint and together make the whole selection; selecting nothing is exit 2.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'bg_stop; rm -rf "$T"' EXIT
TAB=$(printf '\t')
# Scenario ids sit three tabs deep in report.json; check ids are deeper.
ids() { grep -E "^${TAB}${TAB}${TAB}\"id\":" "$1/report.json" | sed -E 's/.*"id":[[:space:]]*("[^"]+").*/\1/' | sort; }
# The two shards go side by side: their labs mostly wait.
bg_run "$BCSIM" run --filter 'dns-spoof-*' --tag security --shard 1/2 --out "$T/a" "$SRC/scenarios/" > /dev/null 2>&1
p_a=$!
"$BCSIM" run --filter 'dns-spoof-*' --tag security --shard 2/2 --out "$T/b" "$SRC/scenarios/" > /dev/null 2>&1 || fail "shard 2/2 failed"
bg_wait $p_a || fail "shard 1/2 failed"
a=$(ids "$T/a") b=$(ids "$T/b")
[ "$a" = '"dns-spoof-wrong-id"' ] || fail "shard 1/2 ran: $a"
[ "$b" = '"dns-spoof-wrong-question"' ] || fail "shard 2/2 ran: $b"
"$BCSIM" run --tag no-such-tag --out "$T/c" "$SRC/scenarios/" > /dev/null 2>&1
[ $? = 2 ] || fail "selecting nothing should be exit 2"
"$BCSIM" run --shard 3/2 --out "$T/d" "$SRC/scenarios/" > /dev/null 2>&1
[ $? = 2 ] || fail "--shard 3/2 should be refused"
"$BCSIM" list --json | grep -q '"name":[[:space:]]*"dns.spoof"' || fail "list --json lacks the actions"
echo "1 passed, 0 failed"
