#!/bin/sh
# Comparison 4: the whole suite's wall time at each --jobs, against the ideal:
# the longest single scenario run alone, a floor no scheduler can beat. The
# default is bcsim run without --jobs, whatever that does. Each suite run goes
# to a fresh out dir; the first one's report names the longest scenario.
# Usage: jobs.sh BUILD [SCENARIOS]   (jobs.sh --alone BUILD FILE N: N runs of FILE)
# BENCH_JOBS: the points to take (default "1 2 4 8 16 default"; --jobs 1
# takes about 6 minutes). BENCH_SUITE_RUNS: runs of each point (default 1).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

if [ "${1:-}" = --alone ]; then
  bench_tmpdir
  i=0
  while [ $i -lt "$4" ]; do
    /usr/bin/time -f %e -o "$T/wall" "$2/bcsim" run -q --out "$T/o$i" "$3" > /dev/null 2>&1 || true
    cat "$T/wall"
    i=$((i + 1))
  done
  exit 0
fi

BUILD=${1:-build}
SCEN=${2:-scenarios/}
POINTS=${BENCH_JOBS:-1 2 4 8 16 default}
SUITE_RUNS=${BENCH_SUITE_RUNS:-1}
echo "== 4. The suite's wall time at each --jobs vs the longest scenario alone (the floor)"
[ -x /usr/bin/time ] || { echo "  skipped: /usr/bin/time is not installed (make bench installs it)"; exit 0; }
bench_tmpdir
n=$("$BUILD/bcsim" list "$SCEN" 2> /dev/null | sed '/^timeline actions:/,$d' | grep -c '^  [a-z0-9]' || true)
echo "  $n scenarios, $(nproc) cores; $SUITE_RUNS run(s) of each point (median)"
first=""
for j in $POINTS; do
  opt="--jobs $j"
  [ "$j" != default ] || opt=""
  r=0
  while [ $r -lt "$SUITE_RUNS" ]; do
    out="$T/j$j-$r"
    # shellcheck disable=SC2086 # opt is empty or two words
    lab /usr/bin/time -f %e -o "$T/wall" "$BUILD/bcsim" run -q $opt --out "$out" "$SCEN" > "$out.txt" 2>&1 || true
    cat "$T/wall" >> "$T/j$j.walls"
    [ -n "$first" ] || first=$out
    r=$((r + 1))
  done
  wall=$(median < "$T/j$j.walls")
  echo "$j $wall $(jq -r '.summary | "\(.passed)/\(.scenarios) passed"' "$out/report.json" 2> /dev/null || echo "no report")" >> "$T/points"
done
# The floor: the longest scenario of the first run, alone, BENCH_RUNS times.
longest=$(jq -r '.scenarios | max_by(.duration_s) | .file' "$first/report.json")
longest=${longest#"$PWD/"}
lab sh "$HERE/jobs.sh" --alone "$BUILD" "$longest" "$BENCH_RUNS" > "$T/floor"
floor=$(median < "$T/floor")
one=$(awk '$1 == 1 { print $2 }' "$T/points")
printf "  %-10s %10s %12s %12s   %s\n" --jobs "wall (s)" "wall/floor" "speed-up" "scenarios"
while read -r j wall verdict; do
  printf "  %-10s %10.1f %12s %12s   %s\n" "$j" "$wall" "$(ratio "$wall" "$floor")" "$(ratio "$one" "$wall")" "$verdict"
done < "$T/points"
printf "  %-10s %10.1f   (%s alone, median of %s runs)\n" floor "$floor" "$longest" "$BENCH_RUNS"
echo "  (speed-up: the --jobs 1 wall time / this one's)"
