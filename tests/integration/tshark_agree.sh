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
# What tshark and the events say of scenario folders, as sorted "FOLDER<tab>NAME" lines:
# OUT.ts.sni and OUT.ts.q from tshark, OUT.ev.sni and OUT.ev.q from events.jsonl.
# Per folder, these are the multisets compared. One tshark reads every capture
# (tests/integration/tshark_batch.py): it takes half a second to start, a
# minute of CPU for a hundred captures read one by one.
collect() { # OUT FOLDER...
  o=$1
  shift
  for d in "$@"; do set -- "$@" "${d%/}/capture.pcap"; shift; done
  python3 "$SRC/tests/integration/tshark_batch.py" '(tls.handshake.type == 1 || dns) && !icmp && !icmpv6' \
    tls.handshake.extensions_server_name dns.qry.name -- "$@" > "$o.ts" || fail "tshark_batch.py failed"
  awk -F'\t' -v OFS='\t' '{ sub(/\/capture\.pcap$/, "", $1) } $2 != "" { print $1, $2 }' "$o.ts" | sort > "$o.ts.sni"
  awk -F'\t' -v OFS='\t' '{ sub(/\/capture\.pcap$/, "", $1); n = split($3, q, ",")
    for (i = 1; i <= n; i++) if (q[i] != "") print $1, tolower(q[i]) }' "$o.ts" | sort > "$o.ts.q"
  for c in "$@"; do set -- "$@" "${c%/capture.pcap}/events.jsonl"; shift; done
  jq -r 'select(.type == "tls.client_hello" and .sni != "") | "\(input_filename)\t\(.sni)"' "$@" |
    sed 's|/events\.jsonl\t|\t|' | sort > "$o.ev.sni"
  jq -r 'select(.type == "dns.query" or .type == "dns.answer") | "\(input_filename)\t\(.qname)"' "$@" |
    sed 's|/events\.jsonl\t|\t|' | sort > "$o.ev.q"
}
differ() { # OUT: one line per folder where they differ, with up to three names ("<" tshark's, ">" the events')
  for k in sni q; do
    diff "$1.ts.$k" "$1.ev.$k" | grep '^[<>]' | awk -F'\t' -v what="$([ $k = sni ] && echo SNIs || echo 'query names')" '
      { d = substr($1, 3); if (!(d in n)) order[++m] = d; if (n[d]++ < 3) s[d] = s[d] " " substr($1, 1, 1) " " $2 }
      END { for (i = 1; i <= m; i++) print order[i] ": " what " differ:" s[order[i]] }'
  done
}
export LC_ALL=C # one sort order for both sides
set --
for d in "$DIR"/st/reference/*/ "$DIR"/net/*/; do
  [ -f "$d/capture.pcap" ] && set -- "$@" "${d%/}"
done
n=$#
collect "$T/all" "$@"
differ "$T/all" > "$T/diffs.txt"
hellos=$(wc -l < "$T/all.ev.sni") queries=$(wc -l < "$T/all.ev.q")
[ "$n" -ge 100 ] || fail "only $n captures to compare"
[ ! -s "$T/diffs.txt" ] || fail "the decoder and tshark disagree: $(head -5 "$T/diffs.txt")"
echo "tshark and the events agree on $n captures: $hellos ClientHellos with SNI, $queries DNS messages"

# The comparison itself can fail: one ClientHello taken out of an events.jsonl is noticed.
mkdir "$T/cut"
cp "$DIR/st/reference/cloud-down/capture.pcap" "$T/cut/"
awk '/"type":"tls.client_hello"/ && !done { done = 1; next } { print }' "$DIR/st/reference/cloud-down/events.jsonl" > "$T/cut/events.jsonl"
collect "$T/cut" "$T/cut"
[ -n "$(differ "$T/cut")" ] || fail "the comparison did not notice a missing ClientHello"
echo "1 passed, 0 failed"
