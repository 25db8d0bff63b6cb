#!/bin/sh
# bcsim bc: a kept world's Business Continuity page. The thumbprint equals
# what openssl computes from the signing certificate, stays the same between
# commands, and pins the downloaded config; one edited byte anywhere in the
# signed parts makes the reference client refuse the config.
set -u
BCSIM=$1 CLIENT=$2 SRC=$3
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ST="$T/state"

thumb=$("$BCSIM" bc thumbprint --state-dir "$ST") || fail "bc thumbprint failed"
cert=$("$BCSIM" bc show --json --state-dir "$ST" | sed -n 's/.*"signing_certificate":[[:space:]]*"\([^"]*\)".*/\1/p')
[ -s "$cert" ] || fail "bc show names no signing certificate"
want=$(openssl x509 -in "$cert" -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64)
[ "$thumb" = "$want" ] || fail "bc thumbprint $thumb, openssl computes $want"
"$BCSIM" bc show --state-dir "$ST" > "$T/show.txt" || fail "bc show failed"
for want in "any2bcp.bc.example.com" "c2.bc.example.com" "c2site.bc.example.com" "https://bcpsp.bc.example.com/" \
  "BEGIN CERTIFICATE"; do
  grep -q "$want" "$T/show.txt" || fail "bc show does not show $want"
done
[ "$(stat -c %a "$(dirname "$cert")")" = 700 ] || fail "the world's folder is readable by others"
[ "$(stat -c %a "$(dirname "$cert")/config-signing.key")" = 600 ] || fail "the signing key is readable by others"

"$BCSIM" bc download-config --state-dir "$ST" -o "$T/yesterday.json" > /dev/null || fail "download-config failed"
"$CLIENT" check-config --config "$T/yesterday.json" --thumbprint "$thumb" > /dev/null || fail "the downloaded config does not verify"
# The keys are kept: a later command prints the same thumbprint, and it pins yesterday's config.
again=$("$BCSIM" bc thumbprint --state-dir "$ST")
[ "$again" = "$thumb" ] || fail "the thumbprint changed between commands: $thumb, then $again"
other=$("$BCSIM" bc thumbprint --world other --state-dir "$ST")
[ "$other" != "$thumb" ] || fail "two worlds share a signing key"
"$CLIENT" check-config --config "$T/yesterday.json" --thumbprint "$other" > /dev/null 2>&1
[ $? = 3 ] || fail "the client accepts a config whose signer is not the pinned one"

# One byte, in each signed part of the file.
for field in payload signature signer; do
  cp "$T/yesterday.json" "$T/edited.json"
  off=$(grep -bo "\"$field\":[[:space:]]*\"" "$T/edited.json" | head -1 | cut -d: -f1)
  [ -n "$off" ] || fail "no $field in the config"
  pos=$((off + 24))
  old=$(dd if="$T/edited.json" bs=1 skip=$pos count=1 2> /dev/null)
  new=A
  [ "$old" = A ] && new=B
  printf %s "$new" | dd of="$T/edited.json" bs=1 seek=$pos conv=notrunc 2> /dev/null
  [ "$(cmp -l "$T/yesterday.json" "$T/edited.json" | wc -l)" = 1 ] || fail "the $field edit is not one byte"
  "$CLIENT" check-config --config "$T/edited.json" --thumbprint "$thumb" > /dev/null 2> "$T/err"
  rc=$?
  [ $rc = 3 ] || fail "one edited byte in the $field: the client exits $rc, expected 3 (refused)"
  grep -q "refusing the BC config" "$T/err" || fail "the client does not say it refuses the config: $(cat "$T/err")"
done

"$BCSIM" bc thumbprint --world "../x" --state-dir "$ST" > /dev/null 2>&1
[ $? = 2 ] || fail "a world name with a path in it should be refused"
"$BCSIM" bc frob --state-dir "$ST" > /dev/null 2>&1
[ $? = 2 ] || fail "an unknown bc command should be exit 2"
echo "1 passed, 0 failed"
