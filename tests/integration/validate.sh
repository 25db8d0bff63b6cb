#!/bin/sh
# bcsim validate tells every mistake of a file in one run (no lab is built):
# the five planted in tests/fixtures/validate/five-errors.json, each at
# file:line:col, the window past the end as a warning, exit 2. The shipped
# scenarios and profiles validate with no warning, and every event type and
# field that `bcsim list --events` prints is documented in
# docs/scenario-format.md.
set -u
BCSIM=$1 SRC=$2
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
F="$SRC/tests/fixtures/validate/five-errors.json"

"$BCSIM" validate "$F" > "$T/out" 2> "$T/err"
rc=$?
[ $rc = 2 ] || fail "five planted errors: exit $rc, expected 2"
[ ! -s "$T/out" ] || fail "a file with errors was said to be ok: $(cat "$T/out")"
want() { # LINE LEVEL TEXT: one diag at five-errors.json:LINE:<col>
  grep -Eq "five-errors.json:$1:[0-9]+: $2: .*$3" "$T/err" || fail "no $2 at line $1 saying \"$3\": $(cat "$T/err")"
}
want 13 error 'unknown field "qnam" for dns.query'
want 21 error '"status" is an integer field: a string never matches it'
want 27 error 'unknown requirement "BC-FO-99"'
want 39 warning 'the window ends at 6.500s'
want 45 error 'unknown event type "tls.clienthello"'
[ "$(grep -Ec '^[^ ].*: (error|warning): ' "$T/err")" = 5 ] || fail "expected exactly five diags: $(cat "$T/err")"
grep -q 'did you mean "qname"' "$T/err" && grep -q 'did you mean "BC-FO-09"' "$T/err" &&
  grep -q 'did you mean "tls.client_hello"' "$T/err" || fail "a did-you-mean is missing: $(cat "$T/err")"

# A warning alone does not refuse the file.
sed -e 's/"qnam"/"qname"/' -e 's/"status": "200"/"status": 200/' -e 's/BC-FO-99/BC-FO-09/' -e 's/tls.clienthello/tls.client_hello/' \
  -e 's/"BC-FO-09",/"BC-FO-01",/' "$F" > "$T/warn.json"
"$BCSIM" validate "$T/warn.json" > "$T/out" 2> "$T/err" || fail "a file with only a warning: exit $?: $(cat "$T/err")"
grep -q "warning: the window ends" "$T/err" && grep -q "^ok " "$T/out" || fail "the warning or the ok line is missing"

# The shipped files are clean: no error, no warning.
"$BCSIM" validate "$SRC/scenarios/" "$SRC/fixtures/" > /dev/null 2> "$T/err" || fail "the shipped files do not validate: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "the shipped files have warnings: $(head -5 "$T/err")"

# The schema and the documentation agree.
"$BCSIM" list --events > "$T/events.txt" || fail "bcsim list --events failed"
DOC="$SRC/docs/scenario-format.md"
types=$(sed -n 's/^\([a-z][a-z_.]*\)  (\(network\|session\) level.*/\1/p' "$T/events.txt")
[ "$(echo "$types" | wc -l)" -ge 30 ] || fail "list --events printed too few types: $types"
for ty in $types; do
  grep -q "\`$ty\`" "$DOC" || fail "event type $ty is not in $DOC"
done
fields=$(sed -n 's/^  \([a-z_0-9]*\)  *\(string\|DNS name\|address\|address list\|integer\|number\|boolean\|object\)  .*/\1/p' "$T/events.txt" | sort -u)
[ -n "$fields" ] || fail "list --events printed no fields"
for f in $fields; do
  grep -q "\`$f\`" "$DOC" || fail "event field $f is not in $DOC"
done
grep -q "^  qname  *DNS name" "$T/events.txt" || fail "list --events does not say qname is a DNS name"
echo "1 passed, 0 failed"
