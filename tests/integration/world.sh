#!/bin/sh
# A world by hand: bcsim serve keeps a world up with the keys of `bcsim bc`;
# bcsim exec runs commands in its client host without capabilities (the
# reference client reaches the cloud from there); bcsim fault switches a
# fault and back; Ctrl-C stops it and leaves nothing. bcsim run --keep keeps
# a failed lab for bcsim exec until Ctrl-C, and the run still fails.
set -u
BCSIM=$1 CLIENT=$2 SRC=$3
. "$SRC/tests/integration/lib.sh"
T=$(mktemp -d)
SERVE=
cleanup() { # a serve still running (the test failed) is stopped, and given up to 15 s to go
  if [ -n "$SERVE" ]; then
    kill -INT "$SERVE" 2> /dev/null
    for i in $(seq 1 150); do kill -0 "$SERVE" 2> /dev/null || break; sleep 0.1; done
  fi
  rm -rf "$T"
}
trap cleanup EXIT
export BCSIM_STATE_DIR="$T/state"
W="--world t1"
wait_for() { # FILE TEXT SECONDS
  i=0
  while ! grep -q "$2" "$1" 2> /dev/null; do
    i=$((i + 1))
    [ $i -gt $(($3 * 10)) ] && return 1
    sleep 0.1
  done
}

"$BCSIM" exec $W -- true > /dev/null 2>&1
[ $? = 3 ] || fail "exec without a running world should be exit 3"

"$BCSIM" serve $W > "$T/serve.txt" 2>&1 &
SERVE=$!
wait_for "$T/serve.txt" "is up" 30 || fail "bcsim serve did not come up: $(cat "$T/serve.txt")"
# The lab's addresses are the world's tables' (bcsim list --world), never typed here.
addr() { "$BCSIM" list --world | jq -r --arg r "$1" '[.parties[] | select(.role == $r or .name == $r)][0].v4'; }
for want in "pcc1 *datacenter *pcc1.bc.example.com *$(addr pcc1)" "c2site.bc.example.com" "BC config" "Thumbprint"; do
  grep -q "$want" "$T/serve.txt" || fail "bcsim serve does not print $want"
done
"$BCSIM" serve $W > /dev/null 2>&1
[ $? = 2 ] || fail "serving the same world twice should be refused"

caps=$("$BCSIM" exec $W -- sh -c 'grep CapEff /proc/self/status') || fail "exec failed"
[ "$(echo "$caps" | tr -d '[:space:]')" = "CapEff:0000000000000000" ] || fail "exec runs with capabilities: $caps"
"$BCSIM" exec $W -- sh -c 'cat /etc/resolv.conf' | grep -q "nameserver $(addr resolver)" || fail "exec does not see the lab's resolv.conf"
n=$("$BCSIM" exec $W -- getent hosts any2bcp.bc.example.com | wc -l)
[ "$n" = 2 ] || fail "the client host resolves any2bcp.bc.example.com to $n addresses, expected 2"
"$BCSIM" exec $W -- sh -c 'echo $BCSIM_THUMBPRINT' > "$T/thumb"
[ "$(cat "$T/thumb")" = "$("$BCSIM" bc thumbprint $W)" ] || fail "the served world's thumbprint is not the one bcsim bc prints"
"$BCSIM" bc download-config $W -o "$T/cfg.json" > /dev/null
"$CLIENT" check-config --config "$T/cfg.json" --thumbprint "$(cat "$T/thumb")" > /dev/null || fail "the downloaded config does not verify"

"$BCSIM" fault on dns.nxdomain dns --param 'name=any2bcp.${bc_domain}' $W > /dev/null || fail "fault on failed"
"$BCSIM" exec $W -- getent hosts any2bcp.bc.example.com > /dev/null && fail "the fault did not take effect"
"$BCSIM" fault off dns.nxdomain dns --param 'name=any2bcp.${bc_domain}' $W > /dev/null || fail "fault off failed"
"$BCSIM" exec $W -- getent hosts any2bcp.bc.example.com > /dev/null || fail "the fault did not go off"
"$BCSIM" fault on dns.nxdomian dns $W > /dev/null 2>&1
[ $? = 2 ] || fail "a misspelt fault should be exit 2"
# Without capabilities, the client host cannot change the lab that judges it.
"$BCSIM" exec $W -- ip link set lan0 down > /dev/null 2>&1 && fail "exec could take the client's link down"
"$BCSIM" exec $W -- sh -c "echo x > '$T/exec-pwned'" 2> /dev/null
[ ! -e "$T/exec-pwned" ] || fail "exec could write on the host, outside the client's state dir"
"$BCSIM" exec $W -- sh -c 'echo ok > "$BCSIM_STATE_DIR/exec-ok"' || fail "exec cannot write the client's state dir"
# The client runs until it says its tunnel is up (30 s at most, a bound that only keeps the test from hanging).
"$BCSIM" exec $W -- sh -c "'$CLIENT' run --config \"\$BCSIM_CONFIG\" --state \"\$BCSIM_STATE_DIR\" --trust \"\$BCSIM_TRUST_STORE\" \
  2> \"\$BCSIM_STATE_DIR/client.txt\" & p=\$!
  for i in \$(seq 1 300); do grep -q 'tunnel up' \"\$BCSIM_STATE_DIR/client.txt\" && break; sleep 0.1; done
  kill \$p; wait \$p; cat \"\$BCSIM_STATE_DIR/client.txt\" >&2" > /dev/null 2> "$T/client.txt"
grep -q "tunnel up: cloud via se1" "$T/client.txt" || fail "the reference client got no tunnel in the served world: $(cat "$T/client.txt")"

kill -INT $SERVE
i=0
while kill -0 $SERVE 2> /dev/null; do
  i=$((i + 1))
  [ $i -gt 150 ] && fail "bcsim serve did not stop within 15 s of Ctrl-C"
  sleep 0.1
done
wait $SERVE
rc=$?
SERVE=
[ $rc = 0 ] || fail "bcsim serve stopped with exit $rc, expected 0"
pgrep -f "__lab.*$T/" > /dev/null && fail "a served lab is left running" # this test's own only: others run beside it
E="$BCSIM_STATE_DIR/worlds/t1/serve/events.jsonl"
grep -q '"type":"fault.on".*"name":"dns.nxdomain"' "$E" || fail "the switched fault is not in events.jsonl"
grep -q '"sni":"broker.zpa.example.net"' "$E" || fail "the client's ClientHello is not in events.jsonl"
[ ! -e "$BCSIM_STATE_DIR/worlds/t1/serve/lab.json" ] || fail "lab.json outlived the world"

# A world kept with its own BC domain serves it, and ${bc_domain} in a fault is that domain.
"$BCSIM" serve --world corp --bc-domain corp.example.test > "$T/corp.txt" 2>&1 &
SERVE=$!
wait_for "$T/corp.txt" "is up" 30 || fail "bcsim serve --bc-domain did not come up: $(cat "$T/corp.txt")"
grep -q "any2bcp.corp.example.test" "$T/corp.txt" || fail "the served page does not show the world's own BC domain"
[ "$("$BCSIM" exec --world corp -- sh -c 'echo $BCSIM_BC_DOMAIN')" = corp.example.test ] ||
  fail "the lab publishes another BC domain than the world's"
"$BCSIM" fault on dns.nxdomain dns --param 'name=any2bcp.${bc_domain}' --world corp > /dev/null || fail "fault on failed"
"$BCSIM" exec --world corp -- getent hosts any2bcp.corp.example.test > /dev/null &&
  fail "\${bc_domain} in a fault is not the served world's domain"
kill -INT $SERVE
wait $SERVE
SERVE=

# --keep: a failed lab stays up for exec until Ctrl-C; the run still exits 1.
"$BCSIM" run --keep --client "$SRC/fixtures/clients/defect-wrong-sni.json" --out "$T/k" "$SRC/scenarios/cloud-down.json" \
  > "$T/keep.txt" 2>&1 &
RUN=$!
wait_for "$T/keep.txt" "Ctrl-C tears them down" 60 || fail "no failed lab was kept: $(cat "$T/keep.txt")"
grep -q "bcsim shell --lab $T/k/cloud-down" "$T/keep.txt" || fail "the run does not say how to reach the kept lab"
"$BCSIM" exec --lab "$T/k/cloud-down" -- getent hosts any2bcp.bc.example.com > /dev/null || fail "exec cannot reach the kept lab"
[ -s "$T/k/report.json" ] || fail "the report is not written before the labs are released"
kill -INT $RUN
wait $RUN
rc=$?
[ $rc = 1 ] || fail "run --keep exits $rc after Ctrl-C, expected the run's own 1"
pgrep -f "__lab.*$T/k/" > /dev/null && fail "a kept lab is left running"
echo "1 passed, 0 failed"
