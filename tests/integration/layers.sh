#!/bin/sh
# The libraries follow the architecture's parts (docs/architecture.md,
# "Layers"): tests/tools/layers.py passes on the tree as it is, and fails on
# each kind of forbidden edge planted by hand: an include (world -> judge,
# reports -> world, client -> base) and a link (world -> reports).
# Usage: layers.sh LAYERS_TXT SRC
set -u
LAYERS=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
CHECK="python3 $SRC/tests/tools/layers.py"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
$CHECK "$LAYERS" "$SRC" > "$T/tree.txt" 2>&1 || fail "the tree has forbidden edges: $(cat "$T/tree.txt")"
cat "$T/tree.txt"

planted() { # NAME FILE LINE: FILE with LINE added must be caught as a forbidden edge
  mkdir -p "$T/$1/$(dirname "$2")"
  { cat "$SRC/$2"; echo "$3"; } > "$T/$1/$2"
  $CHECK "$LAYERS" "$SRC" "$T/$1" > "$T/$1.txt" 2>&1 && fail "$1: an include planted in $2 was not caught"
  grep -q "forbidden edge: .*$2 includes" "$T/$1.txt" || fail "$1: the report does not name the edge: $(cat "$T/$1.txt")"
  echo "caught: $(grep 'forbidden edge' "$T/$1.txt")"
}
planted world-judge sim/world/world.c '#include "harness/check.h"'
planted world-judge-header sim/lab/lab.h '#include "harness/scenario.h"'
planted reports-world reports/report_html.c '#include "sim/lab/lab.h"'
planted judge-world harness/check.c '#include "sim/world/world.h"'
planted client-base sim/client/session.c '#include "base/dur.h"'

# A link by hand: the world linking the reports.
sed 's/^\(bcworld\tlinks\t\)/\1bcreports;/' "$LAYERS" > "$T/linked.txt"
$CHECK "$T/linked.txt" "$SRC" > "$T/link.txt" 2>&1 && fail "bcworld linking bcreports was not caught"
grep -q "forbidden edge: bcworld links bcreports" "$T/link.txt" || fail "the link edge is not named: $(cat "$T/link.txt")"
echo "caught: $(grep 'forbidden edge' "$T/link.txt")"
echo "1 passed, 0 failed"
