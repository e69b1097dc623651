#!/usr/bin/env bash
# swarm-ctl: node housekeeping run on a manager. The swarm's SSM document installs it as /usr/local/sbin/swarm-ctl
# and runs it each time the node drainer calls (so a new version needs no new instances); operators may run it too. Nodes are found by their engine label
# fleet.instance-id, which node-boot.sh sets to the EC2 instance id.
#   swarm-ctl leave <instance-id>      demote (managers), drain, wait until its tasks have stopped, remove the node
#   swarm-ctl prune <id,id,...>        remove nodes that are down and whose instance is not in the given live list,
#                                      and forget their manager addresses (<prefix>/managers/<instance-id>)
#   swarm-ctl rebalance <instance-id>  once the node is ready, force a rolling update of every replicated service
#                                      whose placement constraints the node satisfies, so tasks spread onto it
set -euo pipefail

DRAIN_TIMEOUT="${SWARM_DRAIN_TIMEOUT:-300}"
READY_TIMEOUT="${SWARM_READY_TIMEOUT:-600}"
POLL_SECONDS="${SWARM_POLL_SECONDS:-5}"
# Where the manager addresses live; the swarm's SSM document sets it (operators running swarm-ctl by hand may not).
PREFIX="${SWARM_PARAMETER_PREFIX:-}"

log() { echo "swarm-ctl: $*" >&2; }

# node-boot.sh installs jq at boot; an operator's copy on another host may lack it.
if ! command -v jq >/dev/null 2>&1; then
  dnf install -y jq >&2 || { log "jq is missing and could not be installed"; exit 1; }
fi

# Drops <prefix>/managers/<instance-id>, so joiners never dial a dead manager first. Workers have none.
forget_manager() {
  local out
  if [[ -z $PREFIX ]]; then log "SWARM_PARAMETER_PREFIX is not set: $1's manager address (if any) stays registered"; return 0; fi
  if out=$(aws ssm delete-parameter --name "$PREFIX/managers/$1" 2>&1); then
    log "forgot the manager address of $1"
  elif [[ $out != *ParameterNotFound* ]]; then
    log "could not forget the manager address of $1: $out"
  fi
}

# How many tasks on node $1 still run or are about to. Draining flips their desired state to Shutdown at once;
# only the current state says whether the containers have really stopped.
# (Task JSON rather than a --format template: SSM would take the template's braces for a document parameter.)
active_tasks() {
  local ids json
  ids=$(docker node ps "$1" -q 2>/dev/null) || true
  if [[ -z $ids ]]; then echo 0; return; fi
  # A task that vanished meanwhile makes inspect fail but still print the others.
  # shellcheck disable=SC2086 # one argument per task id
  json=$(docker inspect --type task $ids 2>/dev/null) || true
  jq '[.[] | select(.Status.State as $s
    | ["new", "pending", "assigned", "accepted", "ready", "preparing", "starting", "running"] | index($s))] | length' <<<"${json:-[]}"
}

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
  local instance=$1 node role deadline active started=$SECONDS
  node=$(node_of "$instance")
  if [[ -z $node ]]; then log "no node for $instance: nothing to do"; return 0; fi
  role=$(docker node inspect "$node" | jq -r '.[0].Spec.Role')
  # A manager leaves the Raft quorum first, so removing it never costs the swarm its majority.
  if [[ $role == manager ]]; then docker node demote "$node"; fi
  docker node update --availability drain "$node"
  deadline=$((SECONDS + DRAIN_TIMEOUT))
  while active=$(active_tasks "$node") && ((active > 0)); do
    # A node that is down cannot stop anything: its tasks stay "running" in the managers' view until removed.
    if [[ $(docker node inspect "$node" | jq -r '.[0].Status.State') == down ]]; then log "$node is down: not waiting"; break; fi
    if ((SECONDS >= deadline)); then log "$active tasks still on $node after ${DRAIN_TIMEOUT}s: removing it anyway"; break; fi
    sleep "$POLL_SECONDS"
  done
  docker node rm --force "$node"
  if [[ $role == manager ]]; then forget_manager "$instance"; fi
  log "removed $node ($instance) after $((SECONDS - started))s"
}

prune() {
  local live=",$1," node instance role
  while read -r node instance role; do
    [[ -n $node ]] || continue
    if [[ $live == *",$instance,"* ]]; then continue; fi
    if [[ $role == manager ]]; then docker node demote "$node"; fi
    docker node rm --force "$node"
    log "pruned $node: instance $instance no longer exists"
    # Every pruned node, not only current managers: a node demoted before it died still had an address.
    forget_manager "$instance"
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
