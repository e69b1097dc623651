#!/usr/bin/env bash
# Keeps containers on Docker bridge networks from reaching the instance metadata service (IMDS, 169.254.169.254),
# where the instance role's credentials are: tasks get theirs from the ECS agent's endpoint (169.254.170.2), which
# this leaves alone. The rule is the one the ECS Developer Guide gives for bridge-mode tasks ("Amazon ECS container
# instance IAM role"), in Docker's DOCKER-USER chain, which Docker creates but never flushes.
#
#   block-instance-metadata.sh install   (user data, once) installs this script and a systemd unit that applies the
#                                         rule after every start of Docker and before the ECS agent starts
#   block-instance-metadata.sh apply     (the unit) inserts the rule unless it is there already
#
# FLEET_ROOT prefixes every path written (tests only).
set -euo pipefail

readonly ROOT="${FLEET_ROOT:-}"
readonly INSTALLED=/usr/local/sbin/fleet-block-instance-metadata
readonly UNIT_NAME=fleet-block-instance-metadata.service
readonly CHAIN=DOCKER-USER
readonly RULE=(--in-interface docker+ --destination 169.254.169.254/32 --jump DROP)

apply() {
  # Before Docker has started, the chain does not exist yet: create it, Docker keeps an existing one (and its rules)
  # and puts its jump to it first in FORWARD. -w waits for the xtables lock the agent and Docker also take.
  if ! iptables -w -t filter -n -L "$CHAIN" >/dev/null 2>&1; then
    iptables -w -t filter -N "$CHAIN"
  fi
  if iptables -w -t filter -C "$CHAIN" "${RULE[@]}" 2>/dev/null; then
    echo "fleet: containers on docker bridges already cannot reach 169.254.169.254"
  else
    iptables -w -t filter --insert "$CHAIN" 1 "${RULE[@]}"
    echo "fleet: containers on docker bridges can no longer reach 169.254.169.254"
  fi
}

install_unit() {
  install -d -m 0755 "$ROOT${INSTALLED%/*}" "$ROOT/etc/systemd/system"
  if [[ "$(readlink -f "$0")" != "$(readlink -f "$ROOT$INSTALLED" 2>/dev/null || true)" ]]; then
    install -m 0755 "$0" "$ROOT$INSTALLED"
  fi
  # After docker (the chain's jump exists), before the agent starts a task; PartOf: a restart of Docker re-applies it.
  # RequiredBy ecs.service: an agent whose instance could not get the rule does not start, so the instance never
  # registers (fails closed) and the registration gate replaces it.
  cat >"$ROOT/etc/systemd/system/$UNIT_NAME" <<UNIT
[Unit]
Description=cdk-container-fleet: drop traffic from Docker bridge containers to the instance metadata service
After=docker.service
Before=ecs.service
PartOf=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=$INSTALLED apply

[Install]
WantedBy=docker.service
RequiredBy=ecs.service
UNIT
  systemctl daemon-reload
  systemctl enable "$UNIT_NAME"
  # Queued, not waited for: user data runs inside cloud-final, and a unit waiting on Docker must never make cloud-final
  # wait on it. The agent (After=cloud-final, and now after this unit) still starts only once the rule is in.
  systemctl start --no-block "$UNIT_NAME"
}

case "${1:-}" in
  apply) apply ;;
  install) install_unit ;;
  *) echo "usage: $0 install|apply" >&2; exit 64 ;;
esac
