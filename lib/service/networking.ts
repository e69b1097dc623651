/**
 * awsvpc networking of a FleetService on the cluster's EC2 capacity: each task gets its own elastic network interface
 * (ENI) in the VPC's private subnets, behind a security group of its own, and load balancers reach it by IP on its
 * container port. The price is ENIs: an instance attaches a fixed number of them, one of which is its own, so without
 * ENI trunking an instance runs at most (ENIs − 1) awsvpc tasks, whatever CPU and memory it has left.
 */
import { Annotations, Aspects, IAspect, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct, IConstruct } from 'constructs';

export { FleetNetworkMode } from './network-mode';

/** Maximum network interfaces by instance size of the burstable families (EC2 instance type specifications). */
const BURSTABLE_ENIS: Record<string, Record<string, number>> = {
  t2: { nano: 2, micro: 2, small: 2, medium: 3, large: 3, xlarge: 3, '2xlarge': 3 },
  t3: { nano: 2, micro: 2, small: 3, medium: 3, large: 3, xlarge: 4, '2xlarge': 4 },
};
/** Maximum network interfaces by size of the Nitro c, m and r families from the 5th generation on. */
const NITRO_ENIS: Record<string, number> = {
  medium: 2, large: 3, xlarge: 4, '2xlarge': 4, '4xlarge': 8, '8xlarge': 8, '9xlarge': 8, '12xlarge': 8, '16xlarge': 15, '18xlarge': 15, '24xlarge': 15,
};

/**
 * The most network interfaces an instance type attaches, from a small table (t2, t3, t3a, t4g and the c/m/r families
 * from the 5th generation on), or undefined when the type is not in it (then nothing is checked).
 */
export function maxNetworkInterfaces(instanceType: string): number | undefined {
  const match = /^([a-z]+)(\d+)([a-z-]*)\.([a-z0-9]+)$/.exec(instanceType.trim().toLowerCase());
  if (!match) return undefined;
  const [, letters, generation, , size] = match;
  if (letters === 't') return BURSTABLE_ENIS[generation === '2' ? 't2' : 't3'][size];
  if (['c', 'm', 'r'].includes(letters) && Number(generation) >= 5) return NITRO_ENIS[size];
  return undefined;
}

/**
 * awsvpc tasks one instance of `instanceType` runs without ENI trunking: its network interfaces less its own primary
 * one. Undefined when the type is not in the table.
 */
export function awsvpcTasksPerInstance(instanceType: string): number | undefined {
  const enis = maxNetworkInterfaces(instanceType);
  return enis === undefined ? undefined : enis - 1;
}

/** One awsvpc service of a cluster, for the ENI check. */
export interface AwsvpcTasks {
  /** The service's construct path. */
  readonly path: string;
  /** Most tasks it runs at once: its desired count, or its scaling maximum; a deployment at 200 % doubles it. */
  readonly tasks: number;
}

/**
 * Why the awsvpc services of a cluster of at most `instances` instances of `instanceType` cannot all be placed without
 * ENI trunking, or undefined when they can (or the type is not in the table, or a count is a token).
 */
export function eniLimitProblem(instanceType: string, instances: number, services: readonly AwsvpcTasks[]): string | undefined {
  const perInstance = awsvpcTasksPerInstance(instanceType);
  if (perInstance === undefined || Token.isUnresolved(instances) || services.some((s) => Token.isUnresolved(s.tasks))) return undefined;
  const total = services.reduce((sum, s) => sum + s.tasks, 0);
  const room = perInstance * instances;
  if (total <= room) return undefined;
  const each = services.map((s) => `${s.path} ${s.tasks}`).join(', ');
  return `the cluster's awsvpc services run up to ${total} tasks (${each}), but ${instances} ${instanceType} instances hold at most ${room} `
    + `without ENI trunking (${perInstance} per instance: ${perInstance + 1} network interfaces, one of them the instance's own)`;
}

/** The awsvpc services of each cluster (keyed by the ECS cluster construct), checked together once before synthesis. */
const AWSVPC_SERVICES = new WeakMap<IConstruct, Array<{ service: Construct; tasks: () => number }>>();

/**
 * Registers an awsvpc service of a cluster for the ENI check: a warning on the service when the cluster's awsvpc
 * services together need more ENIs than its largest size offers without trunking. A warning, not an error: with
 * `awsvpcTrunking` turned on for the instances' role, the limit is much higher (acknowledge the warning then).
 */
export function checkEniLimit(service: Construct, cluster: IConstruct, instanceType: string, maxInstances: () => number, tasks: () => number): void {
  let services = AWSVPC_SERVICES.get(cluster);
  if (!services) {
    services = [];
    AWSVPC_SERVICES.set(cluster, services);
  }
  services.push({ service, tasks });
  const all = services;
  const aspect: IAspect = {
    visit: (node) => {
      if (node !== service) return;
      const problem = eniLimitProblem(instanceType, maxInstances(), all.map((s) => ({ path: s.service.node.path, tasks: s.tasks() })));
      if (!problem) return;
      Annotations.of(service).addWarningV2('@cdk-container-fleet/service:eniLimit', `${problem}: ECS cannot place the rest, and managed scaling stops at the group's maximum. `
        + 'Turn on ENI trunking (`aws ecs put-account-setting-default --name awsvpcTrunking --value enabled`, on a trunking-capable type such as c5/m5/r5 and newer; '
        + 'instances launched afterwards get a trunk interface) and acknowledge this warning, choose a larger instance type, raise maxCapacity, or use bridge networking '
        + '(docs/networking.md, "ENI limits and trunking")');
    },
  };
  Aspects.of(service).add(aspect);
}

/**
 * The security group of an awsvpc service's tasks: its own, so other services and load balancers are admitted to it
 * one by one. Egress stays open, as the instances' is in bridge mode: tasks pull images and call AWS APIs.
 */
export function taskSecurityGroup(scope: Construct, vpc: ec2.IVpc): ec2.SecurityGroup {
  return new ec2.SecurityGroup(scope, 'SecurityGroup', {
    vpc,
    description: `Tasks of ${scope.node.path} (awsvpc)`,
    allowAllOutbound: true,
  });
}

/** The awsvpc Service Connect services of each cluster, admitted to each other as they come. */
const SERVICE_CONNECT_GROUPS = new WeakMap<IConstruct, Array<{ group: ec2.ISecurityGroup; ports: number[] }>>();

/**
 * Service Connect of an awsvpc service: its proxy listens on the published container ports of the task's own
 * interface, so its security group admits the other Service Connect clients of the cluster there: the instances (whose
 * bridge-mode tasks' proxies connect from the instance address) and every other awsvpc Service Connect service. And
 * since this service is a client too, the instances admit it on their dynamic host ports (bridge-mode servers' proxies)
 * and the other awsvpc services admit it on their published ports.
 */
export function awsvpcServiceConnect(cluster: IConstruct, group: ec2.ISecurityGroup, instances: ec2.Connections, ports: number[], dynamicHostPorts: ec2.Port): void {
  const others = SERVICE_CONNECT_GROUPS.get(cluster) ?? [];
  SERVICE_CONNECT_GROUPS.set(cluster, others);
  for (const port of ports) {
    for (const peer of instances.securityGroups) group.addIngressRule(peer, ec2.Port.tcp(port), 'Service Connect clients on the cluster instances (bridge mode)');
    group.addIngressRule(group, ec2.Port.tcp(port), 'Service Connect between tasks of this service');
  }
  for (const peer of instances.securityGroups) peer.addIngressRule(group, dynamicHostPorts, 'Service Connect from an awsvpc service to bridge-mode servers');
  for (const other of others) {
    for (const port of ports) group.addIngressRule(other.group, ec2.Port.tcp(port), 'Service Connect from another awsvpc service of the cluster');
    for (const port of other.ports) other.group.addIngressRule(group, ec2.Port.tcp(port), 'Service Connect from another awsvpc service of the cluster');
  }
  others.push({ group, ports });
}
