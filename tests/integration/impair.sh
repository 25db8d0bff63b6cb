#!/bin/sh
# Must-show 3 of issue 14: delay, jitter, loss, reordering, duplication, a rate limit and an MTU
# black hole each show on the wire. One run of tests/fixtures/impair/ (an unimpaired scenario and
# one per impairment, the same traffic in each: the reference client and its probe's TLS
# handshakes with se1), then impair_wire.py compares each capture with the unimpaired one, in
# relative terms only. The impairments act in the lab's router, so the services never see them.
# Usage: impair.sh BCSIM SRC
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$BCSIM" run --client "$SRC/tests/fixtures/impair/client/probe-client.json" --out "$OUT" \
  "$SRC"/tests/fixtures/impair/*.json > "$OUT/run.txt" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$OUT/run.txt"; fail "bcsim run: exit $rc, expected 0 (no impairment is an outage)"; }
python3 "$SRC/tests/integration/impair_wire.py" "$OUT" || fail "an impairment does not show on the wire"
# The services never saw a delay or a loss of their own: nothing of the engine is in them.
if grep -h '"action":"lost"' "$OUT"/*/events.jsonl > /dev/null 2>&1; then fail "a service lost a request"; fi
left=$(pgrep -f "$OUT" || true)
[ -z "$left" ] || fail "processes left running: $left"
echo "1 passed, 0 failed"
