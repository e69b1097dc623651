#!/usr/bin/env bash
# A host, a container and the metadata service on the real kernel, in network namespaces this script creates and
# deletes again: the "container" (eth0, 172.30.99.2) reaches the "host" over its docker0 veth, the host forwards
# 169.254.0.0/16 to a third namespace that holds 169.254.169.254 (IMDS) and 169.254.170.2 (the ECS agent's
# credential endpoint). Nothing listens there, so a reachable address refuses the connection at once (exit 1) and
# a dropped one times out (exit 124).
#
#   imds-lab.sh <script>   prints "before|after <address> <exit code>" for both addresses, before and after
#                          `<script> apply` runs in the host namespace (and Docker's FORWARD jump to DOCKER-USER),
#                          then the host's DOCKER-USER chain (iptables -S)
set -euo pipefail
script=$1
id=$$
H=fleet-imds-h-$id C=fleet-imds-c-$id M=fleet-imds-m-$id
cleanup() { for ns in "$H" "$C" "$M"; do ip netns del "$ns" 2>/dev/null || true; done; }
trap cleanup EXIT

for ns in "$H" "$C" "$M"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
# Created in this namespace under unique names, then moved and renamed: no clash with a real docker0.
ip link add "fa$id" type veth peer name "fb$id"
ip link set "fa$id" netns "$H"; ip link set "fb$id" netns "$C"
ip -n "$H" link set "fa$id" name docker0; ip -n "$C" link set "fb$id" name eth0
ip link add "fc$id" type veth peer name "fd$id"
ip link set "fc$id" netns "$H"; ip link set "fd$id" netns "$M"
ip -n "$H" link set "fc$id" name uplink; ip -n "$M" link set "fd$id" name eth0

ip -n "$H" addr add 172.30.99.1/24 dev docker0; ip -n "$H" link set docker0 up
ip -n "$H" addr add 10.99.0.1/30 dev uplink; ip -n "$H" link set uplink up
ip -n "$H" route add 169.254.0.0/16 via 10.99.0.2
ip netns exec "$H" sysctl -qw net.ipv4.ip_forward=1
ip -n "$C" addr add 172.30.99.2/24 dev eth0; ip -n "$C" link set eth0 up; ip -n "$C" route add default via 172.30.99.1
ip -n "$M" addr add 10.99.0.2/30 dev eth0; ip -n "$M" link set eth0 up; ip -n "$M" route add 172.30.99.0/24 via 10.99.0.1
ip -n "$M" addr add 169.254.169.254/32 dev lo; ip -n "$M" addr add 169.254.170.2/32 dev lo

probe() {
  local rc=0
  ip netns exec "$C" timeout 2 bash -c "exec 3<>/dev/tcp/$2/80" 2>/dev/null || rc=$?
  echo "$1 $2 $rc"
}
probe before 169.254.169.254
probe before 169.254.170.2
ip netns exec "$H" bash "$script" apply >/dev/null
# What Docker does when it starts: FORWARD jumps to DOCKER-USER first.
ip netns exec "$H" iptables -w -I FORWARD -j DOCKER-USER
probe after 169.254.169.254
probe after 169.254.170.2
ip netns exec "$H" iptables -w -S DOCKER-USER
