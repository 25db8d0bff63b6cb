# Shared by the bench scripts (sourced). Timings are printed, never judged.

# BENCH_RUNS: how many times each side of a comparison runs (the median is
# reported). BENCH_LOCK: a command prefix for each step that starts labs, such
# as "flock /tmp/labs.lock" on a machine where others run labs too.
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_LOCK=${BENCH_LOCK:-}

# The median of the numbers on stdin, one a line: the middle one, or the mean
# of the two middle ones. Prints nothing for no numbers.
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else if (NR) print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# A / B with two decimals ("-" when either is missing or B is 0).
ratio() {
  awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}

# T: a temp dir, removed on exit, Ctrl-C and kill alike.
bench_tmpdir() {
  T=$(mktemp -d)
  trap 'rm -rf "$T"' EXIT
  trap 'exit 130' INT TERM
}

# Runs a command that starts labs, under BENCH_LOCK if set.
lab() {
  # shellcheck disable=SC2086 # BENCH_LOCK is a command and its words
  $BENCH_LOCK "$@"
}

# Nanoseconds on the wall clock, and the seconds between two such stamps.
now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'; }

# need CMD...: true if every command is there, else says which is not.
need() {
  for c in "$@"; do
    command -v "$c" > /dev/null || { echo "  skipped: $c is not installed (make bench installs it)"; return 1; }
  done
}
