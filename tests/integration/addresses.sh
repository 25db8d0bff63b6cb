#!/bin/sh
# The lab's addresses have one home, the world's tables (sim/world/map.c):
# no other file of the source tree names one. The lab uses the documentation
# ranges (RFC 5737's three IPv4 ranges and RFC 3849's IPv6 prefix), so any
# address of those ranges anywhere else is a copy that would go stale when a
# party moves or is added. Scripts ask `bcsim list --world`; unit tests use
# the benchmarking ranges (RFC 2544 and RFC 5180). The pcap fixtures of
# tests/fixtures/pcap/ are the exception: each is a recording of a past run
# with that run's own parties.json beside it, so it stays whole when the
# table changes, as a kept run dir does. The test then plants an address in a
# copy of a file and shows it is caught.
# Usage: addresses.sh SRC
set -u
SRC=$1
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# Written so that this file does not match itself.
PATTERN='(192[.]0[.]2|198[.]51[.]100|203[.]0[.]113)[.][0-9]|2001:[d]b8:'
HOME_FILE=sim/world/map.c

files() { # ROOT: the tree's text files, as paths relative to ROOT
  if [ -d "$1/.git" ] || [ -f "$1/.git" ]; then git -C "$1" ls-files
  else (cd "$1" && find . -type f ! -path './build*' ! -path './.git/*' | sed 's|^\./||'); fi
}
named() { # ROOT: every file other than the tables' that names a lab address, with the line (one grep for all)
  (cd "$1" && files . | grep -v -e "^$HOME_FILE\$" -e '^tests/fixtures/pcap/' | tr '\n' '\0' |
    xargs -0 grep -InE "$PATTERN" /dev/null 2> /dev/null)
}

named "$SRC" > "$T/found.txt"
[ -s "$T/found.txt" ] && fail "lab addresses outside $HOME_FILE (use bcsim list --world):
$(head -20 "$T/found.txt")"
grep -qE "$PATTERN" "$SRC/$HOME_FILE" || fail "$HOME_FILE names no lab address: the pattern is wrong"
echo "no file but $HOME_FILE names a lab address"

# A planted copy is caught.
mkdir -p "$T/tree/sim/svc"
{ cat "$SRC/sim/svc/services.c"; printf '/* pcc1 is %d.%d.%d.%d */\n' 198 51 100 11; } > "$T/tree/sim/svc/services.c"
named "$T/tree" > "$T/planted.txt"
grep -q "^sim/svc/services.c:" "$T/planted.txt" || fail "an address planted in sim/svc/services.c was not caught"
echo "caught: $(cat "$T/planted.txt")"
echo "1 passed, 0 failed"
