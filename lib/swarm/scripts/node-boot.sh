#!/usr/bin/env bash
# Boots one Docker Swarm node on Amazon Linux 2023 (managers and workers alike):
#   1. reads the instance id, private address and tags through IMDSv2,
#   2. turns every `docker.<label>` tag into an engine label (daemon.json "labels"),
#   3. writes the exported tags (SWARM_EXPORT_TAGS) to an environment file the engine and services can read,
#   4. points the engine at the registry mirrors and starts it,
#   5. joins the swarm (workers here; managers hand over to manager-boot.sh, which may initialise it).
# Inputs come from the environment (the generated header of the user data); every path and endpoint can be
# overridden so tests run this script against a fake IMDS endpoint and stub `docker` and `aws` commands.
set -euo pipefail

IMDS="${SWARM_IMDS_ENDPOINT:-http://169.254.169.254}"
ROLE="${SWARM_NODE_ROLE:?SWARM_NODE_ROLE must be manager or worker}"
PREFIX="${SWARM_PARAMETER_PREFIX:?SWARM_PARAMETER_PREFIX must name the SSM parameter path of the swarm}"
DAEMON_JSON="${SWARM_DAEMON_JSON:-/etc/docker/daemon.json}"
ENV_FILE="${SWARM_ENV_FILE:-/etc/swarm/node.env}"
SYSTEMD_DIR="${SWARM_SYSTEMD_DIR:-/etc/systemd/system/docker.service.d}"
JOIN_TIMEOUT="${SWARM_JOIN_TIMEOUT:-900}"
RETRY_SECONDS="${SWARM_RETRY_SECONDS:-10}"
MANAGER_BOOT="${SWARM_MANAGER_BOOT:-$(dirname "$0")/manager-boot.sh}"

log() { echo "swarm-node-boot: $*" >&2; }

# jq builds daemon.json here and reads swarm state on the managers; not every Amazon Linux 2023 image ships it
# (minimal AMIs do not), so install it rather than fail halfway through the boot.
if ! command -v jq >/dev/null 2>&1; then
  log "jq is missing: installing it"
  if ! dnf install -y jq >&2; then log "could not install jq"; exit 1; fi
fi

# --- 1. instance identity and tags through IMDSv2 -------------------------------------------------------------
IMDS_TOKEN=$(curl -fsS --retry 5 --retry-connrefused -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$IMDS/latest/api/token")
imds() { curl -fsS --retry 3 -H "X-aws-ec2-metadata-token: $IMDS_TOKEN" "$IMDS/latest/meta-data/$1"; }

INSTANCE_ID=$(imds instance-id)
ADVERTISE_ADDR=$(imds local-ipv4)
AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$(imds placement/region)}"
export AWS_DEFAULT_REGION
if ! TAG_KEYS=$(imds tags/instance); then
  log "cannot list the instance tags: instance metadata tags must be enabled (InstanceMetadataTags=enabled)"
  exit 1
fi
log "instance $INSTANCE_ID at $ADVERTISE_ADDR in $AWS_DEFAULT_REGION, role $ROLE"

tag_value() { imds "tags/instance/${1// /%20}"; }

# --- 2. docker.* tags -> engine labels ----------------------------------------------------------------------------
# fleet.instance-id lets the managers map a swarm node back to its EC2 instance (drain, prune, rebalance).
labels=("fleet.instance-id=$INSTANCE_ID")
while IFS= read -r key; do
  [[ $key == docker.* ]] || continue
  name=${key#docker.}
  if [[ ! $name =~ ^[a-z0-9]+([.-][a-z0-9]+)*$ || $name == fleet.* ]]; then
    log "skipping tag '$key': '$name' is not a valid engine label name"
    continue
  fi
  value=$(tag_value "$key")
  labels+=("$name=$value")
done <<<"$TAG_KEYS"

# --- 3. exported tags -> environment file ------------------------------------------------------------------------
# SWARM_EXPORT_TAGS holds "tag.key=VARIABLE" pairs separated by spaces; a tag key may itself contain '=',
# a variable name never does, so the last '=' splits the pair.
env_lines=()
for pair in ${SWARM_EXPORT_TAGS:-}; do
  key=${pair%=*}
  var=${pair##*=}
  if ! grep -qxF -- "$key" <<<"$TAG_KEYS"; then
    log "tag '$key' is not on this instance; $var is not exported"
    continue
  fi
  value=$(tag_value "$key")
  env_lines+=("$var=$value")
done

mkdir -p "$(dirname "$ENV_FILE")"
if ((${#env_lines[@]})); then
  printf '%s\n' "${env_lines[@]}" | sort >"$ENV_FILE.tmp"
else
  : >"$ENV_FILE.tmp"
fi
chmod 0644 "$ENV_FILE.tmp"
mv "$ENV_FILE.tmp" "$ENV_FILE"

# --- 4. daemon.json and the engine -------------------------------------------------------------------------------
json_array() { if (($#)); then printf '%s\n' "$@" | jq -R . | jq -sc .; else echo '[]'; fi; }
labels_json=$(json_array "${labels[@]}" | jq -c 'sort')
# shellcheck disable=SC2086 # word splitting of the space-separated lists is intended
mirrors_json=$(json_array ${SWARM_REGISTRY_MIRRORS:-})
# shellcheck disable=SC2086
insecure_json=$(json_array ${SWARM_INSECURE_REGISTRIES:-})

mkdir -p "$(dirname "$DAEMON_JSON")"
existing='{}'
if [[ -s $DAEMON_JSON ]]; then existing=$(cat "$DAEMON_JSON"); fi
jq --argjson labels "$labels_json" --argjson mirrors "$mirrors_json" --argjson insecure "$insecure_json" '
  . + {labels: $labels}
  + (if ($mirrors | length) > 0 then {"registry-mirrors": $mirrors} else {} end)
  + (if ($insecure | length) > 0 then {"insecure-registries": $insecure} else {} end)
' <<<"$existing" >"$DAEMON_JSON.tmp"
mv "$DAEMON_JSON.tmp" "$DAEMON_JSON"

# The engine reads the exported variables too, so plugins and log drivers configured from them work.
mkdir -p "$SYSTEMD_DIR"
printf '[Service]\nEnvironmentFile=-%s\n' "$ENV_FILE" >"$SYSTEMD_DIR/swarm-node-env.conf"

if ! command -v docker >/dev/null 2>&1; then
  dnf install -y docker
fi
systemctl daemon-reload
systemctl enable --now docker
deadline=$((SECONDS + 120))
until docker info >/dev/null 2>&1; do
  if ((SECONDS > deadline)); then log "the Docker engine did not start"; exit 1; fi
  sleep 1
done

# --- 5. join -----------------------------------------------------------------------------------------------------
# Prints the decrypted value of a parameter; fails when it does not exist or is empty.
read_parameter() {
  local value
  value=$(aws ssm get-parameter --name "$1" --with-decryption --query Parameter.Value --output text 2>/dev/null) || return 1
  [[ -n $value && $value != None ]] || return 1
  printf '%s' "$value"
}

# Prints the value of a parameter once it exists (the first manager writes the tokens after `swarm init`).
wait_for_parameter() {
  local value deadline=$((SECONDS + JOIN_TIMEOUT))
  until value=$(read_parameter "$1"); do
    if ((SECONDS > deadline)); then log "parameter $1 did not appear within ${JOIN_TIMEOUT}s"; return 1; fi
    sleep "$RETRY_SECONDS"
  done
  printf '%s' "$value"
}

# One round: every registered manager once, with the token in parameter $1. The token is read again each round:
# a swarm recovered after losing all its managers has new tokens.
join_once() {
  local token managers manager
  token=$(read_parameter "$1") || return 1
  managers=$(aws ssm get-parameters-by-path --path "$PREFIX/managers" --query 'Parameters[].Value' --output text || true)
  for manager in $managers; do
    if docker swarm join --advertise-addr "$ADVERTISE_ADDR" --token "$token" "$manager:2377"; then
      log "joined the swarm through $manager"
      return 0
    fi
  done
  return 1
}

# Joins with the token in parameter $1, within one JOIN_TIMEOUT for the token and the join together. A missing
# token ends the boot with its own message: joining with an empty token could never succeed.
join_swarm() {
  local deadline=$((SECONDS + JOIN_TIMEOUT)) managers
  if ! wait_for_parameter "$1" >/dev/null; then
    log "giving up: no join token in $1 (has a manager initialised the swarm? see docs/swarm.md, Recovery)"
    return 1
  fi
  until join_once "$1"; do
    if ((SECONDS > deadline)); then
      managers=$(aws ssm get-parameters-by-path --path "$PREFIX/managers" --query 'Parameters[].Value' --output text || true)
      log "giving up: could not join through any manager within ${JOIN_TIMEOUT}s (${managers:-none registered})"
      return 1
    fi
    sleep "$RETRY_SECONDS"
  done
}

if [[ $(docker info --format '{{.Swarm.LocalNodeState}}') == active ]]; then
  log "already part of a swarm"
  exit 0
fi
if [[ $ROLE == manager ]]; then
  # shellcheck disable=SC1090,SC1091 # manager-boot.sh is linted on its own
  source "$MANAGER_BOOT"
  exit 0
fi
join_swarm "$PREFIX/worker-token"
