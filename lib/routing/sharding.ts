import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { fleetError } from '../errors';
import { FleetService } from '../service/fleet-service';

/** ALB quotas (Elastic Load Balancing User Guide, "Quotas for your Application Load Balancers"). */
export const ALB_QUOTAS = {
  /** Rules per load balancer, not counting default rules. */
  rulesPerLoadBalancer: 100,
  /** Target groups per load balancer (not adjustable). */
  targetGroupsPerLoadBalancer: 100,
  /** Target groups an ECS service can register with. */
  targetGroupsPerService: 5,
} as const;

/** One load balancer of a FleetLoadBalancer and what it serves. */
export interface Shard {
  readonly index: number;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The listener that carries the rules: HTTPS when a certificate is given, HTTP otherwise. */
  readonly listener: elbv2.ApplicationListener;
  readonly hosts: Set<string>;
  /** Routes with a rule (not the default route). */
  readonly ruleCount: () => number;
  readonly targetGroups: Map<FleetService, elbv2.ApplicationTargetGroup>;
}

/** What {@link pickShard} needs to know about the route being added. */
export interface ShardRequest {
  readonly service: FleetService;
  /** Lower-cased host, '' for routes without one. */
  readonly hostKey: string;
  readonly isDefault: boolean;
  readonly maxLoadBalancers: number;
  /** Routes so far, for the error message. */
  readonly routeCount: number;
  /** The load balancer (index) the host is deployed on, if known: it stays there while it has room. @default - none */
  readonly deployedIndex?: number;
}

/**
 * Picks the load balancer for a route: the one already serving its host (all routes of a host, and all routes without
 * a host, share one DNS name), else the first with room, else a new one (`addShard`) up to `maxLoadBalancers`.
 * First fit in declaration order, so appending a route never moves an existing one.
 */
export function pickShard(scope: Construct, shards: readonly Shard[], request: ShardRequest, addShard: () => Shard): Shard {
  const { service, hostKey, isDefault } = request;
  const needsTargetGroup = (s: Shard) => (s.targetGroups.has(service) ? 0 : 1);
  const hasRoom = (s: Shard) => (isDefault || s.ruleCount() < ALB_QUOTAS.rulesPerLoadBalancer)
    && s.targetGroups.size + needsTargetGroup(s) <= ALB_QUOTAS.targetGroupsPerLoadBalancer;

  const home = hostKey === '' ? shards[0] : shards.find((s) => s.hosts.has(hostKey));
  if (home) {
    if (!hasRoom(home)) {
      const what = hostKey === '' ? 'routes without a host' : `routes of host '${hostKey}'`;
      throw fleetError(scope, `${what} exceed one load balancer's quotas (${ALB_QUOTAS.rulesPerLoadBalancer} rules, `
        + `${ALB_QUOTAS.targetGroupsPerLoadBalancer} target groups); a host's routes cannot be split over load balancers because its DNS name points at one`,
      'spread services over more hosts (host-based routes can use further load balancers, see maxLoadBalancers) or use another FleetLoadBalancer');
    }
    home.hosts.add(hostKey);
    return home;
  }
  // A deployed host stays on its load balancer: moving it would replace its rules and target group and change its DNS name.
  let shard: Shard | undefined;
  const deployedIndex = request.deployedIndex;
  if (deployedIndex !== undefined && deployedIndex < request.maxLoadBalancers) {
    while (shards.length <= deployedIndex) addShard();
    if (hasRoom(shards[deployedIndex])) shard = shards[deployedIndex];
  }
  shard ??= shards.find(hasRoom);
  if (!shard) {
    if (shards.length >= request.maxLoadBalancers) {
      throw fleetError(scope, `route ${request.routeCount + 1} (host '${hostKey}') does not fit: ${shards.length} load balancer(s) are full `
        + `(ALB quotas: ${ALB_QUOTAS.rulesPerLoadBalancer} rules and ${ALB_QUOTAS.targetGroupsPerLoadBalancer} target groups per load balancer)`,
      `raise maxLoadBalancers (now ${request.maxLoadBalancers}, at most 20) or split the routes over several FleetLoadBalancers`);
    }
    shard = addShard();
  }
  shard.hosts.add(hostKey);
  return shard;
}
