#!/bin/sh
# The lab of sim/lab/lab.c, built with iproute2 as a person would script it:
# 4 network namespaces, 3 veth pairs, dual-stack addresses and routes, no
# duplicate address detection, IPv6 addresses kept on link down, and the
# router forwarding. bench/lab-updown.sh times it against bcsim's netlink path.
# Usage: lab-iproute2.sh up|down   (only ever inside a private network and
# mount namespace: bench/lab-updown.sh runs it so; it would change the host)
set -eu
HOSTS="client router internet datacenter"
case "${1:-}" in
up)
  for h in $HOSTS; do
    ip netns add $h
    # Before any link exists, so every interface inherits it (as lab.c does).
    ip netns exec $h sh -c 'cd /proc/sys/net/ipv6/conf && echo 0 > default/accept_dad && echo 0 > all/accept_dad &&
      echo 1 > default/keep_addr_on_down && echo 1 > all/keep_addr_on_down'
    ip -n $h link set lo up
  done
  ip link add lan0 netns client type veth peer name lan0 netns router
  ip link add isp0 netns internet type veth peer name isp0 netns router
  ip link add wan0 netns datacenter type veth peer name wan0 netns router
  # host link v4 v6, for each end
  while read -r h l a4 a6; do
    ip -n $h link set $l up
    ip -n $h addr add $a4 dev $l
    ip -n $h addr add $a6 dev $l nodad
  done <<LINKS
client lan0 192.0.2.10/26 2001:db8:1::10/64
router lan0 192.0.2.1/26 2001:db8:1::1/64
internet isp0 192.0.2.66/30 2001:db8:f1::2/64
router isp0 192.0.2.65/30 2001:db8:f1::1/64
datacenter wan0 192.0.2.70/30 2001:db8:f2::2/64
router wan0 192.0.2.69/30 2001:db8:f2::1/64
LINKS
  while read -r h dst via; do
    ip -n $h route add $dst via $via metric 100
  done <<ROUTES
client default 192.0.2.1
client ::/0 2001:db8:1::1
internet default 192.0.2.65
internet ::/0 2001:db8:f1::1
datacenter default 192.0.2.69
datacenter ::/0 2001:db8:f2::1
router 203.0.113.0/24 192.0.2.66
router 2001:db8:100::/64 2001:db8:f1::2
router 198.51.100.0/24 192.0.2.70
router 2001:db8:200::/64 2001:db8:f2::2
ROUTES
  ip netns exec router sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward && echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'
  ;;
down)
  for h in $HOSTS; do ip netns del $h; done
  ;;
*)
  echo "usage: lab-iproute2.sh up|down" >&2
  exit 2
  ;;
esac
