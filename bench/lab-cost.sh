#!/bin/sh
# Benchmark (not a test): what one running lab costs the machine, measured
# while the whole suite runs at the default --jobs. Samples, every 200 ms,
# the labs running, the memory the machine has available, the resident memory
# of the lab processes and their clients, the network namespaces, the
# processes and bcsim run's own open descriptors; prints the peaks and the
# cost per lab at the busiest moment. harness/labs.h's LAB_COST_* constants,
# which bound the default --jobs, come from these figures with room to spare
# (docs/benchmarks.md, "What a lab costs").
set -eu
BUILD=${1:-build}
SCEN=${2:-scenarios/}
T=$(mktemp -d)
trap 'kill $run 2>/dev/null; rm -rf "$T"' EXIT
avail() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
# A lab holds its hosts' namespaces as descriptors, not as processes: count both.
netns() {
  { find /proc/[0-9]*/ns/net -maxdepth 0 -printf '%l\n'; find /proc/[0-9]*/fd -lname 'net:*' -printf '%l\n'; } 2>/dev/null |
    sort -u | wc -l
}
base_mem=$(avail) base_ns=$(netns) base_tasks=$(ls -d /proc/[0-9]* | wc -l)
"$BUILD/bcsim" run -q --out "$T/out" "$SCEN" > "$T/run.txt" 2>&1 &
run=$!
echo "labs mem_used_kb lab_rss_kb netns tasks run_fds" > "$T/samples"
while kill -0 $run 2>/dev/null; do
  labs=$(pgrep -fc -- ' __lab ' || true)
  rss=$(for p in $(pgrep -f -- ' __lab |bcsim-client' || true); do
          awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null; done | awk '{s += $1} END {print s + 0}')
  fds=$(ls "/proc/$run/fd" 2>/dev/null | wc -l || true)
  tasks=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)
  echo "$labs $((base_mem - $(avail))) $rss $(($(netns) - base_ns)) $((tasks - base_tasks)) $fds" >> "$T/samples"
  sleep 0.2
done
wait $run || true
tail -1 "$T/run.txt"
# The busiest sample: the most labs at once; per lab, what it added.
awk 'NR > 1 && $1 > best { best = $1; row = $0 } END {
  split(row, f, " ");
  printf "busiest moment: %d labs running\n", f[1];
  printf "  memory the machine lost: %d MiB, %.1f MiB a lab\n", f[2] / 1024, f[2] / 1024 / f[1];
  printf "  resident memory of labs and clients: %d MiB, %.1f MiB a lab\n", f[3] / 1024, f[3] / 1024 / f[1];
  printf "  network namespaces: %d, %.1f a lab\n", f[4], f[4] / f[1];
  printf "  processes: %d, %.1f a lab\n", f[5], f[5] / f[1];
  printf "  bcsim run descriptors: %d\n", f[6];
}' "$T/samples"
