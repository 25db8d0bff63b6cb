#!/bin/sh
# A certificate that means what it says (issue 11):
# 1. a vendor profile that waives a MUST requirement without "waive_must" is
#    refused (exit 2, file:line:col); with it, the run is pass-with-waivers
#    (exit 4) everywhere a verdict is shown, and the certificate lists the waiver;
#    an artefact linking out of the profile's folder is refused before any lab;
# 2. the certificate of a Python client hashes its .py file: one byte changed
#    changes the certificate; copies of the suite, the profile's folder and the
#    vendor file in another folder verify --strict with --root; a missing file
#    makes --strict fail and says which;
# 3. re-signed certificates that disagree with themselves (a check verdict
#    edited inside a passing scenario, an edited summary count) are rejected.
# One lab per run, of a 3-second scenario.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'bg_stop; rm -rf "$T"' EXIT
command -v python3 > /dev/null || fail "python3 is missing"
S=new-enrollment-tampered

# The inputs, in folders of their own: the suite, the client (profile and code), the vendor profile.
mkdir -p "$T/suite" "$T/client" "$T/vendor"
cp "$SRC/scenarios/portal-down/$S.json" "$T/suite/"
cp "$SRC/tests/clients/netclient/netclient.json" "$SRC/tests/clients/netclient/netclient.py" "$T/client/"
openssl genpkey -algorithm ed25519 -out "$T/vendor.key" 2> /dev/null || fail "openssl genpkey failed"

# 1. A MUST (BC-CFG-02) waived without waive_must: refused before any lab, at the entry.
cat > "$T/vendor/v.json" <<'J'
{"name": "t",
 "disabled": [{"match": "new-enrollment-tampered/no-attacker-dns", "reason": "VEN-1: no attacker resolver on this platform"}]}
J
"$BCSIM" run --client "$T/client/netclient.json" --vendor-profile "$T/vendor/v.json" --out "$T/refused" "$T/suite" \
  > "$T/out" 2> "$T/err"
[ $? = 2 ] || fail "a vendor profile that disables a MUST without waive_must was not refused (exit 2): $(cat "$T/err")"
grep -q "v.json:2:.*waives MUST requirement BC-CFG-02" "$T/err" || fail "no file:line:col naming the MUST: $(cat "$T/err")"
grep -q "docs/vendor-profile.md" "$T/err" || fail "the refusal gives no hint to docs/vendor-profile.md"
[ ! -e "$T/refused" ] || fail "a refused vendor profile still started a run"

# An artefact that leads out of the profile's folder (a symbolic link): refused before any lab.
echo "not the client's" > "$T/outside.txt"
ln -s "$T/outside.txt" "$T/client/leak"
"$BCSIM" run --client "$T/client/netclient.json" --out "$T/leaked" "$T/suite" > "$T/out" 2> "$T/err"
[ $? = 2 ] || fail "an artefact linking out of the profile's folder was not refused (exit 2): $(cat "$T/err")"
grep -q "outside.txt is not below the profile root" "$T/err" || fail "the refusal does not name the file: $(cat "$T/err")"
[ ! -e "$T/leaked" ] || fail "a refused artefact still started a run"
rm "$T/client/leak"

sed 's/"reason"/"waive_must": true, "reason"/' "$T/vendor/v.json" > "$T/v.tmp" && mv "$T/v.tmp" "$T/vendor/v.json"
# Beside this run, the same with one byte of netclient.py changed, in a comment,
# in a copy of the client's folder (for part 2): their labs mostly wait.
cp -r "$T/client" "$T/client2"
printf '#' >> "$T/client2/netclient.py" # the client behaves the same
bg_run "$BCSIM" run -q --client "$T/client2/netclient.json" --vendor-profile "$T/vendor/v.json" --out "$T/o2" "$T/suite" > /dev/null 2>&1
p_o2=$!
"$BCSIM" run --client "$T/client/netclient.json" --vendor-profile "$T/vendor/v.json" --sign-key "$T/vendor.key" \
  --seed 9 --out "$T/o" "$T/suite" > "$T/out" 2>&1
rc=$?
[ $rc = 4 ] || fail "a run that passes only by a MUST waiver should exit 4 (pass-with-waivers), got $rc: $(cat "$T/out")"
grep -q "^verdict: pass-with-waivers (MUST requirements waived: BC-CFG-02" "$T/out" || fail "the console does not say pass-with-waivers: $(cat "$T/out")"
grep -q "^checks: .* 1 disabled" "$T/out" || fail "the console's checks: line does not count the disabled check: $(cat "$T/out")"
python3 - "$T/o" <<'P' || fail "the waiver is not shown where the verdict is"
import json, sys
o = sys.argv[1]
cert, report = json.load(open(o + "/certificate.json")), json.load(open(o + "/report.json"))
assert cert["verdict"] == "pass-with-waivers", cert["verdict"]
assert report["summary"]["verdict"] == "pass-with-waivers"
w = cert["waivers"][0]
assert w["match"] == "new-enrollment-tampered/no-attacker-dns" and w["waive_must"] is True, w
assert w["requirements"] == [{"id": "BC-CFG-02", "level": "MUST"}], w
assert w["reason"].startswith("VEN-1"), w
assert cert["run"]["seed"] == 9 and cert["run"]["time_scale"] == 1, cert["run"]
assert cert["bcsim"]["commit"], cert["bcsim"]
html, junit = open(o + "/report.html").read(), open(o + "/junit.xml").read()
assert "pass-with-waivers" in html and "VEN-1: no attacker resolver" in html, "report.html"
assert html.index('id="waivers"') < html.index('id="certification"'), "the waivers are not at the top of report.html"
assert '<property name="verdict" value="pass-with-waivers"/>' in junit, "junit.xml"
P

# 2. The Python client's own code is in the certificate, by a path relative to its folder.
python3 - "$T/o/certificate.json" <<'P' || fail "the certificate does not hash netclient.py"
import json, sys
c = json.load(open(sys.argv[1]))["client"]
assert c["binary"]["root"] == "bin", c["binary"]
assert {"root": "profile", "path": "netclient.py"}.items() <= [a for a in c["artefacts"] if a["path"] == "netclient.py"][0].items()
P
sha_of() { python3 -c 'import json,sys; print([a["sha256"] for a in json.load(open(sys.argv[1]))["client"]["artefacts"] if a["path"] == "netclient.py"][0])' "$1"; }
before=$(sha_of "$T/o/certificate.json")
cp "$T/client/netclient.py" "$T/netclient.py.orig"
printf '#' >> "$T/client/netclient.py" # one byte, in a comment: the client behaves the same
"$BCSIM" verify "$T/o/certificate.json" > "$T/v.txt"
[ $? = 1 ] || fail "verify accepted a certificate whose client code changed: $(cat "$T/v.txt")"
grep -q "BAD   client artefact: .*netclient.py has SHA-256" "$T/v.txt" || fail "verify does not name netclient.py: $(cat "$T/v.txt")"
bg_wait $p_o2
after=$(sha_of "$T/o2/certificate.json")
[ -n "$before" ] && [ "$before" != "$after" ] || fail "one byte of netclient.py changed, the certificate did not ($before)"
cp "$T/netclient.py.orig" "$T/client/netclient.py"

# Another machine: copies in other folders, the originals gone.
mkdir -p "$T/elsewhere"
cp -r "$T/suite" "$T/client" "$T/vendor" "$T/elsewhere/"
rm -rf "$T/suite" "$T/client" "$T/vendor"
bin=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["roots"]["bin"])' "$T/o/certificate.json")
E="$T/elsewhere"
set -- --root suite="$E/suite" --root profile="$E/client" --root vendor="$E/vendor" --root bin="$bin"
"$BCSIM" verify --strict "$@" "$T/o/certificate.json" > "$T/v.txt"
[ $? = 0 ] || fail "verify --strict with --root copies did not say VALID: $(cat "$T/v.txt")"
grep -q "^VALID" "$T/v.txt" || fail "no VALID line: $(cat "$T/v.txt")"
"$BCSIM" verify "$T/o/certificate.json" > "$T/v.txt"
[ $? = 4 ] || fail "without --root, the originals gone, verify should be partial (exit 4): $(cat "$T/v.txt")"
grep -q "^PARTIAL" "$T/v.txt" || fail "a partial verification does not say so: $(cat "$T/v.txt")"
rm "$E/client/netclient.py"
"$BCSIM" verify --strict "$@" "$T/o/certificate.json" > "$T/v.txt"
[ $? = 1 ] || fail "verify --strict with netclient.py missing did not fail: $(cat "$T/v.txt")"
grep -q "skip  client artefact: .*netclient.py is not here" "$T/v.txt" || fail "verify does not say which file is missing: $(cat "$T/v.txt")"
grep -q "^REJECTED (--strict): 1 item could not be re-checked" "$T/v.txt" || fail "no --strict refusal: $(cat "$T/v.txt")"
cp "$T/netclient.py.orig" "$E/client/netclient.py"

# 3. Re-signed with the vendor's key, but no longer agreeing with itself.
resign() { # resign CERT: signs CERT into CERT.sig as bcsim does, with openssl
  openssl pkeyutl -sign -rawin -inkey "$T/vendor.key" -in "$1" -out "$T/raw.sig" 2> /dev/null || fail "openssl pkeyutl failed"
  openssl pkey -in "$T/vendor.key" -pubout -out "$T/pub.pem" 2> /dev/null
  thumb=$(openssl pkey -in "$T/vendor.key" -pubout -outform DER | openssl dgst -sha256 -binary | base64)
  python3 - "$T/raw.sig" "$T/pub.pem" "$thumb" > "$1.sig" <<'P'
import base64, json, sys
print(json.dumps({"format": "bcsim-detached-signature", "signed_file": "certificate.json", "algorithm": "ED25519",
                  "digest": "none", "signer_thumbprint": sys.argv[3], "public_key": open(sys.argv[2]).read(),
                  "signature": base64.b64encode(open(sys.argv[1], "rb").read()).decode()}))
P
}
cp "$T/o/certificate.json" "$T/same.json"
resign "$T/same.json"
"$BCSIM" verify --strict "$@" "$T/same.json" > "$T/v.txt" || fail "the test's re-signing itself is not accepted: $(cat "$T/v.txt")"
python3 - "$T/o/certificate.json" "$T/check.json" "$T/count.json" <<'P'
import json, sys
c = json.load(open(sys.argv[1]))
s = c["scenarios"][0]
assert s["verdict"] == "pass", s["verdict"]
[k for k in s["checks"] if k["verdict"] == "pass" and k["requirement"]][0]["verdict"] = "fail"
json.dump(c, open(sys.argv[2], "w"), indent=2)
c = json.load(open(sys.argv[1]))
c["summary"]["passed"] = 999
json.dump(c, open(sys.argv[3], "w"), indent=2)
P
resign "$T/check.json"
"$BCSIM" verify --strict "$@" "$T/check.json" > "$T/v.txt"
[ $? = 1 ] || fail "a re-signed certificate with a failed check in a passing scenario was accepted: $(cat "$T/v.txt")"
grep -q "BAD   scenario $S: its verdict is \"pass\", but its checks make it \"fail\"" "$T/v.txt" ||
  fail "verify does not name the scenario that disagrees with its checks: $(cat "$T/v.txt")"
resign "$T/count.json"
"$BCSIM" verify --strict "$@" "$T/count.json" > "$T/v.txt"
[ $? = 1 ] || fail "a re-signed certificate with an edited summary count was accepted: $(cat "$T/v.txt")"
grep -q "BAD   summary: summary.passed is 999, but the scenarios make it 1" "$T/v.txt" ||
  fail "verify does not name the edited count: $(cat "$T/v.txt")"
echo "1 passed, 0 failed"
