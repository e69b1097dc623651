import { Annotations, Aspects, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';
import { onServiceRouted } from '../service/routed';
import { bindBlueGreenRule, blueGreenProductionAction, checkBlueGreenRoute, isBlueGreen, warnAboutBlueGreenRuleUpdate } from '../service/blue-green';
import { fleetError } from '../errors';
import { FleetService } from '../service/fleet-service';
import type { DeployedRuleRecord } from '../update-check/deployed';
import { checkDuration, checkWholeNumber } from '../validation';
import { accessLogBucketFor } from './access-logs';
import { FleetListenerAttributes, IFleetListener, importFleetListener } from './imported-listener';
import { createLoadBalancer } from './listeners';
import { checkAllowedCidrs, checkCertificateRegion, checkRouteRequest, vpcCidrBlockOf, warnAboutHttpHealthChecks } from './load-balancer-checks';
import { assignPrioritiesDetailed, MAX_PRIORITY, routeKey } from './priorities';
import { ALB_QUOTAS, pickShard, Shard } from './sharding';
import { routingScope, shortHash } from './routing-scope';
import { createTargetGroup } from './target-groups';

export { ALB_QUOTAS } from './sharding';

/**
 * A listener rule as last deployed, read from the deployed cloud assembly (see `UpdateCheck.deployedListenerRules`).
 *
 * @deprecated Use DeployedRuleRecord.
 * @jsii ignore
 */
export type DeployedListenerRule = DeployedRuleRecord;

/**
 * Properties of a {@link FleetLoadBalancer}.
 */
export interface FleetLoadBalancerProps {
  /** The VPC to place the load balancer in: use the cluster's `vpc`. */
  readonly vpc: ec2.IVpc;

  /**
   * Reachable from the internet (public subnets) or only inside the VPC (private subnets).
   *
   * @default true
   */
  readonly internetFacing?: boolean;

  /**
   * A certificate for HTTPS. With it, the load balancer serves HTTPS on 443 and redirects HTTP on 80 to HTTPS.
   *
   * @default - plain HTTP on port 80
   */
  readonly certificate?: acm.ICertificate;

  /**
   * Client address ranges allowed to reach the load balancer, e.g. your office for QA environments. A range with host
   * bits set (`203.0.113.7/24`) admits its whole network, with a warning.
   *
   * @default - anywhere (0.0.0.0/0) when internet-facing, the VPC's CIDR otherwise
   */
  readonly allowedCidrs?: string[];

  /**
   * How long the load balancer keeps sending in-flight requests to a target that is being deregistered.
   *
   * @default 30 seconds, so a rolling deployment does not wait the ALB default of five minutes per batch
   */
  readonly deregistrationDelay?: Duration;

  /**
   * Write access logs to this bucket.
   *
   * @default - a new encrypted bucket that keeps logs for 90 days (retained when the stack is deleted)
   */
  readonly accessLogBucket?: s3.IBucket;

  /**
   * Write access logs at all.
   *
   * @default true
   */
  readonly accessLogs?: boolean;

  /**
   * Most load balancers to spread routes over when they exceed one load balancer's quotas
   * (100 rules, 100 target groups). Routes are grouped by host: all routes of one host stay on one
   * load balancer (a DNS name points at one load balancer), so only host-based routes can spread.
   * Each extra load balancer has its own DNS name: find it with {@link FleetRoute.dnsName}.
   *
   * @default 1, so spreading (and its cost) is a deliberate choice
   */
  readonly maxLoadBalancers?: number;

  /**
   * Turn on deletion protection of the load balancer(s).
   *
   * @default false, so clean-slate redeploys and `cdk destroy` can remove it
   */
  readonly deletionProtection?: boolean;

  /**
   * The listener rules as last deployed (`UpdateCheck.deployedListenerRules(assemblyDir, stack)` reads them from the
   * `cdk.out` of your last deploy). An optimisation, not a requirement: with them no update, whatever it changes, asks ALB for a
   * priority that another rule holds at that moment, even one being deleted (CloudFormation deletes only at cleanup);
   * rules move to their stateless priorities only when those are free. See docs/routing.md, "Updates".
   *
   * @default - none: priorities depend on the routes alone, which is safe for any addition or removal; a change that
   *   adds and removes routes of one specificity in equal numbers can clash (the update check reports it)
   */
  readonly deployedRules?: DeployedRuleRecord[];
}

/** Where a service is reached. */
export interface RouteOptions {
  /**
   * Path pattern, e.g. `/api/*` (case-sensitive, ALB wildcards `*` and `?`).
   *
   * @default - any path
   */
  readonly path?: string;

  /**
   * Host header pattern, e.g. `login.example.com` or `*.example.com` (case-insensitive).
   *
   * @default - any host
   */
  readonly host?: string;

  /**
   * Path of the target group's health check; must start with '/'. A service has one target group per load balancer,
   * so its first route there sets the check: a later route asking for another one gets a warning.
   *
   * @default '/'
   */
  readonly healthCheckPath?: string;

  /**
   * HTTP codes that count as healthy: codes from 200 to 499, as one code (`'200'`), a list (`'200,202'`) or a range
   * (`'200-299'`); anything else ALB refuses at deploy, so it fails at synth.
   *
   * @default '200-399'
   */
  readonly healthyHttpCodes?: string;

  /**
   * Pin the listener rule's priority (1 to 50,000, lower is evaluated first). Only needed for overlapping patterns of
   * the same specificity (`/api/*` and `/api/*.json`), which are ordered by hash, or to keep a rule's priority fixed
   * while the rules of its specificity move between the two halves of their band.
   *
   * @default - assigned for you: most specific first, never onto a priority another rule holds when routes are added
   *   or removed
   */
  readonly priority?: number;
}

/** A route made by {@link FleetLoadBalancer.route}. */
export interface FleetRoute {
  /** The service routed. */
  readonly service: FleetService;
  /** The route's host, if any. */
  readonly host?: string;
  /** The route's path, if any. */
  readonly path?: string;
  /** The load balancer that serves the route. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** DNS name to reach the route (the load balancer's). */
  readonly dnsName: string;
  /** The target group of the service on that load balancer. */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The listener rule (undefined for the default route, which is the listener's default action). */
  readonly rule?: elbv2.ApplicationListenerRule;
  /** The rule's priority (a token, resolved at synthesis). */
  readonly priority?: number;
  /** The priority the user pinned, if any. */
  readonly pinnedPriority?: number;
}

/**
 * An Application Load Balancer that routes by path and host to {@link FleetService}s:
 * `lb.route(service, { path: '/api/*' })`. Listener rule priorities are assigned for you,
 * stable and most-specific-first; each service gets one target group per load balancer with a
 * health check on its port and a 30 s deregistration delay.
 */
export class FleetLoadBalancer extends Construct implements ec2.IConnectable {
  /**
   * Routes services on an existing ALB listener (a platform team's): the same `route(service, { host, path })`, with
   * rule priorities inside `priorityRange` so the listener's other rules keep theirs, and the listener's security group
   * admitted to the services' instances. No load balancer is created. See docs/routing.md, "Existing listener".
   */
  public static fromListener(scope: Construct, id: string, attrs: FleetListenerAttributes): IFleetListener {
    return importFleetListener(scope, id, attrs);
  }

  /** The first (and usually only) load balancer. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The security group shared by all of this construct's load balancers. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Network access to the load balancers. */
  public readonly connections: ec2.Connections;
  /** The access log bucket, when access logs are on. */
  public readonly accessLogBucket?: s3.IBucket;

  private readonly props: FleetLoadBalancerProps;
  private readonly shards: RoutedShard[] = [];
  private readonly routesByKey = new Map<string, FleetRoute>();
  /** The health check each target group was made with, and the route that chose it. */
  private readonly healthChecks = new Map<elbv2.ApplicationTargetGroup, TargetGroupHealthCheck>();
  private readonly maxLoadBalancers: number;
  private deployedShardsCache?: Map<string, number>;

  constructor(scope: Construct, id: string, props: FleetLoadBalancerProps) {
    super(scope, id);
    this.props = props;
    this.maxLoadBalancers = props.maxLoadBalancers ?? 1;
    checkWholeNumber(this, 'maxLoadBalancers', this.maxLoadBalancers, { min: 1, max: 20, unit: 'load balancers' });
    checkDuration(this, 'deregistrationDelay', props.deregistrationDelay, { min: Duration.seconds(0), max: Duration.hours(1), wholeUnit: 'seconds', why: "ALB's deregistration delay range" });
    checkAllowedCidrs(this, props.allowedCidrs);
    checkCertificateRegion(this, props.certificate);
    const internetFacing = props.internetFacing ?? true;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Load balancer ${this.node.path}`,
      // Egress is opened only towards the services it routes to.
      allowAllOutbound: false,
    });
    const ports = props.certificate ? [80, 443] : [80];
    const peers = props.allowedCidrs
      ? props.allowedCidrs.map((c) => (c.includes(':') ? ec2.Peer.ipv6(c) : ec2.Peer.ipv4(c)))
      : [internetFacing ? ec2.Peer.anyIpv4() : ec2.Peer.ipv4(vpcCidrBlockOf(this, props.vpc))];
    for (const peer of peers) {
      for (const port of ports) {
        this.securityGroup.addIngressRule(peer, ec2.Port.tcp(port), `clients on ${port}`);
      }
    }
    if (internetFacing && !props.allowedCidrs) {
      acknowledgeFinding(this.securityGroup, {
        id: 'AwsSolutions-EC23',
        reason: 'an internet-facing load balancer serves clients from anywhere; set allowedCidrs to narrow it (QA environments do)',
      });
    }
    this.connections = this.securityGroup.connections;
    this.accessLogBucket = accessLogBucketFor(this, props);

    this.loadBalancer = this.addShard().loadBalancer;
    // After every route() call, before synthesis.
    Aspects.of(this).add({
      visit: (node) => {
        if (node !== this) return;
        this.warnAboutPriorities();
        if (props.certificate) warnAboutHttpHealthChecks(this, this.loadBalancers);
      },
    });
  }

  /** All load balancers of this construct (more than one only when routes were spread, see `maxLoadBalancers`). */
  public get loadBalancers(): elbv2.ApplicationLoadBalancer[] {
    return this.shards.map((s) => s.loadBalancer);
  }

  /** All routes, in the order they were added. */
  public get routes(): FleetRoute[] {
    return [...this.routesByKey.values()];
  }

  /**
   * Routes requests matching `path` and/or `host` to `service`.
   * With neither, the service becomes the default action of the listener (requests no other rule matches).
   */
  public route(service: FleetService, options: RouteOptions = {}): FleetRoute {
    const { path, host } = options;
    this.checkRoute(service, options);
    const key = routeKey({ host, path });
    const isDefault = host === undefined && path === undefined;
    checkBlueGreenRoute(this, service, isDefault, this.shards.map((s) => s.targetGroups.get(service)).find((tg) => tg !== undefined));
    const hostKey = (host ?? '').toLowerCase();
    const shard = pickShard(this, this.shards, {
      service, hostKey, isDefault, maxLoadBalancers: this.maxLoadBalancers, routeCount: this.routesByKey.size,
      deployedIndex: hostKey === '' ? undefined : this.deployedShards().get(hostKey),
    }, () => this.addShard()) as RoutedShard;
    const targetGroup = this.targetGroupFor(shard, service, options);

    let rule: elbv2.ApplicationListenerRule | undefined;
    let priority: number | undefined;
    if (isDefault) {
      Annotations.of(shard.listener).acknowledgeWarning('@aws-cdk/aws-elbv2:listenerExistingDefaultActionReplaced',
        'the default route deliberately replaces the 404 answer for unmatched requests');
      shard.listener.addAction('Default', { action: elbv2.ListenerAction.forward([targetGroup]) });
    } else {
      priority = Lazy.number({ produce: () => this.priorityOf(shard, key) });
      const conditions: elbv2.ListenerCondition[] = [];
      if (host !== undefined) conditions.push(elbv2.ListenerCondition.hostHeaders([host]));
      if (path !== undefined) conditions.push(elbv2.ListenerCondition.pathPatterns([path]));
      // The id is derived from the route itself, so adding or removing other routes never replaces this rule.
      rule = new elbv2.ApplicationListenerRule(routingScope(service, this), `Rule${shortHash(key)}`, {
        listener: shard.listener,
        priority,
        conditions,
        // Blue/green: both target groups, weights owned by ECS from the first deployment on.
        action: blueGreenProductionAction(targetGroup) ?? elbv2.ListenerAction.forward([targetGroup]),
      });
      bindBlueGreenRule(routingScope(service, this), service, targetGroup, rule, shard.loadBalancer, conditions, priority, this.props.vpc);
    }

    // Now that the target group is attached (its metrics need the load balancer): scaling and alarms of the route.
    onServiceRouted(service, shard.loadBalancer, targetGroup);

    const route: FleetRoute = {
      service, host, path, loadBalancer: shard.loadBalancer, dnsName: shard.loadBalancer.loadBalancerDnsName, targetGroup, rule, priority,
      pinnedPriority: options.priority,
    };
    this.routesByKey.set(key, route);
    if (!isDefault) shard.routes.push(route);
    shard.priorities = undefined;
    return route;
  }

  /** Deployed hosts → index of the load balancer that serves them, from the deployed rules' listeners. */
  private deployedShards(): Map<string, number> {
    if (this.deployedShardsCache) return this.deployedShardsCache;
    const stack = Stack.of(this);
    const prefix = this.node.path.slice(stack.node.path.length + 1).replace(/[^A-Za-z0-9]/g, '');
    const listenerId = new RegExp(`^${prefix}(?:Spread(\\d+))?Https?[0-9A-F]{8}$`);
    const out = new Map<string, number>();
    for (const rule of this.props.deployedRules ?? []) {
      const [file, logicalId] = rule.listener.split('#');
      const m = file === stack.templateFile ? listenerId.exec(logicalId ?? '') : null;
      if (!m) continue;
      for (const host of rule.hosts ?? []) out.set(host, m[1] ? Number(m[1]) - 1 : 0);
    }
    this.deployedShardsCache = out;
    return out;
  }

  private checkRoute(service: FleetService, options: RouteOptions): void {
    if (options.priority !== undefined && (!Number.isInteger(options.priority) || options.priority < 1 || options.priority > MAX_PRIORITY)) {
      throw fleetError(this, `route for ${service.node.path}: priority ${options.priority} is out of range`, `use a whole number from 1 to ${MAX_PRIORITY}, or leave it out to have it assigned`);
    }
    checkRouteRequest(this, service, options, { byKey: this.routesByKey, all: this.routes });
  }

  private priorityOf(shard: RoutedShard, key: string): number {
    shard.priorities ??= this.assign(shard).priorities;
    return shard.priorities.get(key)!;
  }

  private assign(shard: RoutedShard) {
    const listener = elementId(shard.listener.node.defaultChild as elbv2.CfnListener);
    const deployed = (this.props.deployedRules ?? []).filter((r) => r.listener === listener);
    return assignPrioritiesDetailed(shard.routes.map((r) => ({
      host: r.host, path: r.path, priority: r.pinnedPriority, ruleId: elementId(r.rule!.node.defaultChild as elbv2.CfnListenerRule),
      // A blue/green production rule never moves with other routes: an update of it resets the weights ECS set.
      stable: isBlueGreen(r.service),
    })), { deployed });
  }

  /**
   * With the deployed rules, warns about rules that wait for their stateless priority (a deployed rule holds it during
   * this update) and pins on held priorities (run once, before synthesis). Without them there is nothing to warn about:
   * the stateless assignment is safe for additions and removals, and the update check reports the rest.
   */
  private warnAboutPriorities(): void {
    if (this.props.deployedRules === undefined) return;
    this.warnAboutPinsOnHeldPriorities();
    const stableKeys = new Set(this.shards.flatMap((shard) => shard.routes.filter((r) => isBlueGreen(r.service)).map((r) => routeKey(r))));
    const all = this.shards.flatMap((shard) => this.assign(shard).pending);
    const kept = all.filter((k) => stableKeys.has(k));
    if (kept.length > 0) {
      Annotations.of(this).addWarningV2('@cdk-container-fleet/routing:blueGreenRuleKept',
        `${kept.length} blue/green production rule(s) (${kept.slice(0, 5).map((k) => k.replace('|', ' ')).join(', ')}) keep their deployed priority, not their stateless one: `
        + 'moving them would resend the weights ECS set. Keep deploying with the deployed rules (deployedRules, or ProductionStack\'s deployedAssembly): without them, the next deploy moves these rules');
    }
    const pending = all.filter((k) => !stableKeys.has(k));
    if (pending.length === 0) return;
    Annotations.of(this).addWarningV2('@cdk-container-fleet/routing:priorityPending',
      `${pending.length} listener rule(s) (${pending.slice(0, 5).map((k) => k.replace('|', ' ')).join(', ')}${pending.length > 5 ? ', …' : ''}) cannot take their stateless priority `
      + 'in this update because a deployed rule holds it, so they keep or take a free one. Deploy the next change with the deployed rules too '
      + '(deployedRules, or ProductionStack\'s deployedAssembly): it moves them, after which deploying without them is safe again');
  }

  private warnAboutPinsOnHeldPriorities(): void {
    for (const shard of this.shards) {
      const listener = elementId(shard.listener.node.defaultChild as elbv2.CfnListener);
      for (const route of shard.routes) {
        const ruleId = elementId(route.rule!.node.defaultChild as elbv2.CfnListenerRule);
        const deployedPriority = this.props.deployedRules?.find((d) => d.ruleId === ruleId)?.priority;
        if (isBlueGreen(route.service)) {
          warnAboutBlueGreenRuleUpdate(this, route.service, route.targetGroup, this.priorityOf(shard, routeKey(route)), deployedPriority);
        }
        if (route.pinnedPriority === undefined) continue;
        const holder = (this.props.deployedRules ?? []).find((d) => d.listener === listener && d.priority === route.pinnedPriority && d.ruleId !== ruleId);
        if (!holder) continue;
        Annotations.of(this).addWarningV2('@cdk-container-fleet/routing:pinnedPriorityHeld',
          `the route to ${route.service.node.path} pins priority ${route.pinnedPriority}, which the deployed rule ${holder.ruleId} holds until this update's cleanup: `
          + 'ALB would answer PriorityInUse and the update would roll back. Pin another priority, or pin this one in the deploy after that rule is gone');
      }
    }
  }

  private targetGroupFor(shard: RoutedShard, service: FleetService, options: RouteOptions): elbv2.ApplicationTargetGroup {
    const existing = shard.targetGroups.get(service);
    if (existing) {
      this.warnAboutHealthCheckConflict(existing, service, options);
      return existing;
    }
    const attached = this.shards.filter((s) => s.targetGroups.has(service)).length;
    if (attached >= ALB_QUOTAS.targetGroupsPerService) {
      throw fleetError(this, `${service.node.path} would need a ${attached + 1}th target group; ECS registers a service with at most ${ALB_QUOTAS.targetGroupsPerService}`,
        "route this service's hosts through fewer load balancers");
    }
    const targetGroup = createTargetGroup(routingScope(service, this), shard.index === 0 ? 'TargetGroup' : `TargetGroup${shard.index + 1}`, service, {
      vpc: this.props.vpc,
      deregistrationDelay: this.props.deregistrationDelay ?? Duration.seconds(30),
      healthCheckPath: options.healthCheckPath ?? '/',
      healthyHttpCodes: options.healthyHttpCodes ?? '200-399',
      securityGroup: this.securityGroup,
      listener: shard.listener,
      loadBalancerPath: this.node.path,
    });
    shard.targetGroups.set(service, targetGroup);
    this.healthChecks.set(targetGroup, {
      path: options.healthCheckPath ?? '/', healthyHttpCodes: options.healthyHttpCodes ?? '200-399', route: describeRoute(options),
    });
    return targetGroup;
  }

  /**
   * Warns when a further route of a service asks for another health check than the service's target group on this
   * load balancer already has: one target group per service and load balancer means one health check, so the later
   * route's setting would be dropped. A warning, not an error: the first route's check still works.
   */
  private warnAboutHealthCheckConflict(targetGroup: elbv2.ApplicationTargetGroup, service: FleetService, options: RouteOptions): void {
    const first = this.healthChecks.get(targetGroup)!;
    const asked: string[] = [];
    if (options.healthCheckPath !== undefined && options.healthCheckPath !== first.path) asked.push(`healthCheckPath '${options.healthCheckPath}'`);
    if (options.healthyHttpCodes !== undefined && options.healthyHttpCodes !== first.healthyHttpCodes) asked.push(`healthyHttpCodes '${options.healthyHttpCodes}'`);
    if (asked.length === 0) return;
    Annotations.of(this).addWarningV2('@cdk-container-fleet/routing:healthCheckConflict',
      `the route to ${service.node.path} (${describeRoute(options)}) asks for ${asked.join(' and ')}, but ${service.node.path} already has a target group `
      + `on this load balancer, made by its route (${first.route}), which checks path '${first.path}' for codes '${first.healthyHttpCodes}': `
      + 'a service has one target group, so one health check, per load balancer, and this setting is not used. '
      + `Give every route of ${service.node.path} the same healthCheckPath and healthyHttpCodes (set them on its first route)`);
  }

  private addShard(): RoutedShard {
    const index = this.shards.length;
    const { loadBalancer, listener } = createLoadBalancer(index === 0 ? this : new Construct(this, `Spread${index + 1}`), {
      vpc: this.props.vpc,
      internetFacing: this.props.internetFacing ?? true,
      securityGroup: this.securityGroup,
      deletionProtection: this.props.deletionProtection ?? false,
      certificate: this.props.certificate,
      accessLogBucket: this.accessLogBucket,
      accessLogPrefix: index === 0 ? this.node.id : `${this.node.id}-${index + 1}`,
    });
    const routes: FleetRoute[] = [];
    const shard: RoutedShard = { index, loadBalancer, listener, hosts: new Set(), routes, ruleCount: () => routes.length, targetGroups: new Map() };
    this.shards.push(shard);
    return shard;
  }
}

/** How a target group checks its targets, and the route whose options chose it. */
interface TargetGroupHealthCheck {
  readonly path: string;
  readonly healthyHttpCodes: string;
  readonly route: string;
}

function describeRoute(options: RouteOptions): string {
  return options.host === undefined && options.path === undefined ? 'the default route' : `host '${options.host ?? '*'}' path '${options.path ?? '*'}'`;
}

interface RoutedShard extends Shard {
  readonly routes: FleetRoute[];
  priorities?: Map<string, number>;
}

/** `<template file>#<logical id>` of a resource: how the deployed assembly names it. */
function elementId(element: elbv2.CfnListener | elbv2.CfnListenerRule): string {
  const stack = Stack.of(element);
  return `${stack.templateFile}#${stack.resolve(element.logicalId)}`;
}
