#!/bin/sh
# Every verdict of the suite's runs can be reproduced from the evidence, and
# every check can fail. bcsim rejudge derives the events again (the wire from
# capture.pcap) and must give identical verdicts on every scenario of the
# reference's full run and the netclient's; bcsim mutate must flip every
# check of every scenario of the reference's run. Both are shown to notice
# what they exist to notice: an edited verdict, and a check that cannot fail.
# Usage: rejudge.sh BCSIM OUTDIR SRC   (reads OUTDIR/st/reference and OUTDIR/net)
set -u
BCSIM=$1 DIR=$2 SRC=$3
. "$SRC/tests/integration/lib.sh"
R="$DIR/st/reference"
[ -f "$R/report.json" ] && [ -f "$DIR/net/report.json" ] || fail "the suite's runs are missing: run the suite and network_clients tests first"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=$(jq '.summary.scenarios' "$R/report.json")

"$BCSIM" rejudge "$R" > "$T/rejudge.txt" 2>&1 || { cat "$T/rejudge.txt"; fail "bcsim rejudge does not reproduce the reference run"; }
grep -q "rejudged $n scenarios: $n identical, 0 differ, 0 could not be rejudged" "$T/rejudge.txt" || fail "rejudge: $(tail -1 "$T/rejudge.txt")"
"$BCSIM" rejudge "$DIR/net" > "$T/rejudge-net.txt" 2>&1 || { cat "$T/rejudge-net.txt"; fail "bcsim rejudge does not reproduce the netclient's run"; }
# Judged at the network level, the reference's evidence gives no failure either.
"$BCSIM" rejudge --levels network "$R" > "$T/rejudge-levels.txt" 2>&1
grep -Eq "^[a-z0-9.-]+ +(fail|error) " "$T/rejudge-levels.txt" && fail "the reference's evidence fails at the network level: $(grep -E ' (fail|error) ' "$T/rejudge-levels.txt")"

# rejudge notices a verdict that the evidence does not support.
cp -r "$R/cloud-down" "$T/edited"
jq '(.checks[] | select(.id == "pcc-sni-c2") | .verdict) = "fail"' "$R/cloud-down/result.json" > "$T/edited/result.json"
"$BCSIM" rejudge "$T/edited" > "$T/edited.txt" 2>&1
[ $? = 1 ] && grep -q "DIFFERS.*pcc-sni-c2" "$T/edited.txt" || fail "rejudge did not notice an edited verdict: $(cat "$T/edited.txt")"

# The defects' runs (selftest) and the netclient's show that each forbidden event can really happen.
"$BCSIM" mutate --learn "$DIR/st" --learn "$DIR/net" "$R" > "$T/mutate.txt" 2>&1 || { grep STUCK "$T/mutate.txt"; fail "some checks cannot fail"; }
tail -2 "$T/mutate.txt"
grep -Eq "mutated $n scenarios: [0-9]+ checks flipped, 0 could not flip, 0 not passing" "$T/mutate.txt" || fail "mutate: $(tail -2 "$T/mutate.txt")"
grep -q "^0 forbids and limits flipped by an event that no run" "$T/mutate.txt" ||
  fail "some forbidden events were never shown by any run: $("$BCSIM" mutate -v --learn "$DIR/st" "$R" | grep 'never seen')"

# A check that cannot fail, a misspelled match key, is refused before mutate
# could flip it: the event schemas (bcsim list --events) know every field.
cp -r "$R/cloud-down" "$T/vacuous"
jq '(.checks[] | select(.id == "never-c2site") | .forbid.match) = {"sn": "c2site.${bc_domain}"}' "$R/cloud-down/scenario.json" > "$T/vacuous/scenario.json"
"$BCSIM" mutate "$T/vacuous" > "$T/vacuous.txt" 2>&1
rc=$?
[ $rc != 0 ] && grep -q 'unknown field "sn" for tls.client_hello' "$T/vacuous.txt" ||
  fail "mutate judged a vacuous check (exit $rc): $(cat "$T/vacuous.txt")"
echo "1 passed, 0 failed"
