import * as fs from 'fs';
import * as path from 'path';
import { Annotations, CfnOutput, NestedStack, Stack, StackProps, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { FleetCluster } from '../cluster/fleet-cluster';
import { fleetError } from '../errors';
import { FleetDashboard } from '../observability/dashboard';
import { FleetLoadBalancer } from '../routing/fleet-load-balancer';
import { capacityProblem } from '../service/fleet-capacity';
import { FleetService } from '../service/fleet-service';
import { StackTemplates } from '../update-check/assembly';
import { deployedStack, listenerRulesOf } from '../update-check/deployed';
import { alphanumeric, deployedPlacement, serviceStackOf } from './placement';

import type { ServiceConfig } from '../service/service-config';

export type { ServiceConfig };

/** A Route53 hosted zone, given by id so synthesis needs no lookup. */
export interface DomainConfig {
  /** The zone's name, e.g. `example.com`. */
  readonly zoneName: string;
  /** The zone's id, e.g. `Z0123456789ABCDEFGHIJ`. */
  readonly hostedZoneId: string;
}

/** Capacity of a production environment's cluster. */
export interface ProductionCapacity {
  /**
   * EC2 instance type of the cluster's instances, e.g. `t3.medium`.
   *
   * @default t3.medium (FleetCluster's default)
   */
  readonly instanceType?: string;
  /**
   * Fewest instances: ECS managed scaling moves the group between this and `maxCapacity`.
   *
   * @default 2, one per Availability Zone (FleetCluster's default)
   */
  readonly minCapacity?: number;
  /**
   * Most instances, bounding what scaling and deployments may cost.
   *
   * @default 4, or `minCapacity` when that is larger (FleetCluster's default)
   */
  readonly maxCapacity?: number;
}

/** Typed configuration of a production environment. */
export interface ProductionConfig {
  /** The services. */
  readonly services: ServiceConfig[];
  /**
   * Capacity of the cluster.
   *
   * @default - 2 to 4 t3.medium instances
   */
  readonly capacity?: ProductionCapacity;
  /**
   * ACM certificate ARN for HTTPS (HTTP is then redirected).
   *
   * @default - HTTP only
   */
  readonly certificateArn?: string;
  /**
   * Client CIDRs allowed to reach the load balancer.
   *
   * @default - anywhere
   */
  readonly allowedCidrs?: string[];
  /**
   * NAT gateways.
   *
   * @default 1
   */
  readonly natGateways?: number;
  /**
   * Most services per nested stack: synthesis fails beyond it. Every service sits in a nested stack, so the
   * environment grows past CloudFormation's 500 resources per stack; a routed service with its alarms takes about 14
   * resources, 17 when it scales, 26 when it deploys blue/green.
   *
   * @default 25, so scaled, routed services stay under 500 resources per nested stack
   */
  readonly servicesPerNestedStack?: number;
  /**
   * Number of nested stacks services are hashed into (by construct id). Placement depends only on a service's own
   * name, so adding, removing or reordering services never moves another one. Choose it once: changing it moves
   * most services.
   *
   * @default 10
   */
  readonly serviceStacks?: number;
  /**
   * The public hosted zone of the environment's domain. Every route whose host is an exact name in this
   * zone gets an alias A record pointing at the load balancer that serves it.
   *
   * @default - no DNS records; reach the routes through the load balancer DNS names (stack outputs)
   */
  readonly domain?: DomainConfig;
  /**
   * Load balancers that host-based routes may spread over (see FleetLoadBalancerProps.maxLoadBalancers).
   *
   * @default 1
   */
  readonly maxLoadBalancers?: number;
}

/** Properties of a {@link ProductionStack}. */
export interface ProductionStackProps extends StackProps {
  /** The environment's configuration. */
  readonly config: ProductionConfig;
  /**
   * An existing VPC.
   *
   * @default - a new one
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The cloud assembly (\`cdk.out\` directory) of this stack's last deploy: optional, since adding and removing routes is
   * safe without it. With it, no change of any kind gives a listener rule a priority a deployed rule holds, so no
   * update fails with \`PriorityInUse\`; deployed services stay in their nested stacks; and a service rename that would
   * move a Route 53 record fails at synth naming the safe way (see docs/operations.md).
   *
   * @default - the context value \`deployedAssembly\` (\`cdk deploy -c deployedAssembly=deployed.out\`), else none
   */
  readonly deployedAssembly?: string;
}

/**
 * A production environment: a {@link FleetCluster}, a {@link FleetLoadBalancer} and one
 * {@link FleetService} per configured service, routed as configured. Services live in nested
 * stacks of `servicesPerNestedStack`, filled in declaration order, so appending a service never
 * moves another one, and `cdk deploy <stack>` still deploys the whole environment.
 */
export class ProductionStack extends Stack {
  /** The environment's cluster. */
  public readonly cluster: FleetCluster;
  /** The environment's load balancer(s). */
  public readonly loadBalancer: FleetLoadBalancer;
  /** The services by name. */
  public readonly services: Record<string, FleetService> = {};
  /** The environment's CloudWatch dashboard: its alarms, cluster and one row per service. */
  public readonly dashboard: FleetDashboard;

  constructor(scope: Construct, id: string, props: ProductionStackProps) {
    super(scope, id, props);
    const { config } = props;
    const perStack = config.servicesPerNestedStack ?? 25;
    if (!Number.isInteger(perStack) || perStack < 1 || perStack > 55) {
      throw fleetError(this, `servicesPerNestedStack ${perStack} is not valid`, 'use 1 to 55 (a routed service with its alarms takes about 14 resources, 17 scaled, 26 blue/green; 500 per stack)');
    }
    const serviceStacks = config.serviceStacks ?? 10;
    if (!Number.isInteger(serviceStacks) || serviceStacks < 1 || serviceStacks > 100) {
      throw fleetError(this, `serviceStacks ${serviceStacks} is not valid`, 'use a whole number from 1 to 100, chosen once (changing it moves services)');
    }
    const deployedAssembly = props.deployedAssembly ?? this.node.tryGetContext('deployedAssembly');
    if (deployedAssembly !== undefined && (typeof deployedAssembly !== 'string' || Token.isUnresolved(deployedAssembly))) {
      throw fleetError(this, 'deployedAssembly is not a directory path', 'pass the path of the cdk.out directory of the last deploy');
    }

    if (deployedAssembly && !fs.existsSync(path.join(deployedAssembly, 'manifest.json'))) {
      throw fleetError(this, `deployedAssembly '${deployedAssembly}' is not a cloud assembly (it has no manifest.json)`,
        'pass the cdk.out directory kept after the last successful deploy (see docs/operations.md), or leave it out for a first deploy');
    }
    const deployed = deployedAssembly ? deployedStack(deployedAssembly, this.artifactId) : undefined;

    this.cluster = new FleetCluster(this, 'Cluster', {
      vpc: props.vpc,
      natGateways: config.natGateways,
      instanceType: config.capacity?.instanceType ? new ec2.InstanceType(config.capacity.instanceType) : undefined,
      minCapacity: config.capacity?.minCapacity,
      maxCapacity: config.capacity?.maxCapacity,
    });
    this.loadBalancer = new FleetLoadBalancer(this, 'LoadBalancer', {
      vpc: this.cluster.vpc,
      certificate: config.certificateArn ? acm.Certificate.fromCertificateArn(this, 'Certificate', config.certificateArn) : undefined,
      allowedCidrs: config.allowedCidrs,
      maxLoadBalancers: config.maxLoadBalancers,
      deployedRules: deployed ? listenerRulesOf(deployed) : deployedAssembly ? [] : undefined,
    });
    const deployedRecords = deployed ? deployedRecordIds(deployed) : undefined;
    // A deployed service stays where it is, whatever the placement rule says now.
    const deployedStacks = deployed ? deployedPlacement(this.node.id, [...deployed.templates.values()].filter((t) => t.parent).map((t) => ({
      file: t.file, resources: Object.entries(t.template.Resources ?? {}).map(([logicalId, r]) => ({ logicalId, type: r.Type })),
    }))) : new Map<string, string>();

    const zone = config.domain
      ? route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { zoneName: config.domain.zoneName, hostedZoneId: config.domain.hostedZoneId })
      : undefined;
    const seen = new Set<string>();
    const ids = new Set<string>();
    const hostsWithRecords = new Set<string>();
    const nested = new Map<string, { stack: NestedStack; services: string[] }>();
    for (const svc of config.services) {
      for (const name of [svc.name, svc.renamedFrom]) {
        if (name !== undefined && !/^[A-Za-z][A-Za-z0-9-]*$/.test(name)) {
          throw fleetError(this, `service name '${name}' is not valid`, "use letters, digits and '-', starting with a letter");
        }
      }
      if (seen.has(svc.name)) throw fleetError(this, `service '${svc.name}' is configured twice`, 'give each service a unique name');
      seen.add(svc.name);
      const id = svc.renamedFrom ?? svc.name;
      if (ids.has(id)) throw fleetError(this, `service '${svc.name}' is renamed from '${id}', which another service still uses`, 'rename from a name no other service has');
      ids.add(id);
      const capacity = capacityProblem(svc.capacity);
      if (capacity) throw fleetError(this, `service '${svc.name}': ${capacity}`, "give 'ec2', 'fargate' or 'fargate-spot' (FleetCapacity.EC2, FARGATE or FARGATE_SPOT), or leave capacity out for EC2");
      if (svc.group !== undefined && !/^[A-Za-z][A-Za-z0-9]*$/.test(svc.group)) {
        throw fleetError(this, `group '${svc.group}' of service '${svc.name}' is not valid`, 'use letters and digits, starting with a letter, e.g. Services1');
      }
      const stackId = svc.group ?? deployedStacks.get(alphanumeric(id)) ?? serviceStackOf(id, serviceStacks);
      const group = nested.get(stackId) ?? { stack: new NestedStack(this, stackId), services: [] };
      nested.set(stackId, group);
      group.services.push(svc.name);
      if (group.services.length > perStack) {
        throw fleetError(this, `nested stack ${stackId} would hold ${group.services.length} services (${group.services.join(', ')}), more than servicesPerNestedStack (${perStack})`,
          `give some of them another group (a new group moves only those), or raise servicesPerNestedStack up to 55`);
      }
      const service = new FleetService(group.stack, id, {
        cluster: this.cluster,
        image: svc.image,
        cpu: svc.cpu,
        memoryLimitMiB: svc.memoryLimitMiB,
        containerPort: svc.containerPort,
        desiredCount: svc.desiredCount,
        environment: svc.environment,
        command: svc.command,
        scaling: svc.scaling,
        networkMode: svc.networkMode,
        capacity: svc.capacity,
        deploymentStrategy: svc.deploymentStrategy,
      });
      this.services[svc.name] = service;
      for (const options of svc.routes ?? []) {
        const route = this.loadBalancer.route(service, options);
        const host = route.host?.toLowerCase();
        if (zone && host && !/[*?]/.test(host) && isInZone(host, zone.zoneName) && !hostsWithRecords.has(host)) {
          hostsWithRecords.add(host);
          // Beside the service, so the record counts against the service's nested stack, not the parent's 500 resources.
          const record = new route53.ARecord(service, `Dns-${host}`, {
            zone,
            recordName: `${host}.`,
            target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(route.loadBalancer)),
          });
          checkRecordStays(this, record, `${host}.`, svc, deployedRecords);
        }
        if (deployed) warnAboutPortChange(service, route.targetGroup, deployed);
      }
    }

    this.dashboard = new FleetDashboard(this, 'Dashboard', { cluster: this.cluster, loadBalancer: this.loadBalancer });
    for (const service of Object.values(this.services)) this.dashboard.addService(service);

    this.loadBalancer.loadBalancers.forEach((lb, i) => {
      new CfnOutput(this, i === 0 ? 'LoadBalancerDnsName' : `LoadBalancer${i + 1}DnsName`, { value: lb.loadBalancerDnsName });
    });
  }
}

/** Deployed alias records: record name → `<template file>#<logical id>`. */
function deployedRecordIds(deployed: StackTemplates): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, t] of deployed.templates) {
    for (const [logicalId, r] of Object.entries(t.template.Resources ?? {})) {
      const name = r.Properties?.Name;
      if (r.Type === 'AWS::Route53::RecordSet' && typeof name === 'string') out.set(name.toLowerCase(), `${file}#${logicalId}`);
    }
  }
  return out;
}

/**
 * A Route 53 name can exist once: a record that moves to another logical id or nested stack is created while the old
 * one still exists, and the deploy fails. Renames and regrouping must keep records where they are.
 */
function checkRecordStays(scope: Construct, record: route53.ARecord, name: string, svc: ServiceConfig, deployed: Map<string, string> | undefined): void {
  const was = deployed?.get(name.toLowerCase());
  if (!was) return;
  const cfn = record.node.defaultChild as route53.CfnRecordSet;
  const stack = Stack.of(cfn);
  const now = `${stack.templateFile}#${stack.resolve(cfn.logicalId)}`;
  if (now === was) return;
  throw fleetError(scope, `the alias record ${name} would move from ${was} to ${now} (service '${svc.name}' was renamed or regrouped); `
    + 'Route 53 cannot create it while the deployed one exists, so the deploy would fail',
  `keep the service's deployed identity: set renamedFrom: '<old name>' on '${svc.name}' (and its old group, if it had one), which replaces nothing`);
}

/**
 * A new container port replaces the service's target group (Port is immutable), and the listener rule switches to
 * the new, empty group while ECS is still starting the tasks that will register in it: requests get 503 until they
 * pass the health check. Warns once per target group, naming the two-step change that avoids it.
 */
function warnAboutPortChange(service: FleetService, targetGroup: elbv2.ApplicationTargetGroup, deployed: StackTemplates): void {
  const cfn = targetGroup.node.defaultChild as elbv2.CfnTargetGroup;
  const stack = Stack.of(cfn);
  const logicalId = stack.resolve(cfn.logicalId) as string;
  const before = deployed.templates.get(stack.templateFile)?.template.Resources?.[logicalId]?.Properties?.Port;
  const now = service.containerPort;
  if (typeof before !== 'number' || now === undefined || before === now || WARNED.has(cfn)) return;
  WARNED.add(cfn);
  Annotations.of(service).addWarningV2('@cdk-container-fleet/environments:containerPortChange',
    `containerPort changes from ${before} to ${now}: the target group is replaced and its listener rules switch to the new, empty group while ECS starts the new tasks, `
    + 'so requests get 503 until they pass the health check. To change it without an outage, do it in two deploys: '
    + `(1) add the new port as a second service (e.g. '${service.node.id}-v2') on a temporary route and let it become healthy; `
    + `(2) move the routes to it and remove '${service.node.id}' (the moved rules take fresh priorities; the old rules serve until cleanup). See docs/operations.md`);
}

const WARNED = new WeakSet<elbv2.CfnTargetGroup>();

function isInZone(host: string, zoneName: string): boolean {
  const zone = zoneName.toLowerCase().replace(/\.$/, '');
  return host === zone || host.endsWith(`.${zone}`);
}
