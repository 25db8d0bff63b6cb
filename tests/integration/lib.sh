# Shared helpers for the integration tests (POSIX sh).
fail() { echo "FAIL: $*" >&2; exit 1; }
# check_field REPORT CHECK_ID FIELD VALUE: the check's FIELD in report.json equals VALUE.
check_field() {
  grep -A8 "\"id\":[[:space:]]*\"$2\"" "$1" | grep -q "\"$3\":[[:space:]]*\"$4\"" ||
    fail "in $1, check $2 should have $3 = $4"
}
