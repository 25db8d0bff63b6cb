#!/bin/sh
# Every descriptor a lab holds is close-on-exec. kill -9 of bcsim in the
# middle of a scenario: every process of its lab dies
# with it (the client, its children, the lab), no namespace or mount is left
# behind, the files it had written are whole, and the next run into the same
# folder starts clean and passes.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'kill -9 $pid 2> /dev/null; rm -rf "$T"' EXIT
S="$SRC/scenarios/cloud-down/cloud-down-failback.json"
# The run to kill is the same scenario made to last a minute, so that it is
# surely still running while it is looked at, however loaded the machine.
jq '.duration = "60s"' "$S" > "$T/long.json"
"$BCSIM" run -q --out "$T/o" "$T/long.json" > "$T/run1.txt" 2>&1 &
pid=$!
# Wait until the client is up inside its lab (its log has lines), then kill.
for i in $(seq 1 100); do
  [ -s "$T/o/cloud-down-failback/client.log" ] && break
  sleep 0.1
done
[ -s "$T/o/cloud-down-failback/client.log" ] || fail "the scenario never started: $(cat "$T/run1.txt")"
sleep 1
pgrep -f "$T/" > "$T/before.txt" || true
[ "$(wc -l < "$T/before.txt")" -ge 2 ] || fail "the run's processes were not found before the kill"
# Every descriptor the lab holds (its own, libpcap's, libevent's, OpenSSL's) is close-on-exec.
lab=$(pgrep -f "__lab.*$T/" | head -1)
[ -n "$lab" ] || fail "the lab process was not found"
awk '/^flags:/ { n = split(FILENAME, p, "/"); print p[n], $2 }' /proc/$lab/fdinfo/* 2> /dev/null > "$T/fdflags.txt"
[ -s "$T/fdflags.txt" ] || fail "the lab's descriptors could not be read"
while read -r fd flags; do
  [ "$fd" -gt 2 ] || continue
  [ $(( 0$flags & 02000000 )) -ne 0 ] || fail "the lab's descriptor $fd ($(readlink /proc/$lab/fd/$fd)) is not close-on-exec"
done < "$T/fdflags.txt"
# Its namespaces: the check afterwards must see them now (it can fail), then holds them for later.
hold_namespaces "$T/" "$T/ns-probe"
grep -q "^net:" "$T/ns-probe/namespaces" 2> /dev/null || fail "the lab's namespaces were not found before the kill"
[ -n "$(NS_DIR="$T/ns-probe" python3 "$SRC/tests/integration/namespaces.py" left)" ] ||
  fail "namespaces.py does not see the running lab's namespaces"
NS_DIR="$T/ns-probe" python3 "$SRC/tests/integration/namespaces.py" release
hold_namespaces "$T/" "$T/ns"
kill -9 $pid
for i in $(seq 1 50); do
  left=$(pgrep -f "$T/" || true)
  [ -z "$left" ] && break
  sleep 0.1
done
[ -z "$left" ] || fail "after kill -9 these are left: $(ps -o pid,args -p $(echo $left | tr ' ' ,))"
# A lab's namespaces live as long as a process is in them or holds them; no mount of the lab is on the host.
left=$(namespaces_left "$T/ns")
[ -z "$left" ] || fail "after kill -9 these namespaces of the lab are still held: $left"
! grep -q "$T" /proc/self/mountinfo || fail "a mount of the lab is left on the host"
for f in "$T"/o/report.json "$T"/o/cloud-down-failback/result.json; do
  [ ! -e "$f" ] || jq . "$f" > /dev/null || fail "$f was left half written"
done
ls "$T"/o/cloud-down-failback/*.tmp.* > /dev/null 2>&1 && echo "note: temporary files left: $(ls "$T"/o/cloud-down-failback/*.tmp.*)"
"$BCSIM" run -q --out "$T/o" "$S" > "$T/run2.txt" 2>&1 || fail "the run after kill -9 did not pass: $(cat "$T/run2.txt")"
left=$(pgrep -f "$T/" || true)
[ -z "$left" ] || fail "the second run left processes"
echo "1 passed, 0 failed"
