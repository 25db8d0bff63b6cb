#!/bin/bash
# Comparison 1: the lab up and down. bcsim's netlink path (bcsim bench-lab)
# against bench/lab-iproute2.sh, the same topology built with iproute2
# commands. Each side runs N times in a private user, mount and network
# namespace of its own, so the host sees no namespace, link or mount of it;
# the times are taken inside, without the namespace's own start-up.
# Usage: lab-updown.sh BUILD   (lab-updown.sh --inside N DIR runs in the namespaces)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
RUNS=${BENCH_LAB_RUNS:-50}

us() { echo "${EPOCHREALTIME/./}"; } # microseconds, without starting a process

if [ "${1:-}" = --inside ]; then
  # ip netns keeps its names under /run/netns: a tmpfs of this namespace only.
  mount -t tmpfs -o size=1m,mode=755 bench-run /run
  for ((i = 0; i < $2; i++)); do
    t0=$(us)
    sh "$HERE/lab-iproute2.sh" up "$3"
    t1=$(us)
    sh "$HERE/lab-iproute2.sh" down "$3"
    t2=$(us)
    echo "$(((t1 - t0))) $(((t2 - t1))) $(((t2 - t0)))"
  done
  exit 0
fi

BUILD=${1:-build}
echo "== 1. Lab up and down: bcsim (netlink) vs an iproute2 script (an ip command per host, link, address and route)"
need ip unshare jq || exit 0
bench_tmpdir
# The script's links and routes: the world's tables, as `ip` takes them, made before any timing.
"$BUILD/bcsim" list --world > "$T/world.json"
# The default site's lab, as bcsim builds it for a scenario that names no site.
site=$(jq -r '.sites[] | select(.default) | .client_link' "$T/world.json")
built='select((.client | not) or .ifname == $s)'
jq -r --arg s "$site" ".links[] | $built"' | "\(.a) \(.ifname) \(.a4) \(.a6)", "\(.b) \(.ifname) \(.b4) \(.b6)"' "$T/world.json" > "$T/links.txt"
jq -r --arg s "$site" ".routes[] | select(.link == null or .link == \$s)"' | "\(.host) \(if .dst == "0.0.0.0/0" or .dst == "::/0" then "default" else .dst end) \(.via)"' "$T/world.json" > "$T/routes.txt"
jq -r --arg s "$site" ".links[] | $built"' | "\(.a) \(.ifname) \(.b)"' "$T/world.json" > "$T/veths.txt"
jq -r '.hosts[]' "$T/world.json" > "$T/hosts.txt"
jq -r '.routers[]' "$T/world.json" > "$T/routers.txt"
# In turn, bcsim first; both sides are lab-heavy.
lab "$BUILD/bcsim" bench-lab "$RUNS" > "$T/bcsim.txt"
lab unshare --user --map-root-user --mount --net --pid --fork --kill-child bash "$HERE/lab-updown.sh" --inside "$RUNS" "$T" > "$T/ip.txt"
field() { awk -v w="$1" '$1 == w { print $3 }' "$T/bcsim.txt"; }
col() { awk -v c="$1" '{ print $c / 1000 }' "$T/ip.txt" | median; }
bs=$(field set-up) bt=$(field teardown) ball=$(field total)
is=$(col 1) it=$(col 2) iall=$(col 3)
echo "  $RUNS runs each; medians in ms:"
printf "  %-10s %10s %10s %8s\n" "" bcsim iproute2 ratio
printf "  %-10s %10.2f %10.2f %8s\n" set-up "$bs" "$is" "$(ratio "$is" "$bs")"
printf "  %-10s %10.2f %10.2f %8s\n" teardown "$bt" "$it" "$(ratio "$it" "$bt")"
printf "  %-10s %10.2f %10.2f %8s\n" total "$ball" "$iall" "$(ratio "$iall" "$ball")"
echo "  (ratio: iproute2 / bcsim; bcsim's teardown lets go of the namespaces, ip netns del unmounts and lets go)"
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
  lab setpriv --reuid=65534 --regid=65534 --clear-groups "$BUILD/bcsim" bench-lab "$RUNS" > "$T/nobody.txt"
  echo "  bcsim as an unprivileged user (nobody): set-up median $(awk '$1 == "set-up" { print $3 }' "$T/nobody.txt") ms"
fi
