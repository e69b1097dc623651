#!/usr/bin/env bash
# Manager half of the boot, sourced by node-boot.sh once the engine runs (it uses that script's variables and
# its wait_for_parameter / join_swarm functions):
#   6. takes the bootstrap lock: an SSM PutParameter without --overwrite succeeds for exactly one caller;
#   7. the winner runs `docker swarm init` and stores both join tokens as KMS-encrypted SecureStrings;
#      every other manager waits for the manager token and joins;
#   8. registers its address under <prefix>/managers/<instance-id>, where workers and later managers find it;
#   9. stops accepting tasks unless SWARM_MANAGERS_ACCEPT_TASKS=true.
set -euo pipefail

KMS_KEY="${SWARM_KMS_KEY_ID:?SWARM_KMS_KEY_ID must name the KMS key of the join tokens}"

# 0 = this instance holds the lock, 1 = another instance does, 2 = the call failed (throttled, no network): retry.
take_lock() {
  local err
  if err=$(aws ssm put-parameter --name "$PREFIX/init-lock" --type String --value "$INSTANCE_ID" 2>&1 >/dev/null); then
    return 0
  fi
  if [[ $err == *ParameterAlreadyExists* ]]; then return 1; fi
  log "bootstrap lock: $err"
  return 2
}

lock_deadline=$((SECONDS + JOIN_TIMEOUT))
while :; do
  lock=0
  take_lock || lock=$?
  if ((lock < 2)); then break; fi
  if ((SECONDS > lock_deadline)); then log "could not reach SSM to take the bootstrap lock"; exit 1; fi
  sleep "$RETRY_SECONDS"
done

if ((lock == 0)); then
  log "won the bootstrap lock: initialising the swarm"
  docker swarm init --advertise-addr "$ADVERTISE_ADDR"
  for kind in worker manager; do
    aws ssm put-parameter --name "$PREFIX/$kind-token" --type SecureString --key-id "$KMS_KEY" --overwrite \
      --value "$(docker swarm join-token -q "$kind")" >/dev/null
  done
else
  log "the swarm is initialised by another manager: joining it"
  join_swarm "$(wait_for_parameter "$PREFIX/manager-token")"
fi

# Registered only once this manager is in the swarm, so a joiner never tries an address that cannot answer.
aws ssm put-parameter --name "$PREFIX/managers/$INSTANCE_ID" --type String --overwrite --value "$ADVERTISE_ADDR" >/dev/null

if [[ ${SWARM_MANAGERS_ACCEPT_TASKS:-false} != true ]]; then
  docker node update --availability drain "$(docker info --format '{{.Swarm.NodeID}}')"
fi
log "manager ready"
