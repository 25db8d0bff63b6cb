#!/bin/sh
# The lab of sim/lab/lab.c, built with iproute2 as a person would script it:
# a network namespace per host, a veth pair per link of the default site,
# dual-stack addresses and routes, permanent neighbour entries, no duplicate
# address detection, IPv6 addresses kept on link down, and the routers forwarding. bench/lab-updown.sh times it against bcsim's netlink path.
# The hosts, links and routes are the world's tables (`bcsim list --world`),
# which lab-updown.sh writes into DIR as plain lines before it times anything.
# Usage: lab-iproute2.sh up|down DIR   (only ever inside a private network and
# mount namespace: bench/lab-updown.sh runs it so; it would change the host)
set -eu
D=$2
HOSTS=$(cat "$D/hosts.txt")
case "${1:-}" in
up)
  for h in $HOSTS; do
    ip netns add $h
    # Before any link exists, so every interface inherits it (as lab.c does).
    ip netns exec $h sh -c 'cd /proc/sys/net/ipv6/conf && echo 0 > default/accept_dad && echo 0 > all/accept_dad &&
      echo 1 > default/keep_addr_on_down && echo 1 > all/keep_addr_on_down'
    ip -n $h link set lo up
  done
  # a link b: a veth whose ends land in a and b
  while read -r a l b; do
    ip link add $l netns $a type veth peer name $l netns $b
  done < "$D/veths.txt"
  # host link v4 v6, for each end
  while read -r h l a4 a6; do
    ip -n $h link set $l up
    ip -n $h addr add $a4 dev $l
    ip -n $h addr add $a6 dev $l nodad
  done < "$D/links.txt"
  while read -r h dst via; do
    ip -n $h route add $dst via $via metric 100
  done < "$D/routes.txt"
  # Each end knows its peer's MAC for good, as lab.c sets it (no ARP or neighbour discovery).
  while read -r a l b; do
    ma=$(ip -n $a -br link show dev $l | awk '{print $3}')
    mb=$(ip -n $b -br link show dev $l | awk '{print $3}')
    for end in "$a $mb $b" "$b $ma $a"; do
      set -- $end
      awk -v h="$3" -v l="$l" '$1 == h && $2 == l { print $3; print $4 }' "$D/links.txt" | while read -r addr; do
        ip -n $1 neigh replace ${addr%/*} lladdr $2 dev $l nud permanent
      done
    done
  done < "$D/veths.txt"
  for h in $(cat "$D/routers.txt"); do
    ip netns exec $h sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward && echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'
  done
  ;;
down)
  for h in $HOSTS; do ip netns del $h; done
  ;;
*)
  echo "usage: lab-iproute2.sh up|down DIR" >&2
  exit 2
  ;;
esac
