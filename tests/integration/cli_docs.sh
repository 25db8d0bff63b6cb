#!/bin/sh
# Every subcommand has --help (exit 0, its own usage line) and a section in
# the man page, and the man page formats without warnings.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
MAN="$SRC/docs/bcsim.1"
cmds=$("$BCSIM" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p')
[ "$(echo "$cmds" | wc -l)" -ge 12 ] || fail "bcsim --help lists only: $cmds"
for c in $cmds; do
  "$BCSIM" "$c" --help > "$T/h.txt" 2>&1 || fail "bcsim $c --help exits $?"
  grep -q "^usage: bcsim " "$T/h.txt" || fail "bcsim $c --help prints no usage line"
  grep -Eq "^\.SS (.*[ ,])?$c([ ,].*)?$" "$MAN" || fail "the man page has no section for $c"
done
"$BCSIM" run --no-such-option scenarios/ > /dev/null 2>&1
[ $? = 2 ] || fail "an unknown option should be exit 2"
if command -v groff > /dev/null; then
  groff -man -ww -z "$MAN" 2> "$T/groff.txt"
  [ ! -s "$T/groff.txt" ] || fail "the man page has formatting warnings: $(cat "$T/groff.txt")"
fi
echo "1 passed, 0 failed"
