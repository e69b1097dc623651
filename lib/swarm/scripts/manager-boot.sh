#!/usr/bin/env bash
# Manager half of the boot, sourced by node-boot.sh once the engine runs (it uses that script's variables and
# its read_parameter / join_once functions):
#   6. takes the bootstrap lock: an SSM PutParameter without --overwrite succeeds for exactly one caller;
#   7. the winner runs `docker swarm init` (overlay networks from SWARM_DEFAULT_ADDR_POOL, outside the VPC) and
#      stores both join tokens as KMS-encrypted SecureStrings; every other manager joins with the manager token;
#   7b. a manager that cannot join while the lock holder and every registered manager are gone from EC2 (the whole
#      manager group was lost) takes a recovery lock for that holder and initialises a new swarm in its place;
#   8. registers its address under <prefix>/managers/<instance-id>, where workers and later managers find it;
#   9. stops accepting tasks unless SWARM_MANAGERS_ACCEPT_TASKS=true.
set -euo pipefail

KMS_KEY="${SWARM_KMS_KEY_ID:?SWARM_KMS_KEY_ID must name the KMS key of the join tokens}"
# A younger bootstrap lock is never taken over: its holder may still be initialising, and EC2 may not list a
# brand-new instance yet (DescribeInstances is eventually consistent: InvalidInstanceID.NotFound at first).
STALE_LOCK_SECONDS="${SWARM_STALE_LOCK_SECONDS:-300}"

# 0 = this instance holds the lock $1, 1 = another instance does, 2 = the call failed (throttled, no network): retry.
take_lock() {
  local err
  if err=$(aws ssm put-parameter --name "$1" --type String --value "$INSTANCE_ID" 2>&1 >/dev/null); then
    return 0
  fi
  if [[ $err == *ParameterAlreadyExists* ]]; then return 1; fi
  log "bootstrap lock: $1: $err"
  return 2
}

# Explicit failure checks: recovery calls this inside a condition, where `set -e` does not apply.
init_swarm() {
  local pool=() kind token
  if [[ -n ${SWARM_DEFAULT_ADDR_POOL:-} ]]; then
    pool=(--default-addr-pool "$SWARM_DEFAULT_ADDR_POOL" --default-addr-pool-mask-length "${SWARM_DEFAULT_ADDR_POOL_MASK_LENGTH:-24}")
  fi
  docker swarm init --advertise-addr "$ADVERTISE_ADDR" "${pool[@]}" || return 1
  for kind in worker manager; do
    token=$(docker swarm join-token -q "$kind") || return 1
    aws ssm put-parameter --name "$PREFIX/$kind-token" --type SecureString --key-id "$KMS_KEY" --overwrite \
      --value "$token" >/dev/null || return 1
  done
}

# Succeeds when EC2 says the instance is gone: unknown (terminated long ago), terminated or shutting down. An
# instance whose state cannot be read counts as alive, so a throttled call never starts a second swarm.
instance_gone() {
  local out
  if out=$(aws ec2 describe-instances --instance-ids "$1" --query 'Reservations[].Instances[].State.Name' --output text 2>&1); then
    [[ $out == terminated || $out == shutting-down ]]
  else
    [[ $out == *InvalidInstanceID.NotFound* || $out == *InvalidInstanceID.Malformed* ]]
  fi
}

# Succeeds (and sets STALE_HOLDER) when nobody can ever answer a join: the bootstrap lock is older than
# STALE_LOCK_SECONDS, and its holder and every registered manager are gone from EC2.
swarm_lost() {
  local holder names name taken
  holder=$(aws ssm get-parameter --name "$PREFIX/init-lock" --query Parameter.Value --output text 2>/dev/null) || return 1
  taken=$(aws ssm get-parameter --name "$PREFIX/init-lock" --query Parameter.LastModifiedDate --output text 2>/dev/null) || return 1
  taken=$(date -d "$taken" +%s 2>/dev/null) || return 1
  (($(date +%s) - taken >= STALE_LOCK_SECONDS)) || return 1
  names=$(aws ssm get-parameters-by-path --path "$PREFIX/managers" --query 'Parameters[].Name' --output text) || return 1
  instance_gone "$holder" || return 1
  for name in $names; do
    instance_gone "${name##*/}" || return 1
  done
  STALE_HOLDER=$holder
}

# Starts a new swarm in place of the lost one; exactly one manager wins the recovery lock of the stale holder.
recover() {
  local lock=0 name
  take_lock "$PREFIX/recovery-lock/$STALE_HOLDER" || lock=$?
  if ((lock != 0)); then return 1; fi
  log "recovery: the lock holder $STALE_HOLDER and every registered manager are gone; starting a new swarm"
  aws ssm put-parameter --name "$PREFIX/init-lock" --type String --overwrite --value "$INSTANCE_ID" >/dev/null
  for name in $(aws ssm get-parameters-by-path --path "$PREFIX/managers" --query 'Parameters[].Name' --output text); do
    aws ssm delete-parameter --name "$name" || log "could not delete the stale address $name"
  done
  if ! init_swarm; then log "recovery: could not initialise the new swarm"; exit 1; fi
}

lock_deadline=$((SECONDS + JOIN_TIMEOUT))
while :; do
  lock=0
  take_lock "$PREFIX/init-lock" || lock=$?
  if ((lock < 2)); then break; fi
  if ((SECONDS > lock_deadline)); then log "could not reach SSM to take the bootstrap lock"; exit 1; fi
  sleep "$RETRY_SECONDS"
done

if ((lock == 0)); then
  log "won the bootstrap lock: initialising the swarm"
  init_swarm
else
  log "the swarm is initialised by another manager: joining it"
  deadline=$((SECONDS + JOIN_TIMEOUT))
  until join_once "$PREFIX/manager-token"; do
    if swarm_lost && recover; then break; fi
    if ((SECONDS > deadline)); then
      if read_parameter "$PREFIX/manager-token" >/dev/null; then
        log "giving up: could not join through any registered manager within ${JOIN_TIMEOUT}s"
      else
        log "giving up: no join token in $PREFIX/manager-token after ${JOIN_TIMEOUT}s (the lock holder $(aws ssm get-parameter --name "$PREFIX/init-lock" --query Parameter.Value --output text 2>/dev/null || echo unknown) never stored it)"
      fi
      exit 1
    fi
    sleep "$RETRY_SECONDS"
  done
fi

# Registered only once this manager is in the swarm, so a joiner never tries an address that cannot answer.
aws ssm put-parameter --name "$PREFIX/managers/$INSTANCE_ID" --type String --overwrite --value "$ADVERTISE_ADDR" >/dev/null

if [[ ${SWARM_MANAGERS_ACCEPT_TASKS:-false} != true ]]; then
  docker node update --availability drain "$(docker info --format '{{.Swarm.NodeID}}')"
fi
log "manager ready"
