#!/usr/bin/env bash
# swarm-ctl: node housekeeping run on a manager. The swarm's SSM document installs it as /usr/local/sbin/swarm-ctl
# and runs it each time the node drainer calls (so a new version needs no new instances); operators may run it too. Nodes are found by their engine label
# fleet.instance-id, which node-boot.sh sets to the EC2 instance id.
#   swarm-ctl leave <instance-id>      demote (managers), drain, wait for the tasks to move, remove the node
#   swarm-ctl prune <id,id,...>        remove nodes that are down and whose instance is not in the given live list
#   swarm-ctl rebalance <instance-id>  once the node is ready, force a rolling update of every replicated service
#                                      whose placement constraints the node satisfies, so tasks spread onto it
set -euo pipefail

DRAIN_TIMEOUT="${SWARM_DRAIN_TIMEOUT:-300}"
READY_TIMEOUT="${SWARM_READY_TIMEOUT:-600}"
POLL_SECONDS="${SWARM_POLL_SECONDS:-5}"

log() { echo "swarm-ctl: $*" >&2; }

# All nodes as one JSON array (docker node inspect output).
nodes_json() {
  local ids
  ids=$(docker node ls -q)
  if [[ -z $ids ]]; then echo '[]'; return; fi
  # shellcheck disable=SC2086 # one argument per node id
  docker node inspect $ids
}

# The node id of the instance in $1, or nothing when it is not in the swarm.
node_of() {
  nodes_json | jq -r --arg id "$1" '.[] | select(.Description.Engine.Labels["fleet.instance-id"] == $id) | .ID' | head -n 1
}

leave() {
  local instance=$1 node role deadline
  node=$(node_of "$instance")
  if [[ -z $node ]]; then log "no node for $instance: nothing to do"; return 0; fi
  role=$(docker node inspect "$node" | jq -r '.[0].Spec.Role')
  # A manager leaves the Raft quorum first, so removing it never costs the swarm its majority.
  if [[ $role == manager ]]; then docker node demote "$node"; fi
  docker node update --availability drain "$node"
  deadline=$((SECONDS + DRAIN_TIMEOUT))
  while [[ -n $(docker node ps "$node" --filter desired-state=running -q) ]]; do
    if ((SECONDS > deadline)); then log "tasks still on $node after ${DRAIN_TIMEOUT}s: removing it anyway"; break; fi
    sleep "$POLL_SECONDS"
  done
  docker node rm --force "$node"
  log "removed $node ($instance)"
}

prune() {
  local live=",$1," node instance role
  while read -r node instance role; do
    [[ -n $node ]] || continue
    if [[ $live == *",$instance,"* ]]; then continue; fi
    if [[ $role == manager ]]; then docker node demote "$node"; fi
    docker node rm --force "$node"
    log "pruned $node: instance $instance no longer exists"
  done < <(nodes_json | jq -r '.[]
    | select(.Status.State == "down" and (.Description.Engine.Labels["fleet.instance-id"] // "") != "")
    | "\(.ID) \(.Description.Engine.Labels["fleet.instance-id"]) \(.Spec.Role)"')
}

rebalance() {
  local instance=$1 node node_json services deadline=$((SECONDS + READY_TIMEOUT))
  while :; do
    node=$(node_of "$instance")
    if [[ -n $node ]]; then
      node_json=$(docker node inspect "$node")
      if [[ $(jq -r '.[0].Status.State' <<<"$node_json") == ready ]]; then break; fi
    fi
    if ((SECONDS > deadline)); then log "$instance did not join within ${READY_TIMEOUT}s: nothing rebalanced"; return 0; fi
    sleep "$POLL_SECONDS"
  done
  services=$(docker service ls -q --filter mode=replicated)
  if [[ -z $services ]]; then return 0; fi
  # A constraint the node cannot be judged on (node.hostname, node.platform...) makes the service not match:
  # restarting tasks that could not move anyway would only cost availability.
  # shellcheck disable=SC2086 # one argument per service id
  docker service inspect $services | jq -r --argjson node "$node_json" '
    ($node[0]) as $n
    | def holds:
        (capture("^\\s*(?<k>[^=!\\s]+)\\s*(?<op>==|!=)\\s*(?<v>.*?)\\s*$") // null) as $c
        | if $c == null then false
          else ($c.k | if startswith("engine.labels.") then ($n.Description.Engine.Labels // {})[.[14:]]
                       elif startswith("node.labels.") then ($n.Spec.Labels // {})[.[12:]]
                       elif . == "node.role" then $n.Spec.Role
                       else "\u0000unknown" end) as $actual
            | if $actual == "\u0000unknown" then false
              elif $c.op == "==" then $actual == $c.v
              else $actual != $c.v end
          end;
    .[] | select([(.Spec.TaskTemplate.Placement.Constraints // [])[] | holds] | all) | .Spec.Name' |
    while read -r service; do
      log "rebalancing $service onto $node"
      docker service update --force --detach "$service" >/dev/null
    done
}

case "${1:-}" in
  leave) leave "${2:?instance id}" ;;
  prune) prune "${2:-}" ;;
  rebalance) rebalance "${2:?instance id}" ;;
  *) echo "usage: swarm-ctl leave <instance-id> | prune <live-instance-ids> | rebalance <instance-id>" >&2; exit 2 ;;
esac
