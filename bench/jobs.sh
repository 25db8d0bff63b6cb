#!/bin/sh
# Benchmark (not a test): the whole suite with --jobs 1, then --jobs N
# (default 2), each on a fresh out dir; prints wall times and the speed-up.
# Exit 1 only if parallel labs were not faster, which would mean they
# serialise somewhere. Recorded figures are in docs/benchmarks.md.
set -u
BUILD=${1:-build}
JOBS=${2:-2}
SCEN=${3:-scenarios/}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
now() { date +%s.%N; }
run() { # JOBS
  t0=$(now)
  "$BUILD/bcsim" run -q --jobs "$1" --out "$T/j$1" "$SCEN" > "$T/j$1.txt" 2>&1
  rc=$?
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }' 
  return $rc
}
n=$("$BUILD/bcsim" list "$SCEN" 2> /dev/null | sed '/^timeline actions:/,$d' | grep -c '^  [a-z0-9]' || true)
echo "suite: $SCEN ($n scenarios), $(nproc) cores"
one=$(run 1) || echo "  (--jobs 1: some scenarios did not pass: $(tail -1 "$T/j1.txt"))"
echo "  --jobs 1: ${one} s"
par=$(run "$JOBS") || echo "  (--jobs $JOBS: some scenarios did not pass: $(tail -1 "$T/j$JOBS.txt"))"
echo "  --jobs $JOBS: ${par} s"
awk -v a="$one" -v b="$par" 'BEGIN { printf "  speed-up: %.2fx\n", a / b }'
awk -v a="$one" -v b="$par" 'BEGIN { exit !(b < a) }' || { echo "  --jobs $JOBS was not faster than --jobs 1"; exit 1; }
