#!/usr/bin/env bash
# One simulated EC2 instance of the real-engine suite (test/swarm/real-engine.test.ts). Runs inside the node's own
# network namespace (nsenter --net) and a fresh mount and UTS namespace (unshare -m -u --propagation private), so
# nothing below is seen by the host:
#   /etc and /usr/local  overlays whose writes land in the node's directory (daemon.json, node.env, the systemd
#                        drop-in, the installed boot scripts and swarm-ctl);
#   /run, /var/lib/docker  tmpfs: the node's own engine socket, containerd and image store, gone with the node.
# Then it runs the user data given as $2 as cloud-init would: bash, as root.
set -euo pipefail
node_dir=$1 user_data=$2

hostname "$NODE_NAME"
for tree in etc usr-local; do mkdir -p "$node_dir/$tree-upper" "$node_dir/$tree-work"; done
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$node_dir/etc-upper,workdir=$node_dir/etc-work" /etc
mount -t overlay overlay -o "lowerdir=/usr/local,upperdir=$node_dir/usr-local-upper,workdir=$node_dir/usr-local-work" /usr/local
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /var/lib/docker
mount -t tmpfs -o mode=0710 tmpfs /var/lib/docker

exec bash "$user_data"
