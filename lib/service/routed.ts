/**
 * What happens when a FleetLoadBalancer routes a service: its scaling gains the route's request and response-time
 * targets, and its alarms the route's 5xx, unhealthy-target and latency alarms (which also roll deployments back).
 */
import { Annotations, Token } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { IConstruct } from 'constructs';
import { hasAlarms, routeAlarms } from '../observability/alarms';
import { scaleOnRoute, scalingPlanOf } from '../scaling/service-scaling';
import { alternateTargetGroupOf } from './blue-green';
import type { FleetService } from './fleet-service';

/** Target groups whose alarms exist: two routes of one service on one load balancer share a target group. */
const ALARMED_GROUPS = new WeakSet<elbv2.ApplicationTargetGroup>();

/** The load balancer of a route: an ALB of a FleetLoadBalancer, or an imported listener (whose ARN names its load balancer). */
export interface RoutingLoadBalancer extends IConstruct {
  readonly loadBalancerFullName: string;
}

export function onServiceRouted(service: FleetService, loadBalancer: RoutingLoadBalancer, targetGroup: elbv2.ApplicationTargetGroup): void {
  scaleOnRoute(service, loadBalancer, targetGroup);
  const alternate = alternateTargetGroupOf(targetGroup);
  const plan = scalingPlanOf(service);
  if (alternate && (plan?.requestsPerTarget !== undefined || plan?.responseTimeSeconds !== undefined) && !ALARMED_GROUPS.has(targetGroup)) {
    Annotations.of(service).addWarningV2('@cdk-container-fleet/service:blueGreenRouteScaling',
      'requestsPerTarget and responseTimeSeconds scale on the route\'s primary target group, which serves no traffic after every other blue/green deployment '
      + '(ECS alternates between the two target groups): scale on cpuPercent or memoryPercent instead');
  }
  alarmRoute(service, loadBalancer, targetGroup);
  // Blue/green: after every other deployment the alternate target group serves production, so it is watched (and
  // rolls deployments back) the same way.
  if (alternate) alarmRoute(service, loadBalancer, alternate);
}

function alarmRoute(service: FleetService, loadBalancer: RoutingLoadBalancer, targetGroup: elbv2.ApplicationTargetGroup): void {
  if (!hasAlarms(service) || ALARMED_GROUPS.has(targetGroup)) return;
  ALARMED_GROUPS.add(targetGroup);
  const cfn = targetGroup.node.defaultChild as elbv2.CfnTargetGroup;
  const number = (v: number | undefined, fallback: number) => (v === undefined || Token.isUnresolved(v) ? fallback : v);
  routeAlarms(service, loadBalancer, targetGroup, {
    // ELB's own defaults when the target group leaves them out.
    healthCheckIntervalSeconds: number(cfn.healthCheckIntervalSeconds, 30),
    unhealthyThresholdCount: number(cfn.unhealthyThresholdCount, 2),
    responseTimeTargetSeconds: scalingPlanOf(service)?.responseTimeSeconds,
  });
}
