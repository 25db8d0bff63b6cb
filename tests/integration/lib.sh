# Shared helpers for the integration tests (POSIX sh).
fail() { echo "FAIL: $*" >&2; exit 1; }
# check_field REPORT CHECK_ID FIELD VALUE: the check's FIELD in report.json equals VALUE.
check_field() {
  grep -A8 "\"id\":[[:space:]]*\"$2\"" "$1" | grep -q "\"$3\":[[:space:]]*\"$4\"" ||
    fail "in $1, check $2 should have $3 = $4"
}
# hold_namespaces PATTERN DIR: notes (in DIR/namespaces) the namespaces of the processes
# whose command line matches PATTERN, and holds them open (tests/integration/namespaces.py).
hold_namespaces() { NS_PATTERN=$1 NS_DIR=$2 NS_OWNER=$$ python3 "$SRC/tests/integration/namespaces.py" hold; }
# namespaces_left DIR: those that a process still has, waiting up to 5 s for the dying
# ones; then lets them all go.
namespaces_left() {
  for i in $(seq 1 50); do
    ns_left=$(NS_DIR=$1 python3 "$SRC/tests/integration/namespaces.py" left)
    [ -z "$ns_left" ] && break
    sleep 0.1
  done
  NS_DIR=$1 python3 "$SRC/tests/integration/namespaces.py" release
  echo "$ns_left"
}
# bg_run CMD...: runs CMD in the background ($! is its pid), so that a test's
# independent runs wait for their labs side by side; bg_wait PID waits for one
# and gives its exit status. bg_stop, in the test's EXIT trap, stops those not
# waited for when the test ends early (a failure) with SIGTERM, which bcsim
# answers by tearing its labs down.
BG_PIDS=
bg_run() { "$@" & BG_PIDS="$BG_PIDS $!"; }
bg_wait() {
  bg_left=
  for bg_p in $BG_PIDS; do [ "$bg_p" = "$1" ] || bg_left="$bg_left $bg_p"; done
  BG_PIDS=$bg_left
  wait "$1"
}
bg_stop() { [ -z "$BG_PIDS" ] || { kill $BG_PIDS 2> /dev/null; wait; }; }
# judged_fairly RUN_DIR NAME EXIT: a client judged on the wire alone was judged fairly: no
# scenario failed or erred, no check was left unjudged because of its anchor, and enough was judged.
judged_fairly() { # RUN_DIR NAME EXIT
  [ "$3" = 0 ] || fail "$2: bcsim exited $3, expected 0"
  bad=$(jq -r '.scenarios[] | select(.verdict != "pass" and .verdict != "unsupported") | "\(.id) \(.verdict)"' "$1/report.json")
  [ -z "$bad" ] || fail "$2 was misjudged: $bad"
  anchors=$(jq -r '.scenarios[] | .id as $s | .checks[] | select(.message | test("anchor")) | "\($s)/\(.id): \(.message)"' "$1/report.json")
  [ -z "$anchors" ] || fail "$2: checks left unjudged because of their anchor: $anchors"
  n=$(jq '.summary.scenarios' "$1/report.json") p=$(jq '.summary.passed' "$1/report.json")
  [ "$n" -ge 52 ] || fail "$2 ran only $n scenarios"
  [ "$p" -ge 30 ] || fail "$2 passed only $p scenarios: too little is judged on the wire"
  echo "$2: $p of $n scenarios pass, $(jq '.summary.unsupported' "$1/report.json") unsupported, 0 failed"
}
