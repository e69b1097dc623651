import * as crypto from 'crypto';
import { Construct } from 'constructs';
import { fleetError } from '../errors';

/** Which router (a FleetLoadBalancer or an imported listener) made each routing scope. */
const ROUTING_OWNER = new WeakMap<Construct, Construct>();

/**
 * The namespace under a service for the routing resources (target groups, rules) of one router: they live in the
 * service's stack. One namespace per router id; two routers of one id routing one service would share it, so that is
 * refused.
 */
export function routingScope(service: Construct, router: Construct): Construct {
  const id = `RoutedBy${router.node.id}`;
  const existing = service.node.tryFindChild(id) as Construct | undefined;
  if (existing && ROUTING_OWNER.get(existing) !== router) {
    throw fleetError(router, `${service.node.path} is already routed by another load balancer or listener with the id '${router.node.id}'`, 'give them distinct ids');
  }
  if (existing) return existing;
  const scope = new Construct(service, id);
  ROUTING_OWNER.set(scope, router);
  return scope;
}

/** Eight hex digits of a route key: the id of the route's rule, so adding or removing other routes never replaces it. */
export function shortHash(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex').slice(0, 8).toUpperCase();
}
