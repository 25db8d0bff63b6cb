#!/bin/sh
# The wire decoder agrees with tshark on every capture of the suite's runs:
# the multiset of SNIs in ClientHellos and of query names in DNS messages.
# tshark reassembles TCP, so a ClientHello sent again is one ClientHello and
# two DNS messages in one segment are two; queries quoted inside ICMP errors
# are not the client's and are left out.
# Usage: tshark_agree.sh BCSIM OUTDIR SRC   (reads OUTDIR/st/reference and OUTDIR/net)
set -u
BCSIM=$1 DIR=$2 SRC=$3
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
compare() { # SCENARIO_DIR: prints what differs
  d=$1
  tshark -r "$d/capture.pcap" -Y '(tls.handshake.type == 1 || dns) && !icmp && !icmpv6' -T fields -E separator=/t \
    -e tls.handshake.extensions_server_name -e dns.qry.name 2> /dev/null > "$T/$$.ts"
  cut -f1 "$T/$$.ts" | grep -v '^$' | sort > "$T/$$.ts.sni"
  cut -f2 "$T/$$.ts" | tr ',' '\n' | grep -v '^$' | tr 'A-Z' 'a-z' | sort > "$T/$$.ts.q"
  jq -r 'select(.type == "tls.client_hello" and .sni != "") | .sni' "$d/events.jsonl" | sort > "$T/$$.ev.sni"
  jq -r 'select(.type == "dns.query" or .type == "dns.answer") | .qname' "$d/events.jsonl" | sort > "$T/$$.ev.q"
  cmp -s "$T/$$.ts.sni" "$T/$$.ev.sni" || echo "$d: SNIs differ: $(diff "$T/$$.ts.sni" "$T/$$.ev.sni" | grep '^[<>]' | head -3 | tr '\n' ' ')"
  cmp -s "$T/$$.ts.q" "$T/$$.ev.q" || echo "$d: query names differ: $(diff "$T/$$.ts.q" "$T/$$.ev.q" | grep '^[<>]' | head -3 | tr '\n' ' ')"
}
n=0 hellos=0 queries=0
for d in "$DIR"/st/reference/*/ "$DIR"/net/*/; do
  [ -f "$d/capture.pcap" ] || continue
  compare "$d" >> "$T/diffs.txt"
  n=$((n + 1))
  hellos=$((hellos + $(wc -l < "$T/$$.ev.sni"))) queries=$((queries + $(wc -l < "$T/$$.ev.q")))
done
[ "$n" -ge 100 ] || fail "only $n captures to compare"
[ ! -s "$T/diffs.txt" ] || fail "the decoder and tshark disagree: $(head -5 "$T/diffs.txt")"
echo "tshark and the events agree on $n captures: $hellos ClientHellos with SNI, $queries DNS messages"

# The comparison itself can fail: one ClientHello taken out of an events.jsonl is noticed.
mkdir "$T/cut"
cp "$DIR/st/reference/cloud-down/capture.pcap" "$T/cut/"
awk '/"type":"tls.client_hello"/ && !done { done = 1; next } { print }' "$DIR/st/reference/cloud-down/events.jsonl" > "$T/cut/events.jsonl"
[ -n "$(compare "$T/cut")" ] || fail "the comparison did not notice a missing ClientHello"
echo "1 passed, 0 failed"
