export { FleetLoadBalancer } from './fleet-load-balancer';
export type { FleetLoadBalancerProps, FleetRoute, RouteOptions } from './fleet-load-balancer';
export type { DeployedRuleRecord } from '../update-check/deployed';
export type { FleetListenerAttributes, FleetListenerRoute, FleetListenerRouteOptions, IFleetListener, PriorityRange } from './imported-listener';
