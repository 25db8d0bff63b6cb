#!/bin/sh
# Runs every fuzz target (docs/fuzzing.md).
#   tests/fuzz/run.sh BCSIM SRC FUZZ_BUILD OUT RUNS [TARGET...]
# BCSIM is a built bcsim: it makes the seeds. FUZZ_BUILD is configured and
# built here with clang and -DBCSIM_FUZZ=ON if it is not yet. Each target
# runs RUNS executions from its seeds (real files: the repository's scenarios
# and profiles, and one real run's capture, DNS and TLS messages, signed BC
# config, enrollment and signed certificate), and its committed regression
# inputs, and the corpus that earlier runs grew in OUT/corpus/ (with
# FUZZ_FRESH_CORPUS=1, as the ctest smoke run has it, that corpus starts empty
# each time: every smoke run does the same work). A crash, a sanitizer report
# or a broken invariant fails the run and leaves the input in OUT/crashes/.
# The table at the end is what docs/testing.md records.
set -eu
BCSIM=$1 SRC=$(cd "$2" && pwd) FB=$3 OUT=$4 RUNS=$5
shift 5
ALL="dns tls capture dns_server dns_cache scenario client_profile vendor_profile bc_config certificate"
TARGETS=${*:-$ALL}
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v clang > /dev/null || fail "clang is not installed (make deps installs clang and libclang-rt-14-dev)"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

BCSIM=$(cd "$(dirname "$BCSIM")" && pwd)/$(basename "$BCSIM")
# The seed run (a few scenarios, signed) mostly waits on its labs: it runs
# while the fuzz build compiles.
rm -rf "$OUT/run"
openssl genpkey -algorithm ed25519 -out "$OUT/seed.key" 2> /dev/null
"$BCSIM" run -q -j 5 --sign-key "$OUT/seed.key" --out "$OUT/run" "$SRC/scenarios/cloud-down/cloud-down-failback.json" \
  "$SRC/scenarios/portal-down/new-enrollment-cloud-up.json" "$SRC/scenarios/dns/dns-truncate-tcp-fallback.json" \
  "$SRC/scenarios/network/net-inject-rst-cloud.json" "$SRC/scenarios/tls/tls-old-version-pcc1.json" \
  > "$OUT/seed-run.log" 2>&1 &
SEED_RUN=$!
trap 'kill $SEED_RUN 2> /dev/null || true' EXIT # bcsim takes its labs down on SIGTERM
if [ ! -f "$FB/CMakeCache.txt" ]; then
  cmake -S "$SRC" -B "$FB" -DCMAKE_C_COMPILER=clang -DBCSIM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$OUT/configure.log" 2>&1 ||
    fail "configuring the fuzz build failed: see $OUT/configure.log"
fi
cmake --build "$FB" --target fuzz -j "$(nproc)" > "$OUT/build.log" 2>&1 || fail "building the fuzz targets failed: see $OUT/build.log"
FB=$(cd "$FB" && pwd) # the targets run from another folder

# Seeds: real files, made fresh (a run of a few scenarios, signed).
S=$OUT/seeds
rm -rf "$S" "$OUT/crashes"
if [ "${FUZZ_FRESH_CORPUS:-0}" = 1 ]; then rm -rf "$OUT/corpus"; fi
mkdir -p "$OUT/crashes"
for t in $ALL; do mkdir -p "$S/$t" "$OUT/corpus/$t"; done
find "$SRC/scenarios" -name '*.json' -exec cp {} "$S/scenario/" \; 2> /dev/null || true
cp "$SRC"/fixtures/clients/*.json "$S/client_profile/" 2> /dev/null || true
cp "$SRC"/fixtures/vendors/*.json "$S/vendor_profile/" 2> /dev/null || true
wait $SEED_RUN || true # the verdicts do not matter: the files do
[ -f "$OUT/run/certificate.json.sig" ] || fail "the seed run wrote no signed certificate: see $OUT/seed-run.log"
n=0
for d in "$OUT"/run/*/; do
  [ -f "$d/capture.pcap" ] || continue
  n=$((n + 1))
  PARTIES=$d/world/parties.json
  cp "$d/world/bc-config.json" "$S/bc_config/$n.json"
  if [ -f "$d/state/enrollment.json" ]; then
    { cat "$d/world/bc-config.json"; printf '\0'; cat "$d/state/enrollment.json"; } > "$S/bc_config/$n-enrolled.json"
  fi
done
python3 "$SRC/tests/fuzz/seeds.py" "$S" "$OUT"/run/*/capture.pcap || fail "seeding from the captures failed"
[ "$n" -gt 0 ] || fail "the seed run left no capture: see $OUT/seed-run.log"
{ cat "$OUT/run/certificate.json"; printf '\0'; cat "$OUT/run/certificate.json.sig"; } > "$S/certificate/signed.json"
cp "$OUT/run/certificate.json" "$S/certificate/unsigned.json"
export BCSIM_FUZZ_PARTIES="$PARTIES"
for t in $TARGETS; do
  [ -n "$(ls "$S/$t")" ] || fail "no seeds for $t: see $OUT/seed-run.log"
done

# The runs. A leak is a finding too; the seed is fixed so that a smoke run is
# the same run every time.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
printf '%-16s %12s %9s %8s %7s\n' target executions seconds exec/s crashes > "$OUT/table.txt"
bad=0
mkdir -p "$OUT/work"
for t in $TARGETS; do
  regress=
  [ -d "$SRC/tests/fuzz/regress/$t" ] && regress=$SRC/tests/fuzz/regress/$t
  start=$(date +%s)
  # From an empty folder: the certificate verifier rechecks the files a certificate names.
  if (cd "$OUT/work" && "$FB/tests/fuzz/fuzz_$t" -runs="$RUNS" -seed=1 -print_final_stats=1 \
    -artifact_prefix="$OUT/crashes/$t-" "$OUT/corpus/$t" "$S/$t" $regress) > "$OUT/$t.log" 2>&1; then
    crashes=0
  else
    crashes=1
    bad=1
    echo "FAIL: fuzz_$t found a crash: see $OUT/$t.log and $OUT/crashes/" >&2
  fi
  secs=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$t.log" | tail -1)
  printf '%-16s %12s %9s %8s %7s\n' "$t" "${execs:-?}" "$secs" "$(sed -n 's/^stat::average_exec_per_sec: *//p' "$OUT/$t.log" | tail -1)" \
    "$crashes" >> "$OUT/table.txt"
done
cat "$OUT/table.txt"
exit $bad
