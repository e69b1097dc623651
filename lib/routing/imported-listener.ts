/**
 * Routing on an ALB listener someone else owns (`FleetLoadBalancer.fromListener`): the same `route(service, options)`
 * as a FleetLoadBalancer, with rule priorities kept inside the range the owner gives, the listener's security group
 * admitted to the services' instances, and the routes' alarms and request-count scaling.
 */
import { Annotations, Aspects, Duration, Fn, Lazy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct, IConstruct } from 'constructs';
import { fleetError } from '../errors';
import { isBlueGreen } from '../service/blue-green';
import { FleetService } from '../service/fleet-service';
import { onServiceRouted } from '../service/routed';
import { checkRouteRequest } from './load-balancer-checks';
import { routeKey } from './priorities';
import { assignPrioritiesInRangeDetailed, bandWidth, FULL_RANGE, PriorityRange, priorityRangeProblem } from './priority-range';
import { ALB_QUOTAS } from './sharding';
import { routingScope, shortHash } from './routing-scope';
import { createTargetGroup } from './target-groups';

export type { PriorityRange } from './priority-range';

/** An existing ALB listener to route on, for {@link FleetLoadBalancer.fromListener}. */
export interface FleetListenerAttributes {
  /**
   * The listener (HTTP or HTTPS) of an existing Application Load Balancer, e.g. from
   * `elbv2.ApplicationListener.fromApplicationListenerAttributes` (its `securityGroup` is the load balancer's) or
   * `fromLookup`. Its default action stays its owner's: routes here need a host or a path.
   */
  readonly listener: elbv2.IApplicationListener;

  /**
   * The listener rule priorities this library may use, both ends included (1 ≤ from ≤ to ≤ 50,000). Rules outside
   * it, which others own, keep theirs: ask the listener's owner for a range nobody else uses.
   *
   * The range is cut into one equal share per specificity (198 of them: exact host, wildcard host or none × exact
   * path, each literal prefix length or none), so priorities stay most-specific-first and stable as routes come and
   * go: a range of 1,000 holds 5 routes of the same specificity (for example 5 host-only routes), one of 10,000 holds 50.
   *
   * @default - the whole space (1 to 50,000): only for a listener with no rules of its own
   */
  readonly priorityRange?: PriorityRange;

  /**
   * How long the listener keeps sending in-flight requests to a task that is being deregistered.
   *
   * @default 30 seconds, so a rolling deployment does not wait the ALB default of five minutes per batch
   */
  readonly deregistrationDelay?: Duration;
}

/** A route made on an existing listener ({@link IFleetListener.route}). */
export interface FleetListenerRoute {
  /** The service routed. */
  readonly service: FleetService;
  /** The route's host, if any. */
  readonly host?: string;
  /** The route's path, if any. */
  readonly path?: string;
  /** The listener the rule is on. */
  readonly listener: elbv2.IApplicationListener;
  /** The target group of the service on that listener. */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The listener rule. */
  readonly rule: elbv2.ApplicationListenerRule;
  /** The rule's priority, within the range (a token, resolved at synthesis). */
  readonly priority: number;
  /** The priority the user pinned, if any. */
  readonly pinnedPriority?: number;
}

/**
 * Routing on an existing ALB listener ({@link FleetLoadBalancer.fromListener}): `route(service, { host, path })`.
 */
export interface IFleetListener extends IConstruct, ec2.IConnectable {
  /** The listener the rules go on. */
  readonly listener: elbv2.IApplicationListener;
  /** The full name of the listener's load balancer (`app/<name>/<id>`, from the listener ARN), for metrics. */
  readonly loadBalancerFullName: string;
  /** The priorities the rules take. */
  readonly priorityRange: PriorityRange;
  /** All routes, in the order they were added. */
  readonly routes: FleetListenerRoute[];
  /**
   * Routes requests matching `path` and/or `host` to `service`: a listener rule with a priority inside the range, a
   * target group of the service, and the listener's security group admitted to the service's instances. One of
   * `host` and `path` is required: the listener's default action is its owner's.
   */
  route(service: FleetService, options?: FleetListenerRouteOptions): FleetListenerRoute;
}

/** Where a service is reached on an existing listener: {@link RouteOptions}, of which `host` or `path` is required. */
export interface FleetListenerRouteOptions {
  /**
   * Path pattern, e.g. `/api/*` (case-sensitive, ALB wildcards `*` and `?`).
   *
   * @default - any path (then `host` is required)
   */
  readonly path?: string;
  /**
   * Host header pattern, e.g. `login.example.com` or `*.example.com` (case-insensitive).
   *
   * @default - any host (then `path` is required)
   */
  readonly host?: string;
  /**
   * Path of the target group's health check; must start with '/'. A service's first route on the listener sets it.
   *
   * @default '/'
   */
  readonly healthCheckPath?: string;
  /**
   * HTTP codes that count as healthy: codes from 200 to 499, as one code, a list or a range.
   *
   * @default '200-399'
   */
  readonly healthyHttpCodes?: string;
  /**
   * Pin the rule's priority, inside `priorityRange`.
   *
   * @default - assigned for you within the range: most specific first, stable across added and removed routes
   */
  readonly priority?: number;
}

/** Makes the {@link IFleetListener} of an existing listener (FleetLoadBalancer.fromListener). */
export function importFleetListener(scope: Construct, id: string, attrs: FleetListenerAttributes): IFleetListener {
  return new ImportedFleetListener(scope, id, attrs);
}

class ImportedFleetListener extends Construct implements IFleetListener {
  public readonly listener: elbv2.IApplicationListener;
  public readonly loadBalancerFullName: string;
  public readonly priorityRange: PriorityRange;
  public readonly connections: ec2.Connections;
  private readonly routesByKey = new Map<string, FleetListenerRoute>();
  private readonly targetGroups = new Map<FleetService, { group: elbv2.ApplicationTargetGroup; healthCheckPath: string; healthyHttpCodes: string }>();
  private readonly deregistrationDelay: Duration;
  private priorities?: Map<string, number>;

  constructor(scope: Construct, id: string, attrs: FleetListenerAttributes) {
    super(scope, id);
    this.listener = attrs.listener;
    this.connections = attrs.listener.connections;
    this.priorityRange = attrs.priorityRange ?? FULL_RANGE;
    const problem = priorityRangeProblem(this.priorityRange);
    if (problem) {
      throw fleetError(this, `priorityRange { from: ${this.priorityRange.from}, to: ${this.priorityRange.to} } is not valid: ${problem}`,
        'give whole numbers with 1 ≤ from ≤ to ≤ 50000, a range no rule of the listener\'s owner uses (e.g. { from: 1000, to: 1999 })');
    }
    if (bandWidth(this.priorityRange) === 0) {
      throw fleetError(this, `priorityRange ${this.priorityRange.from}..${this.priorityRange.to} holds fewer priorities than the 198 route specificities need (one each)`,
        'give a range of at least 198 priorities; 1,000 holds 5 routes of each specificity');
    }
    this.deregistrationDelay = attrs.deregistrationDelay ?? Duration.seconds(30);
    // arn:...:listener/app/<name>/<lb id>/<listener id>: the load balancer's full name, which its metrics use.
    const parts = Fn.split('/', attrs.listener.listenerArn, 5);
    this.loadBalancerFullName = `${Fn.select(1, parts)}/${Fn.select(2, parts)}/${Fn.select(3, parts)}`;
    // After every route() call, before synthesis.
    Aspects.of(this).add({ visit: (node) => { if (node === this) this.warnAboutCollisions(); } });
  }

  public get routes(): FleetListenerRoute[] {
    return [...this.routesByKey.values()];
  }

  public route(service: FleetService, options: FleetListenerRouteOptions = {}): FleetListenerRoute {
    const { host, path } = options;
    this.checkRoute(service, options);
    const key = routeKey({ host, path });
    const targetGroup = this.targetGroupFor(service, options);
    const priority = Lazy.number({ produce: () => this.priorityOf(key) });
    const conditions: elbv2.ListenerCondition[] = [];
    if (host !== undefined) conditions.push(elbv2.ListenerCondition.hostHeaders([host]));
    if (path !== undefined) conditions.push(elbv2.ListenerCondition.pathPatterns([path]));
    // The id is derived from the route itself, so adding or removing other routes never replaces this rule.
    const rule = new elbv2.ApplicationListenerRule(routingScope(service, this), `Rule${shortHash(key)}`, {
      listener: this.listener, priority, conditions, action: elbv2.ListenerAction.forward([targetGroup]),
    });
    // The listener ARN names its load balancer, so the route's alarms and request-count scaling work as on a FleetLoadBalancer.
    onServiceRouted(service, this, targetGroup);
    const route: FleetListenerRoute = { service, host, path, listener: this.listener, targetGroup, rule, priority, pinnedPriority: options.priority };
    this.routesByKey.set(key, route);
    this.priorities = undefined;
    return route;
  }

  private priorityOf(key: string): number {
    this.priorities ??= this.assign().priorities;
    return this.priorities.get(key)!;
  }

  private assign() {
    try {
      return assignPrioritiesInRangeDetailed(this.routes.map((r) => ({ host: r.host, path: r.path, priority: r.pinnedPriority })), this.priorityRange);
    } catch (e) {
      throw fleetError(this, (e as Error).message, 'widen priorityRange (ask the listener\'s owner), or route fewer services of that specificity here');
    }
  }

  /** Warns about routes a hash collision moved off their preferred priority (run once, before synthesis). */
  private warnAboutCollisions(): void {
    for (const d of this.assign().displaced) {
      const route = this.routesByKey.get(d.key)!;
      Annotations.of(this).addWarningV2('@cdk-container-fleet/routing:priorityCollision',
        `the route to ${route.service.node.path} (host '${route.host ?? '*'}' path '${route.path ?? '*'}') got priority ${d.priority} because its preferred slot is held by ${d.holder.replace('|', ' ')}; `
        + 'adding or removing a route that sorts before that one can move it onto a priority another rule still holds during the update. '
        + `Pin it with route(..., { priority: ${d.priority} })`);
    }
  }

  private checkRoute(service: FleetService, options: FleetListenerRouteOptions): void {
    const { host, path } = options;
    const { from, to } = this.priorityRange;
    if (host === undefined && path === undefined) {
      throw fleetError(this, `route for ${service.node.path} has neither host nor path, so it would replace the default action of ${this.listener.node.path}, which belongs to the listener's owner`,
        "give the route a host or a path (path: '/*' catches every path at the end of the priority range), or route it from a FleetLoadBalancer of your own");
    }
    if (options.priority !== undefined && (!Number.isInteger(options.priority) || options.priority < from || options.priority > to)) {
      throw fleetError(this, `route for ${service.node.path}: priority ${options.priority} is outside priorityRange ${from}..${to}`,
        `pin a whole number from ${from} to ${to}, or leave it out to have it assigned`);
    }
    checkRouteRequest(this, service, options, { byKey: this.routesByKey, all: this.routes });
    if (isBlueGreen(service)) {
      throw fleetError(this, `route for ${service.node.path}: the service deploys blue/green, which needs the library's weighted production rule and a second target group on a load balancer it owns; an imported listener's rules are routed one target group each`,
        'route it on a FleetLoadBalancer of your own, or deploy it with the rolling strategy');
    }
    // Only this library's rules and target groups are counted: the owner's own rules on the listener count too.
    if (this.routesByKey.size >= ALB_QUOTAS.rulesPerLoadBalancer) {
      throw fleetError(this, `route for ${service.node.path} would be the ${this.routesByKey.size + 1}th rule routed on ${this.listener.node.path}; a load balancer has at most ${ALB_QUOTAS.rulesPerLoadBalancer} rules (not counting default actions), and the owner's rules count too`,
        'route some services from another listener or a FleetLoadBalancer of your own, or have the quota raised and the rules spread');
    }
  }

  private targetGroupFor(service: FleetService, options: FleetListenerRouteOptions): elbv2.ApplicationTargetGroup {
    const healthCheckPath = options.healthCheckPath ?? '/';
    const healthyHttpCodes = options.healthyHttpCodes ?? '200-399';
    const existing = this.targetGroups.get(service);
    if (existing) {
      if ((options.healthCheckPath !== undefined && options.healthCheckPath !== existing.healthCheckPath)
        || (options.healthyHttpCodes !== undefined && options.healthyHttpCodes !== existing.healthyHttpCodes)) {
        Annotations.of(this).addWarningV2('@cdk-container-fleet/routing:healthCheckConflict',
          `the route to ${service.node.path} (host '${options.host ?? '*'}' path '${options.path ?? '*'}') asks for another health check than its target group on this listener has `
          + `(path '${existing.healthCheckPath}', codes '${existing.healthyHttpCodes}'), set by its first route: one target group, so one health check, per service and listener, `
          + `and this setting is not used. Give every route of ${service.node.path} the same healthCheckPath and healthyHttpCodes`);
      }
      return existing.group;
    }
    if (this.targetGroups.size >= ALB_QUOTAS.targetGroupsPerLoadBalancer) {
      throw fleetError(this, `${service.node.path} would be the ${this.targetGroups.size + 1}th service routed on ${this.listener.node.path}; a load balancer has at most ${ALB_QUOTAS.targetGroupsPerLoadBalancer} target groups, and the owner's count too`,
        'route some services from another listener or a FleetLoadBalancer of your own');
    }
    const group = createTargetGroup(routingScope(service, this), 'TargetGroup', service, {
      vpc: service.cluster.vpc,
      deregistrationDelay: this.deregistrationDelay,
      healthCheckPath,
      healthyHttpCodes,
      securityGroup: this.listener,
      listener: this.listener,
      loadBalancerPath: this.node.path,
    });
    this.targetGroups.set(service, { group, healthCheckPath, healthyHttpCodes });
    return group;
  }
}
