#!/bin/sh
# The walking skeleton end to end: cloud-down passes against the reference
# client, with c2 SNI on the wire, and the public DNS answering during the
# outage; the wrong-sni defect is caught by the SNI check (exit 1), and the
# public-dns-gate defect (BC only when public DNS fails) by the failover
# checks; a remote user at home reaches a PCC over the internet, its c2
# ClientHello leaving through the home router (uplink.pcap); capture.pcap and
# events.jsonl share time 0; nothing is left running afterwards.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
OUT=$(mktemp -d)
trap 'bg_stop; rm -rf "$OUT"' EXIT
# What bcsim must never change on the host.
host_state() {
  { ip -br addr; ip route; ip -6 route; nft list ruleset 2>/dev/null; cat /etc/resolv.conf /etc/hosts;
    ip netns list; } 2>&1
}
before=$(host_state)

# The reference and the defect go side by side: their labs mostly wait.
bg_run "$BCSIM" run --client "$SRC/fixtures/clients/defect-wrong-sni.json" --out "$OUT/def" "$SRC/scenarios/cloud-down.json" \
  > "$OUT/def.txt" 2>&1
p_def=$!
bg_run "$BCSIM" run --client "$SRC/fixtures/clients/defect-public-dns-gate.json" --out "$OUT/gate" \
  "$SRC/scenarios/cloud-down.json" > "$OUT/gate.txt" 2>&1
p_gate=$!
bg_run "$BCSIM" run --out "$OUT/home" "$SRC/scenarios/cloud-down/cloud-down-home.json" > "$OUT/home.txt" 2>&1
p_home=$!
"$BCSIM" run --out "$OUT/ref" "$SRC/scenarios/cloud-down.json"
rc=$?
[ $rc = 0 ] || fail "reference client: exit $rc, expected 0"
grep -q '"verdict":[[:space:]]*"pass"' "$OUT/ref/report.json" || fail "report does not say pass"
check_field "$OUT/ref/report.json" never-c2site verdict pass
for f in capture.pcap events.jsonl services.log client.log result.json; do
  [ -s "$OUT/ref/cloud-down/$f" ] || fail "missing or empty $f"
done
hellos=$(tshark -r "$OUT/ref/cloud-down/capture.pcap" -Y 'tls.handshake.type == 1' \
  -T fields -e tls.handshake.extensions_server_name 2>/dev/null)
echo "$hellos" | grep -qx 'c2.bc.example.com' || fail "tshark finds no ClientHello with SNI c2.bc.example.com: $hellos"
grep -q '"type":"svc.tls.handshake".*"sni":"c2.bc.example.com"' "$OUT/ref/cloud-down/events.jsonl" ||
  fail "no PCC/PSE saw SNI c2.bc.example.com"
# capture.pcap's stamps minus pcap_t0_us are the timeline's t (docs/report-format.md).
python3 "$SRC/tests/integration/pcap_time.py" "$OUT/ref/cloud-down" || fail "capture.pcap and events.jsonl disagree on time 0"

bg_wait $p_def
rc=$?
cat "$OUT/def.txt"
[ $rc = 1 ] || fail "defect-wrong-sni: exit $rc, expected 1"
check_field "$OUT/def/report.json" never-c2site verdict fail
check_field "$OUT/def/report.json" never-c2site requirement BC-TLS-02
grep -q '"type":"tls.client_hello".*"sni":"c2site.bc.example.com"' "$OUT/def/cloud-down/events.jsonl" ||
  fail "the defect's c2site ClientHello is not in the timeline"

# Only the cloud was down: the public DNS answered the harness's probe during the outage.
check_field "$OUT/ref/report.json" public-dns-answers verdict pass
grep -q '"type":"probe.dns".*"ok":true' "$OUT/ref/cloud-down/events.jsonl" || fail "no probe.dns answered during the outage"

bg_wait $p_gate
rc=$?
cat "$OUT/gate.txt"
[ $rc = 1 ] || fail "defect-public-dns-gate: exit $rc, expected 1"
check_field "$OUT/gate/report.json" public-dns-answers verdict pass
check_field "$OUT/gate/report.json" pcc-handshake verdict fail

bg_wait $p_home
rc=$?
cat "$OUT/home.txt"
[ $rc = 0 ] || fail "cloud-down-home: exit $rc, expected 0"
# The home user's c2 ClientHello to a PCC, seen on the home router's link to its ISP.
world=$("$BCSIM" list --world)
home_link=$(echo "$world" | jq -r '.sites[] | select(.name == "home") | .uplink')
[ "$home_link" = "$(echo "$world" | jq -r '.links[] | select(.a == "internet" and .b == "home") | .ifname')" ] ||
  fail "the home site's uplink is not the home router's link to the internet"
home_lan=$(echo "$world" | jq -r '.sites[] | select(.name == "home") | .client_link')
client6=$(echo "$world" | jq -r --arg l "$home_lan" '.links[] | select(.ifname == $l) | .a6 | sub("/.*"; "")')
pccs=$(echo "$world" | jq -r '[.parties[] | select(.role == "pcc") | .v4, .v6] | join(" ")')
hellos=$(tshark -r "$OUT/home/cloud-down-home/uplink.pcap" -Y 'tls.handshake.type == 1' \
  -T fields -e ipv6.src -e ipv6.dst -e ip.src -e ip.dst -e tls.handshake.extensions_server_name 2>/dev/null)
echo "$hellos" | awk -v c="$client6" -v pccs=" $pccs " '$1 == c && index(pccs, " " $2 " ") && $3 == "c2.bc.example.com"' |
  grep -q . || fail "no c2 ClientHello from the home client ($client6) to a PCC ($pccs) on $home_link: $hellos"

[ "$before" = "$(host_state)" ] || fail "the host's network state or resolv.conf changed"
left=$(pgrep -f "$OUT" || true)
[ -z "$left" ] || fail "processes left running: $left"
echo "1 passed, 0 failed"
