#!/bin/sh
# Hostile clients (tests/clients/hostile): each gets a verdict, fail or
# error, within its scenario's time bound; the harness survives and stays
# bounded; nothing of any run is left running.
#   hang, exit, crash, daemon: a verdict all the same, and no process left
#   log-flood: client.log is capped, and the report says how much was cut
#   dns-flood, syn-flood, many-conns: a failed check of the flood, the lab's
#     memory bounded
#   garbage: no service crashes, and each one logs the garbage
#   unknown: the built-in check flags the unknown server
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
H="$SRC/tests/clients/hostile/hostile.py"
# The profiles have a folder of their own: a profile's folder is its artefacts
# (every file is hashed before the run), and the other runs' out dirs, written
# while it lists them, are not.
P="$T/profiles"
mkdir -p "$P"
profile() {
  printf '{"name": "hostile-%s", "command": ["/usr/bin/python3", "%s", "%s", "${config}", "${state_dir}"]}\n' "$1" "$H" "$1" > "$P/$1.json"
}
run() { # MODE SCENARIO
  profile "$1"
  "$BCSIM" run -q --client "$P/$1.json" --out "$T/$1" "$SRC/scenarios/$2" > "$T/$1.txt" 2>&1
  echo $? > "$T/$1.rc"
}
# All side by side: their labs take 14 s together, where one flood after the
# other took 40 s, and each still ends well within its time bound below (the
# floods in 8.5 to 9.5 s of their 13). While they run, the namespaces of their
# labs are noted, to look for them afterwards.
for m in hang exit crash daemon unknown log-flood; do run $m cloud-down.json & done
run garbage portal-down/new-enrollment-cloud-up.json & # the cloud stays up: every service can be reached
for m in dns-flood syn-flood many-conns; do run $m cloud-down/cloud-flapping.json & done
for m in hang exit crash daemon unknown log-flood garbage dns-flood syn-flood many-conns; do
  while [ ! -e "$T/$m.rc" ]; do # run() writes it when bcsim is done
    hold_namespaces "__lab.*$T/" "$T/ns"
    sleep 0.5
  done
done
wait
[ -s "$T/ns/namespaces" ] || fail "no lab namespace was seen while the hostile clients ran"

# The bound is the scenario's duration plus a slack for the lab's set-up and
# judging; it tells a hung run from a finished one, not a fast run from a slow
# one. A sanitized build decodes a flood's capture several times slower, so
# its slack is larger: a hang still breaks it.
slack=5
"$BCSIM" --version | grep -q sanitized && slack=30
for m in hang exit crash daemon garbage unknown log-flood dns-flood syn-flood many-conns; do
  rc=$(cat "$T/$m.rc")
  [ "$rc" = 1 ] || [ "$rc" = 3 ] || fail "hostile $m: exit $rc, expected 1 or 3: $(cat "$T/$m.txt")"
  v=$(jq -r '.scenarios[0].verdict' "$T/$m/report.json")
  [ "$v" = fail ] || [ "$v" = error ] || fail "hostile $m: verdict $v"
  jq -e '.scenarios[0] | .duration_s <= ({"cloud-flapping": 8, "cloud-down": 6, "new-enrollment-cloud-up": 4}[.id]) + $slack' --argjson slack "$slack" "$T/$m/report.json" > /dev/null ||
    fail "hostile $m: the scenario overran its time bound: $(jq '.scenarios[0].duration_s' "$T/$m/report.json") s"
  echo "hostile $m: $v in $(jq '.scenarios[0].duration_s' "$T/$m/report.json") s"
done

R() { echo "$T/$1/$(jq -r '.scenarios[0].id' "$T/$1/report.json")"; }
failed() { jq -e --arg c "$2" 'any(.scenarios[0].checks[]; .id == $c and .verdict == "fail")' "$T/$1/report.json" > /dev/null; }
# Whether any event of an events.jsonl satisfies a jq condition.
has_event() { jq -s -e --arg s "${3:-}" "any(.[]; $2)" "$1" > /dev/null; }

# The log: capped at 8 MiB, the cut said.
size=$(wc -c < "$(R log-flood)/client.log")
[ "$size" -le $((8 * 1024 * 1024 + 200)) ] || fail "client.log grew to $size bytes"
jq -e '.scenarios[0].client_log.cut > 0' "$T/log-flood/report.json" > /dev/null || fail "the report does not say client.log was cut"

# services.log: capped at 16 MiB (a SYN flood logs a failed handshake per connection).
for m in dns-flood syn-flood many-conns garbage; do
  size=$(wc -c < "$(R $m)/services.log")
  [ "$size" -le $((16 * 1024 * 1024)) ] || fail "hostile $m: services.log grew to $size bytes"
done

# Floods: a failed check of the flood, and a lab of bounded size.
failed dns-flood bounded-lookups || fail "the DNS flood failed no check of its own"
failed syn-flood bounded-connects || fail "the SYN flood failed no check of its own"
failed many-conns bounded-connects || fail "thousands of connections failed no check"
# The bound holds the lab to its fixed limits (the timeline's events, the
# wire's connections, LAB_MAX_FDS descriptors); a plain build's flooded lab
# peaks near half of it. A sanitized build (make test-asan) keeps freed
# memory in ASan's 256 MiB quarantine and puts redzones around every
# allocation, so its bound is 3 times larger: growth without limit still breaks it.
bound=500000
"$BCSIM" --version | grep -q sanitized && bound=1500000
for m in dns-flood syn-flood many-conns; do
  rss=$(jq '.scenarios[0].lab_peak_rss_kb' "$T/$m/report.json")
  [ "$rss" -lt "$bound" ] || fail "hostile $m: the lab grew to $rss kB (bound $bound kB)"
done

# Garbage: every service said what it got.
G="$(R garbage)/events.jsonl"
has_event "$G" '.type == "svc.dns.query" and .action == "malformed"' || fail "the resolver did not log the malformed queries"
for s in broker se1 se2 cloud-sp portal pcc1 pcc2 pse1 pse2; do
  has_event "$G" '.service == $s and .type == "svc.tls.handshake" and .result != "ok"' "$s" || fail "service $s did not log garbage TLS"
  has_event "$G" '.service == $s and .type == "svc.http.malformed"' "$s" || fail "service $s did not log garbage HTTP"
done

failed unknown no-unknown-address || fail "contacting an unknown address was not flagged"

# Nothing of any run is left running: the daemon neither.
pid=$(cat "$(R daemon)/state/daemon.pid" 2> /dev/null) || fail "the daemon did not start"
# A dying process may take a moment to go: it has up to 1 s, as it always had.
daemon_left() { [ -d "/proc/$pid" ] && grep -q hostile "/proc/$pid/cmdline" 2> /dev/null; }
for i in $(seq 1 10); do
  ! daemon_left && [ -z "$(pgrep -f "$T/")" ] && break
  sleep 0.1
done
! daemon_left || fail "the daemonised client is still running (pid $pid)"
left=$(pgrep -f "$T/" || true)
[ -z "$left" ] || fail "processes of the hostile runs are left: $(ps -o pid,args -p $(echo $left | tr ' ' ,))"
left=$(namespaces_left "$T/ns")
[ -z "$left" ] || fail "namespaces of the hostile runs are still held: $left"
echo "hostile: $(sort -u "$T/ns/namespaces" | wc -l) lab namespaces seen, none left"
echo "1 passed, 0 failed"
