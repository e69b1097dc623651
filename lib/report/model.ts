/**
 * What a review needs to know about one synthesized stack (and its nested stacks), read from the cloud assembly
 * alone: load balancers and their routes, services, capacity, DNS, the nightly chain, and the priced resources.
 * Pure over the parsed templates: no CDK, no AWS calls.
 */
import { referenceTarget, StackTemplates, TemplateResource } from '../update-check/assembly';

/** A route of a listener: its conditions and the service behind it. */
export interface RouteModel {
  /** `<template>#<logical id>` of the listener rule, or of the listener for its default action. */
  readonly id: string;
  readonly host?: string;
  readonly path?: string;
  readonly priority?: number;
  /** Ids of the services behind the route's target group (several when a target group is shared). */
  readonly services: string[];
  /** For a listener's default action: its protocol and port (`HTTP 8081`, `UDP 5353`). */
  readonly port?: string;
}

export interface LoadBalancerModel {
  readonly id: string;
  readonly name: string;
  readonly kind: 'application' | 'network';
  readonly internetFacing: boolean;
  /** Subnets (one load-balancer node, and one public IPv4 address when internet-facing, per subnet). */
  readonly subnets: number;
  readonly routes: RouteModel[];
}

export interface ServiceModel {
  readonly id: string;
  /** The container's name (the compose or construct name). */
  readonly name: string;
  readonly image: string;
  /** The template's DesiredCount; undefined when it is left to scaling. */
  readonly desired?: number;
  /** The task-count range of its Application Auto Scaling target, when it scales. */
  readonly scaling?: { readonly min: number; readonly max: number };
  /** Id of the capacity (Auto Scaling group) it runs on, when the template says. */
  readonly capacity?: string;
  readonly fargate: boolean;
}

export interface GroupModel {
  readonly id: string;
  readonly name: string;
  readonly instanceType: string;
  readonly min: number;
  readonly max: number;
  readonly desired?: number;
  /** Root volume size in GiB (gp3 or gp2), from the launch template. */
  readonly volumeGiB: number;
  readonly publicIp: boolean;
  /** `manager`, `worker` for swarm node groups (their `swarm:node-role` tag), with the engine role label. */
  readonly swarm?: string;
}

export interface RecordModel {
  readonly name: string;
  /** What the record points at: a group it follows, a load balancer, or a literal target. */
  readonly target: string;
  readonly follows?: string;
}

/** One stack's picture. */
export interface StackModel {
  readonly stack: string;
  readonly region?: string;
  readonly loadBalancers: LoadBalancerModel[];
  readonly services: ServiceModel[];
  readonly groups: GroupModel[];
  readonly records: RecordModel[];
  /** Schedules and the state machines they start (the nightly chain). */
  readonly schedules: Array<{ readonly id: string; readonly expression: string; readonly target: string; readonly targetType?: string }>;
  /** Nightly chains over regions (a `FleetConductor`): the regions it drives, ordered each night by forecast load. */
  readonly chains: Array<{ readonly id: string; readonly regions: string[] }>;
  /** Resources by CloudFormation type, across the stack and its nested stacks (NAT gateways, alarms, log groups, …). */
  readonly counts: Record<string, number>;
  /** Metrics the alarms watch: CloudWatch bills an alarm per metric, so a metric-math alarm over two costs two. */
  readonly alarmMetrics: number;
}

interface Located {
  readonly key: string;
  readonly file: string;
  readonly logicalId: string;
  readonly resource: TemplateResource;
}

/** Reads a stack's model from its templates; `region` from the assembly's environment, if known. */
export function stackModel(stack: StackTemplates, region?: string): StackModel {
  const all: Located[] = [];
  for (const [file, t] of stack.templates) {
    for (const [logicalId, resource] of Object.entries(t.template.Resources ?? {})) all.push({ key: `${file}#${logicalId}`, file, logicalId, resource });
  }
  const byKey = new Map(all.map((r) => [r.key, r]));
  const target = (from: Located, value: unknown) => referenceTarget(stack, from.file, value);
  const ofType = (type: string) => all.filter((r) => r.resource.Type === type);
  const props = (r: Located) => (r.resource.Properties ?? {}) as Record<string, any>;

  // Services, their target groups and capacity.
  const capacityOfProvider = new Map<string, string>();
  for (const cp of ofType('AWS::ECS::CapacityProvider')) {
    const asg = props(cp).AutoScalingGroupProvider?.AutoScalingGroupArn;
    if (asg !== undefined) capacityOfProvider.set(cp.key, target(cp, asg));
  }
  const servicesOfTargetGroup = new Map<string, string[]>();
  // A scalable target names its service in its ResourceId (service/<cluster>/<GetAtt service.Name>), same template.
  const scalingOf = (svc: Located) => {
    const target = all.find((r) => r.file === svc.file && r.resource.Type === 'AWS::ApplicationAutoScaling::ScalableTarget'
      && JSON.stringify(props(r).ResourceId ?? '').includes(`["${svc.logicalId}","Name"]`));
    const min = target ? count(props(target).MinCapacity) : undefined;
    const max = target ? count(props(target).MaxCapacity) : undefined;
    return min !== undefined && max !== undefined ? { min, max } : undefined;
  };
  const services: ServiceModel[] = ofType('AWS::ECS::Service').map((s) => {
    const p = props(s);
    const taskDef = byKey.get(target(s, p.TaskDefinition));
    const container = (taskDef?.resource.Properties as any)?.ContainerDefinitions?.[0] ?? {};
    for (const lb of p.LoadBalancers ?? []) {
      const tg = target(s, lb.TargetGroupArn);
      servicesOfTargetGroup.set(tg, [...(servicesOfTargetGroup.get(tg) ?? []), s.key]);
    }
    const provider = (p.CapacityProviderStrategy ?? [])[0]?.CapacityProvider;
    const fargate = p.LaunchType === 'FARGATE' || (typeof provider === 'string' && provider.startsWith('FARGATE'));
    return {
      id: s.key,
      name: typeof p.ServiceName === 'string' ? p.ServiceName : pathName(s.resource) ?? (typeof container.Name === 'string' ? container.Name : s.logicalId),
      image: typeof container.Image === 'string' ? container.Image : '(built image)',
      desired: count(p.DesiredCount),
      scaling: scalingOf(s),
      capacity: provider !== undefined && !fargate ? capacityOfProvider.get(target(s, provider)) : undefined,
      fargate,
    };
  });

  // Load balancers and routes.
  const listenersOf = new Map<string, Located[]>();
  for (const l of ofType('AWS::ElasticLoadBalancingV2::Listener')) {
    const lb = target(l, props(l).LoadBalancerArn);
    listenersOf.set(lb, [...(listenersOf.get(lb) ?? []), l]);
  }
  const rulesOf = new Map<string, Located[]>();
  for (const r of ofType('AWS::ElasticLoadBalancingV2::ListenerRule')) {
    const listener = target(r, props(r).ListenerArn);
    rulesOf.set(listener, [...(rulesOf.get(listener) ?? []), r]);
  }
  const forwarded = (from: Located, actions: any[] | undefined): string[] => {
    const groups: unknown[] = [];
    for (const a of actions ?? []) {
      if (a.TargetGroupArn !== undefined) groups.push(a.TargetGroupArn);
      for (const tg of a.ForwardConfig?.TargetGroups ?? []) groups.push(tg.TargetGroupArn);
    }
    return [...new Set(groups.flatMap((g) => servicesOfTargetGroup.get(target(from, g)) ?? []))];
  };
  const loadBalancers: LoadBalancerModel[] = ofType('AWS::ElasticLoadBalancingV2::LoadBalancer').map((lb) => {
    const p = props(lb);
    const kind = p.Type === 'network' ? 'network' : 'application';
    const routes: RouteModel[] = [];
    for (const listener of listenersOf.get(lb.key) ?? []) {
      const lp = props(listener);
      const defaults = forwarded(listener, lp.DefaultActions);
      if (defaults.length > 0) routes.push({ id: listener.key, services: defaults, port: `${lp.Protocol} ${lp.Port}` });
      for (const rule of rulesOf.get(listener.key) ?? []) {
        const rp = props(rule);
        const values = (field: string, config: string) => (rp.Conditions ?? [])
          .filter((c: any) => c.Field === field).flatMap((c: any) => c[config]?.Values ?? c.Values ?? []).join(', ') || undefined;
        routes.push({
          id: rule.key,
          host: values('host-header', 'HostHeaderConfig'),
          path: values('path-pattern', 'PathPatternConfig'),
          priority: typeof rp.Priority === 'number' ? rp.Priority : undefined,
          services: forwarded(rule, rp.Actions),
        });
      }
    }
    routes.sort((a, b) => (a.priority ?? Infinity) - (b.priority ?? Infinity) || a.id.localeCompare(b.id));
    return {
      id: lb.key,
      name: lb.logicalId.replace(/[0-9A-F]{8}$/, ''),
      kind,
      internetFacing: p.Scheme !== 'internal',
      subnets: Array.isArray(p.Subnets) ? p.Subnets.length : Array.isArray(p.SubnetMappings) ? p.SubnetMappings.length : 2,
      routes,
    };
  });

  // Capacity.
  const groups: GroupModel[] = ofType('AWS::AutoScaling::AutoScalingGroup').map((g) => {
    const p = props(g);
    const lt = byKey.get(target(g, p.LaunchTemplate?.LaunchTemplateId ?? p.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.LaunchTemplateId));
    const data = (lt?.resource.Properties as any)?.LaunchTemplateData ?? {};
    const overrides = p.MixedInstancesPolicy?.LaunchTemplate?.Overrides;
    const instanceType = typeof data.InstanceType === 'string' ? data.InstanceType
      : Array.isArray(overrides) && typeof overrides[0]?.InstanceType === 'string' ? overrides[0].InstanceType : 'unknown';
    const volume = (data.BlockDeviceMappings ?? []).reduce((sum: number, m: any) => sum + (Number(m.Ebs?.VolumeSize) || 0), 0);
    const tags: Array<{ Key: string; Value: unknown }> = p.Tags ?? [];
    const tag = (key: string) => tags.find((t) => t.Key === key)?.Value;
    const swarmRole = tag('swarm:node-role');
    return {
      id: g.key,
      name: g.logicalId.replace(/[0-9A-F]{8}$/, ''),
      instanceType,
      min: count(p.MinSize) ?? 0,
      max: count(p.MaxSize) ?? 0,
      desired: count(p.DesiredCapacity),
      volumeGiB: volume || 30,
      publicIp: (data.NetworkInterfaces ?? []).some((n: any) => n.AssociatePublicIpAddress === true),
      swarm: typeof swarmRole === 'string' ? `${swarmRole}${typeof tag('docker.role') === 'string' ? ` (role=${tag('docker.role')})` : ''}` : undefined,
    };
  });

  // DNS.
  const text = (v: unknown) => typeof v === 'string' ? v : JSON.stringify(v);
  const records: RecordModel[] = [
    ...ofType('Custom::AsgDnsRecord').map((r) => {
      const p = props(r);
      const meta = p.DomainMeta;
      const joined = meta?.['Fn::Join']?.[1];
      const name = typeof meta === 'string' ? meta.split(':').slice(1).join(':') : Array.isArray(joined) ? String(joined[joined.length - 1]).replace(/^:/, '') : text(meta);
      const follows = target(r, p.AutoScalingGroupName);
      return { name, target: 'instances of the group', follows };
    }),
    ...ofType('AWS::Route53::RecordSet').map((r) => {
      const p = props(r);
      const alias = p.AliasTarget?.DNSName;
      const lb = alias === undefined ? undefined : all.find((l) => l.resource.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer' && JSON.stringify(alias).includes(`"${l.logicalId}"`));
      return { name: String(p.Name ?? r.logicalId).replace(/\.$/, ''), target: lb ? lb.key : text(p.ResourceRecords ?? alias ?? p.Type) };
    }),
  ];

  const schedule = (r: Located, expression: unknown, arn: unknown) => {
    const to = target(r, arn);
    return { id: r.key, expression: text(expression), target: to, targetType: byKey.get(to)?.resource.Type };
  };
  const schedules = [
    ...ofType('AWS::Scheduler::Schedule').map((s) => schedule(s, props(s).ScheduleExpression, props(s).Target?.Arn)),
    ...ofType('AWS::Events::Rule').filter((r) => props(r).ScheduleExpression !== undefined)
      .map((r) => schedule(r, props(r).ScheduleExpression, props(r).Targets?.[0]?.Arn)),
  ];

  const chains = ofType('AWS::Lambda::Function').flatMap((f) => {
    const regions = props(f).Environment?.Variables?.REGIONS;
    if (typeof regions !== 'string') return [];
    try {
      const list = JSON.parse(regions);
      return Array.isArray(list) && list.every((r) => typeof r === 'string') ? [{ id: f.key, regions: list as string[] }] : [];
    } catch {
      return [];
    }
  });

  const counts: Record<string, number> = {};
  for (const r of all) counts[r.resource.Type] = (counts[r.resource.Type] ?? 0) + 1;
  const alarmMetrics = ofType('AWS::CloudWatch::Alarm').reduce((sum, a) => {
    const metrics = props(a).Metrics;
    return sum + (Array.isArray(metrics) ? Math.max(1, metrics.filter((m: any) => m.MetricStat !== undefined).length) : 1);
  }, 0);
  return { stack: stack.stack, region, loadBalancers, services, groups, records, schedules, chains, counts, alarmMetrics };
}

/**
 * The name a construct gave a resource: the last segment of its `aws:cdk:path` that is not a generic child id
 * (`Production/Services6/boot/Resource/Service` → `boot`). Absent when the assembly has no path metadata.
 */
function pathName(resource: TemplateResource): string | undefined {
  const p = resource.Metadata?.['aws:cdk:path'];
  if (typeof p !== 'string') return undefined;
  const segments = p.split('/').slice(1);
  while (segments.length > 1 && ['Resource', 'Service', 'Default'].includes(segments[segments.length - 1])) segments.pop();
  return segments[segments.length - 1];
}

/** A count the template states as a number (or numeric string); a reference or parameter (known at deploy time) is undefined. */
function count(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}
