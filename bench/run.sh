#!/bin/sh
# make bench: bcsim side by side with the tool a user would use instead, five
# comparisons, each printed with its ratio (docs/benchmarks.md records them).
# Timings are printed, never judged: the exit status is 1 only when a script
# itself broke. Every lab stays inside namespaces of its own.
# Usage: run.sh BUILD
# Environment (all optional):
#   BENCH_ONLY        which comparisons, of: lab dns decode jobs failover (default: all)
#   BENCH_RUNS        runs of each side of a comparison, medians reported (default 5)
#   BENCH_JOBS        the --jobs points of the suite (default "1 2 4 8 16 default")
#   BENCH_SUITE_RUNS  runs of each of those points (default 1: --jobs 1 takes minutes)
#   BENCH_LAB_RUNS    lab builds of each side (default 50)
#   BENCH_DNS_SECONDS the length of each dnsperf run (default 5)
#   BENCH_DECODE_PACKETS  the size of the decoded capture (default 100000)
#   BENCH_LOCK        a command prefix for each step that starts labs ("flock FILE")
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-build}" && pwd)
SRC=$(cd "$HERE/.." && pwd)
echo "bcsim benchmarks, $(date -u +%Y-%m-%d), kernel $(uname -r), $(nproc) cores; $("$BUILD/bcsim" --version | head -1)"
broken=""
for b in ${BENCH_ONLY:-lab dns decode jobs failover}; do
  case $b in
  lab) bash "$HERE/lab-updown.sh" "$BUILD" ;;
  dns) sh "$HERE/dns.sh" "$BUILD" ;;
  decode) sh "$HERE/decode.sh" "$BUILD" "$SRC" ;;
  jobs) (cd "$SRC" && sh "$HERE/jobs.sh" "$BUILD" scenarios/) ;;
  failover) sh "$HERE/failover.sh" "$BUILD" "$SRC" ;;
  *) echo "unknown comparison \"$b\" in BENCH_ONLY (lab dns decode jobs failover)" >&2; false ;;
  esac || broken="$broken $b"
done
[ -z "$broken" ] || { echo "bench: these scripts broke:$broken" >&2; exit 1; }
