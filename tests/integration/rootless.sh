#!/bin/sh
# cloud-down as an ordinary user. Run as root (as CI does), it drops to
# nobody with setpriv, using a world-readable copy of the binaries and inputs,
# since the build tree may sit in a folder only root can enter.
set -u
BCSIM=$1 CLIENT=$2 SRC=$3
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
mkdir "$T/bin" "$T/out"
cp "$BCSIM" "$CLIENT" "$T/bin/"
cp "$SRC/scenarios/cloud-down.json" "$SRC/fixtures/clients/reference.json" "$T/"
chmod -R a+rX "$T"
chmod 777 "$T/out"
if [ "$(id -u)" = 0 ]; then
  command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed to test as an unprivileged user"
  run() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
else
  run() { "$@"; }
fi
run "$T/bin/bcsim" run --client "$T/reference.json" --out "$T/out/o" "$T/cloud-down.json"
rc=$?
[ $rc = 0 ] || fail "unprivileged run: exit $rc, expected 0 (see $T/out/o)"
grep -q '"verdict":[[:space:]]*"pass"' "$T/out/o/report.json" || fail "unprivileged run did not pass"
[ "$(stat -c %u "$T/out/o/report.json")" = "$(run id -u)" ] || fail "report not written by the unprivileged user"
echo "1 passed, 0 failed"
