#!/bin/sh
# The artefacts of a run: junit.xml validates against the JUnit XSD (also
# when the client put hostile text in the evidence); certificate.json with
# --sign-key verifies, and any edit, a swapped scenario file, a wrong signer
# or a missing signature is rejected; --repeat reports a pass rate; shards
# merged with `bcsim report merge` give the verdicts of one run.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'bg_stop; rm -rf "$T"' EXIT
XSD="$SRC/tests/schemas/junit.xsd"
command -v xmllint > /dev/null || fail "xmllint is missing: make deps installs libxml2-utils"

# One signed run of two scenarios (copies, so the test can change them afterwards).
mkdir "$T/sc"
cp "$SRC/scenarios/cloud-down.json" "$SRC/scenarios/portal-down-new-enrollment.json" "$T/sc/"
openssl genpkey -algorithm ed25519 -out "$T/vendor.key" 2> /dev/null || fail "openssl genpkey failed"
# The runs of this test go side by side (their labs mostly wait): the signed
# run, --repeat 2, and two shards of the same scenarios, from copies of their
# own, since the test changes $T/sc below.
cp -r "$T/sc" "$T/sc-shards"
bg_run "$BCSIM" run -q --repeat 2 --out "$T/r" "$SRC/scenarios/cloud-down.json" > /dev/null 2>&1
p_r=$!
bg_run "$BCSIM" run -q --shard 1/2 --out "$T/c1" "$T"/sc-shards/*.json > /dev/null 2>&1
p_c1=$!
bg_run "$BCSIM" run -q --shard 2/2 --out "$T/c2" "$T"/sc-shards/*.json > /dev/null 2>&1
p_c2=$!
"$BCSIM" run -q --sign-key "$T/vendor.key" --out "$T/o" "$T"/sc/*.json > "$T/run.txt" 2>&1
rc=$?
[ $rc = 0 ] || fail "signed run: exit $rc: $(cat "$T/run.txt")"
for f in report.json junit.xml report.html certificate.json certificate.json.sig; do
  [ -s "$T/o/$f" ] || fail "the run wrote no $f"
done
xmllint --noout --schema "$XSD" "$T/o/junit.xml" 2> "$T/xsd.txt" || fail "junit.xml does not validate: $(cat "$T/xsd.txt")"
n_cases=$(grep -c '<testcase ' "$T/o/junit.xml")
n_checks=$("$BCSIM" report verdicts "$T/o" | grep -vc ' - - ')
[ "$n_cases" = "$n_checks" ] || fail "junit.xml has $n_cases testcases for $n_checks checks"

# The XSD is not a rubber stamp: a testsuite without its counts is refused.
sed 's/ tests="[0-9]*" failures/ failures/' "$T/o/junit.xml" > "$T/bad.xml"
xmllint --noout --schema "$XSD" "$T/bad.xml" 2> /dev/null && fail "the XSD accepts a testsuite without tests=\"N\""

"$BCSIM" verify "$T/o/certificate.json" > "$T/v.txt" || fail "a signed certificate does not verify: $(cat "$T/v.txt")"
grep -q "ok    client program" "$T/v.txt" || fail "verify did not recompute the hash of the program the client runs"
thumb=$(openssl pkey -in "$T/vendor.key" -pubout -outform DER | openssl dgst -sha256 -binary | base64)
"$BCSIM" verify --thumbprint "$thumb" "$T/o/certificate.json" > /dev/null || fail "pinning the right signer fails"
"$BCSIM" verify --thumbprint "AAAA$thumb" "$T/o/certificate.json" > /dev/null && fail "a wrong signer pin is accepted"

# Any edit: a verdict, one byte of a hash, one byte of whitespace.
cp "$T/o/certificate.json" "$T/good.json"
cp "$T/o/certificate.json.sig" "$T/good.json.sig"
sed 's/"verdict":[[:space:]]*"pass"/"verdict": "fail"/' "$T/good.json" > "$T/edit1.json"
sed -E '0,/"sha256":[[:space:]]*"./s//"sha256": "x/' "$T/good.json" > "$T/edit2.json" # the first hash: the client profile's
sed '1s/{/{ /' "$T/good.json" > "$T/edit3.json"
for e in edit1 edit2 edit3; do
  cmp -s "$T/good.json" "$T/$e.json" && fail "$e did not change the certificate"
  cp "$T/good.json.sig" "$T/$e.json.sig"
  "$BCSIM" verify "$T/$e.json" > "$T/v.txt"
  [ $? = 1 ] || fail "verify accepted an edited certificate ($e): $(cat "$T/v.txt")"
done
rm "$T/edit1.json.sig"
"$BCSIM" verify "$T/edit1.json" > /dev/null 2>&1
[ $? = 1 ] || fail "verify accepted an unsigned certificate"
# Unchanged bytes, but a tested file changed since: the recomputed hash differs.
echo " " >> "$T/sc/cloud-down.json"
"$BCSIM" verify "$T/good.json" > "$T/v.txt"
[ $? = 1 ] || fail "verify accepted a certificate whose scenario file changed"
grep -q "BAD   scenario cloud-down" "$T/v.txt" || fail "verify does not name the changed scenario: $(cat "$T/v.txt")"

# Hostile text from a client (markup, control bytes, invalid UTF-8) keeps
# junit.xml valid and report.html free of injected markup.
mkdir -p "$T/h"
printf '{"schema_version":1,"tool":{"name":"bcsim","version":"x"},"client":{"name":"evil","profile":"p"},"scenarios":[{"id":"s1","title":"<b>t</b>","file":"f","verdict":"fail","duration_s":1,"checks":[{"id":"c\\u0001","requirement":"BC-TLS-01","class":"network","description":"d","verdict":"fail","message":"SNI <script>alert(1)</script> ]]> & \\u0007 \377\376 end","evidence":{}}]}],"summary":{"verdict":"fail"}}' > "$T/h/report.json"
"$BCSIM" report merge --out "$T/hm" "$T/h" > /dev/null
xmllint --noout --schema "$XSD" "$T/hm/junit.xml" 2> "$T/xsd.txt" || fail "hostile text breaks junit.xml: $(cat "$T/xsd.txt")"
grep -q "<script>" "$T/hm/report.html" && fail "hostile text injects markup into report.html"
grep -q "&lt;script&gt;" "$T/hm/report.html" || fail "hostile text is not shown escaped in report.html"
mkdir -p "$T/h2"
printf '{"schema_version":1,"client":{"name":"c","profile":"p"},"scenarios":[{"id":"../escaped","verdict":"pass","checks":[]}]}' > "$T/h2/report.json"
"$BCSIM" report merge --out "$T/hm2/deep" "$T/h2" > /dev/null 2>&1
[ $? = 2 ] || fail "a report whose scenario id is a path was merged"

# --repeat: every run kept, a pass rate, the worst verdict.
bg_wait $p_r || fail "--repeat 2 failed"
grep -q '"runs":[[:space:]]*2' "$T/r/report.json" || fail "--repeat 2 does not report two runs"
grep -q '"flaky":[[:space:]]*false' "$T/r/report.json" || fail "--repeat does not say whether the runs agree"
[ -s "$T/r/run-2/cloud-down/events.jsonl" ] || fail "--repeat does not keep the second run's artefacts"
"$BCSIM" run --repeat 0 "$SRC/scenarios/cloud-down.json" > /dev/null 2>&1
[ $? = 2 ] || fail "--repeat 0 should be refused"
"$BCSIM" run --time-scale fast "$SRC/scenarios/cloud-down.json" > /dev/null 2>&1
[ $? = 2 ] || fail "--time-scale fast should be refused"

# Sharded certification: the shards' certificates merge into one, which verifies when signed.
bg_wait $p_c1 || fail "shard 1/2 failed"
bg_wait $p_c2 || fail "shard 2/2 failed"
mkdir -p "$T/c2/cloud-down" && echo stale > "$T/c2/cloud-down/stale" # shard 1 ran cloud-down, not shard 2
"$BCSIM" report merge --sign-key "$T/vendor.key" --out "$T/cm" "$T/c1" "$T/c2" > /dev/null || fail "merging signed shards failed"
[ -s "$T/cm/cloud-down/events.jsonl" ] || fail "the merge did not copy cloud-down's artefacts from the shard that ran it"
[ ! -e "$T/cm/cloud-down/stale" ] || fail "the merge copied a stale folder from a shard that did not run the scenario"
"$BCSIM" verify "$T/cm/certificate.json" > "$T/v.txt" || fail "the merged certificate does not verify: $(cat "$T/v.txt")"
grep -q "ok    scenario set: 2 scenarios" "$T/v.txt" || fail "the merged certificate does not hold both scenarios"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["run"]["shards"] == ["1/2", "2/2"]' "$T/cm/certificate.json" ||
  fail "the merged certificate does not record the shards it holds"
sed -E '0,/"sha256":[[:space:]]*"./s//"sha256": "x/' "$T/c2/certificate.json" > "$T/c2/cert.tmp" && mv "$T/c2/cert.tmp" "$T/c2/certificate.json"
"$BCSIM" report merge --out "$T/cm2" "$T/c1" "$T/c2" > /dev/null 2>&1
[ $? = 2 ] || fail "shards that ran different client binaries were merged into one certificate"

# Merging: no double scenario, no foreign report.
"$BCSIM" report merge --out "$T/m2" "$T/o" "$T/o" > /dev/null 2>&1
[ $? = 2 ] || fail "merging a run with itself should be refused (a scenario twice)"
"$BCSIM" report merge --out "$T/m3" "$T/nothing" > /dev/null 2>&1
[ $? = 2 ] || fail "merging a folder without report.json should be exit 2"
echo "1 passed, 0 failed"
