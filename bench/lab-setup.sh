#!/bin/sh
# Benchmarks (not tests): timings vary with the machine, so nothing here
# asserts; see docs/benchmarks.md for recorded figures.
set -eu
BUILD=${1:-build}
"$BUILD/bcsim" bench-lab 100
echo "as an unprivileged user (nobody):"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  setpriv --reuid=65534 --regid=65534 --clear-groups "$BUILD/bcsim" bench-lab 100
fi
