#!/bin/sh
# The client under test cannot write outside its state dir: not the run's
# evidence, not the host (not even /etc when bcsim runs as root), and it
# sees no host daemon's socket in /run. Its state dir and TMPDIR work. Its
# SIGTERM and SIGINT to the lab's PID 1 (same uid) do not stop the lab.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'bg_stop; rm -f /etc/bcsim-confine-pwned; rm -rf "$T"' EXIT
# The profiles have a folder of their own: a profile's folder is its artefacts
# (every file is hashed before the run), and the other run's out dir, written
# while it lists them, is not.
P="$T/profiles"
mkdir -p "$P"
cat > "$P/hostile.json" << JSON
{
  "name": "hostile",
  "description": "tries to write everywhere it should not",
  "command": ["/bin/sh", "-c",
    "echo x > '$T/host-pwned'; echo x > '\${state_dir}/../run-pwned'; echo x > /etc/bcsim-confine-pwned; echo x > /tmp/bcsim-confine-pwned; echo ok > '\${state_dir}/state-ok'; test x\$TMPDIR != x && echo ok > \$TMPDIR/tmp-ok; ls -A /run > '\${state_dir}/run-listing'; kill -TERM 1; kill -INT 1; sleep 60"]
}
JSON
"$BCSIM" validate "$P/hostile.json" > /dev/null || fail "the hostile profile does not validate"

# Descriptors: the client inherits none but 0, 1 and 2. It lists what it
# holds and writes "FORGED" through every other descriptor it can: the
# capture, its packet socket and the services' log must be out of its reach.
cat > "$P/fds.json" << 'JSON'
{
  "name": "descriptor-thief",
  "description": "lists its open descriptors and writes through each one it did not open itself",
  "command": ["/usr/bin/python3", "-c",
    "import os, sys\nopen_fds = []\nfor name in os.listdir('/proc/self/fd'):\n    fd = int(name)\n    try:\n        os.fstat(fd)\n    except OSError:\n        continue\n    open_fds.append(fd)\n    if fd > 2:\n        try:\n            os.write(fd, b'FORGED')\n        except OSError:\n            pass\nwith open(sys.argv[1] + '/fds', 'w') as f:\n    f.write(' '.join(str(fd) for fd in sorted(open_fds)) + '\\n')\n",
    "${state_dir}"]
}
JSON
# The two clients' runs go side by side: their labs mostly wait.
bg_run "$BCSIM" run -q --client "$P/fds.json" --out "$T/f" "$SRC/scenarios/cloud-down/cloud-blip-no-bc.json" > "$T/fds-run.txt" 2>&1
p_fds=$!
"$BCSIM" run -q --client "$P/hostile.json" --out "$T/o" "$SRC/scenarios/cloud-down/cloud-blip-no-bc.json" > "$T/run.txt" 2>&1
rc=$?
[ $rc = 1 ] || fail "a client that does nothing useful: exit $rc, expected 1: $(cat "$T/run.txt")"
R="$T/o/cloud-blip-no-bc"
grep -q '"interrupted":[[:space:]]*false' "$T/o/report.json" || fail "the client's signals to PID 1 stopped the lab"
grep -q '"verdict":[[:space:]]*"fail"' "$R/result.json" || fail "the scenario is not judged a failure: $(grep -m1 '"error"' "$R/result.json")"
[ -s "$R/state/state-ok" ] || fail "the client could not write its state dir"
[ -s "$R/state/tmp-ok" ] || fail "the client's TMPDIR is not writable"
[ ! -e "$T/host-pwned" ] || fail "the client wrote a file on the host, outside the run"
[ ! -e "$R/run-pwned" ] || fail "the client wrote into the run's own folder (its evidence)"
[ ! -e /etc/bcsim-confine-pwned ] || fail "the client wrote into the host's /etc"
[ ! -e /tmp/bcsim-confine-pwned ] || fail "the client wrote into the host's /tmp"
[ -e "$R/state/run-listing" ] || fail "the client's listing of /run is missing"
[ ! -s "$R/state/run-listing" ] || fail "the client sees the host's /run: $(cat "$R/state/run-listing")"

bg_wait $p_fds
F="$T/f/cloud-blip-no-bc"
[ -s "$F/state/fds" ] || fail "the descriptor thief did not run: $(cat "$T/fds-run.txt") $(cat "$F/client.log" 2>/dev/null)"
[ "$(cat "$F/state/fds")" = "0 1 2" ] || fail "the client inherited descriptors beyond 0, 1 and 2: $(cat "$F/state/fds")"
for f in services.log capture.pcap events.jsonl result.json; do
  ! grep -q FORGED "$F/$f" 2> /dev/null || fail "the client wrote into $f through an inherited descriptor"
done
echo "1 passed, 0 failed"
