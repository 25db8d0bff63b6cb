#!/bin/sh
# verdicts.sh BCSIM SRC OUT: every verdict of the whole suite, for the
# reference client (at its own levels and at the network level alone) and
# for every defect profile, one file per client in OUT (bcsim report
# verdicts: scenario, check, requirement, verdict). A refactoring that must
# not change behaviour is checked by diffing OUT before and after it:
#   sh tests/tools/verdicts.sh build/bcsim . /tmp/before   (on the old commit)
#   sh tests/tools/verdicts.sh build/bcsim . /tmp/after
#   diff -r /tmp/before /tmp/after
# A defect's whole-suite run, not its selftest run: selftest stops a defect at
# its first catching scenario, so which scenarios it ran depends on timing.
set -u
BCSIM=$1 SRC=$2 OUT=$3
mkdir -p "$OUT/runs"
one() { # NAME PROFILE [ARGS...]
  name=$1 profile=$2
  shift 2
  "$BCSIM" run -q "$@" --client "$profile" --out "$OUT/runs/$name" "$SRC/scenarios/" > "$OUT/runs/$name.txt" 2>&1
  rc=$?
  # Any verdict is one (a defect may well make a scenario err); no report is not.
  if [ ! -f "$OUT/runs/$name/report.json" ]; then
    echo "verdicts.sh: $name: bcsim run exited $rc and wrote no report: see $OUT/runs/$name.txt" >&2
    return 1
  fi
  "$BCSIM" report verdicts "$OUT/runs/$name" > "$OUT/$name.txt"
}
bad=0
one reference "$SRC/fixtures/clients/reference.json" || bad=1
one reference-network "$SRC/fixtures/clients/reference.json" --levels network || bad=1
for p in "$SRC"/fixtures/clients/defect-*.json; do
  one "$(basename "$p" .json)" "$p" || bad=1
done
echo "verdicts.sh: $(ls "$OUT"/*.txt | wc -l) clients' verdicts in $OUT"
exit $bad
