import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { fleetError } from '../errors';

/** What one EC2 instance offers to tasks at most: its vCPUs (as ECS CPU units) and its memory. */
export interface InstanceCapacity {
  /** CPU units (1,024 per vCPU). */
  readonly cpu: number;
  /** Memory in MiB (the instance's total: ECS registers a little less, so this is an upper bound). */
  readonly memoryMiB: number;
}

/** Burstable families (t2, t3, t3a, t4g): vCPUs and GiB by size. */
const BURSTABLE: Record<string, [number, number]> = {
  nano: [2, 0.5], micro: [2, 1], small: [2, 2], medium: [2, 4], large: [2, 8], xlarge: [4, 16], '2xlarge': [8, 32],
};
/** GiB per vCPU of the fixed-performance families. */
const GIB_PER_VCPU: Record<string, number> = { c: 2, m: 4, r: 8 };

/**
 * The capacity of an instance type given as `family.size` (`t3.medium`, `m6i.2xlarge`, `c7g.large`), from a small
 * table: burstable t2/t3/t3a/t4g, and the c (2 GiB per vCPU), m (4) and r (8) families from medium (1 vCPU) up.
 * Undefined for anything else (metal sizes, other families): then nothing is checked.
 */
export function instanceCapacity(instanceType: string): InstanceCapacity | undefined {
  const match = /^([a-z]+)(\d+)([a-z-]*)\.([a-z0-9]+)$/.exec(instanceType.trim().toLowerCase());
  if (!match) return undefined;
  const [, letters, generation, , size] = match;
  const of = (vcpus: number, gib: number): InstanceCapacity => ({ cpu: vcpus * 1024, memoryMiB: gib * 1024 });
  if (letters === 't' && ['2', '3', '4'].includes(generation)) {
    const entry = BURSTABLE[size];
    return entry ? of(entry[0], entry[1]) : undefined;
  }
  const perVcpu = GIB_PER_VCPU[letters];
  if (perVcpu === undefined) return undefined;
  const sizeMatch = /^(\d*)xlarge$/.exec(size);
  const vcpus = size === 'medium' ? 1 : size === 'large' ? 2 : sizeMatch ? 4 * Number(sizeMatch[1] || 1) : undefined;
  return vcpus === undefined ? undefined : of(vcpus, vcpus * perVcpu);
}

/**
 * The least of each dimension over several instance types (a mixed instances group may launch only the smallest), or
 * undefined when a type is not in the table.
 */
export function smallestCapacity(instanceTypes: readonly string[]): InstanceCapacity | undefined {
  const capacities = instanceTypes.map(instanceCapacity);
  if (!capacities.length || capacities.some((c) => c === undefined)) return undefined;
  const known = capacities as InstanceCapacity[];
  return { cpu: Math.min(...known.map((c) => c.cpu)), memoryMiB: Math.min(...known.map((c) => c.memoryMiB)) };
}

/**
 * Why a task of `cpu` units and `memoryMiB` cannot run on `instanceType`, or undefined when it can (or the type is
 * not in the table, or a value is a token).
 */
export function taskFitProblem(instanceType: string, cpu: number, memoryMiB: number): string | undefined {
  const capacity = instanceCapacity(instanceType);
  if (!capacity) return undefined;
  if (!Token.isUnresolved(cpu) && cpu > capacity.cpu) {
    return `cpu ${cpu} is more than a ${instanceType} instance has (${capacity.cpu} CPU units), so no task could ever be placed`;
  }
  if (!Token.isUnresolved(memoryMiB) && memoryMiB > capacity.memoryMiB) {
    return `memoryLimitMiB ${memoryMiB} is more than a ${instanceType} instance has (${capacity.memoryMiB} MiB), so no task could ever be placed`;
  }
  return undefined;
}

/** What one container of a task reserves on its instance. */
export interface ContainerReservation {
  readonly name: string;
  /** CPU units (0 when the container sets none). */
  readonly cpu: number;
  /** MiB ECS reserves for it: the soft limit (memoryReservation) when set, else the hard limit. */
  readonly memoryMiB: number;
}

/**
 * Why a task whose containers reserve this much together cannot run on `instanceType`, or undefined when it can (or the
 * type is not in the table). ECS places a task on EC2 by the sum of its containers' CPU units and memory reservations.
 */
export function containersFitProblem(instanceType: string, containers: readonly ContainerReservation[]): string | undefined {
  const capacity = instanceCapacity(instanceType);
  if (!capacity) return undefined;
  const cpu = containers.reduce((sum, c) => sum + c.cpu, 0);
  const memoryMiB = containers.reduce((sum, c) => sum + c.memoryMiB, 0);
  const each = (value: (c: ContainerReservation) => number) => containers.map((c) => `${c.name} ${value(c)}`).join(', ');
  if (cpu > capacity.cpu) {
    return `the task's ${containers.length} containers together reserve ${cpu} CPU units (${each((c) => c.cpu)}), more than a ${instanceType} instance has (${capacity.cpu}), so no task could ever be placed`;
  }
  if (memoryMiB > capacity.memoryMiB) {
    return `the task's ${containers.length} containers together reserve ${memoryMiB} MiB (${each((c) => c.memoryMiB)}), more than a ${instanceType} instance has (${capacity.memoryMiB} MiB), so no task could ever be placed`;
  }
  return undefined;
}

/**
 * Checks, once the app is built, that every container of `taskDefinition` together fits one instance: containers can
 * be added after the service (`service.taskDefinition.addContainer(...)`, a log router, a proxy), and the check at
 * construction sees only the main one. Values that are tokens are not judged.
 */
export function addTaskFitValidation(scope: Construct, instanceTypes: ec2.InstanceType | readonly ec2.InstanceType[] | undefined, taskDefinition: ecs.TaskDefinition): void {
  // An imported cluster without its instance type: nothing to check against (the cluster says so once).
  if (instanceTypes === undefined) return;
  scope.node.addValidation({
    validate: () => {
      const containers = taskDefinition.node.children.filter((c): c is ecs.ContainerDefinition => c instanceof ecs.ContainerDefinition);
      if (containers.length < 2) return [];
      const reservations: ContainerReservation[] = [];
      for (const container of containers) {
        const rendered = container.renderContainerDefinition();
        const memory = rendered.memoryReservation ?? rendered.memory ?? 0;
        const cpu = rendered.cpu ?? 0;
        if (Token.isUnresolved(memory) || Token.isUnresolved(cpu)) return [];
        reservations.push({ name: container.containerName, cpu, memoryMiB: memory });
      }
      // A cluster of several types (additionalInstanceTypes) may launch any of them: the task must fit each.
      const types = typesOf(instanceTypes);
      const instanceType = types.find((t) => containersFitProblem(t.toString(), reservations) !== undefined);
      if (!instanceType) return [];
      const problem = containersFitProblem(instanceType.toString(), reservations)!;
      const cpu = reservations.reduce((sum, c) => sum + c.cpu, 0);
      const memoryMiB = reservations.reduce((sum, c) => sum + c.memoryMiB, 0);
      return [fleetError(scope, problem,
        `lower the containers' cpu or memory, or give the FleetCluster a larger instanceType (for example ${suggestLarger(instanceType.toString(), cpu, memoryMiB)})`).message];
    },
  });
}

/** Throws when a task of this size can never be placed on the cluster's instances. */
export function checkTaskFitsInstance(scope: Construct, instanceTypes: ec2.InstanceType | readonly ec2.InstanceType[] | undefined, cpu: number, memoryMiB: number): void {
  if (instanceTypes === undefined) return;
  // A cluster of several types (additionalInstanceTypes) may launch any of them: the task must fit the smallest.
  for (const instanceType of typesOf(instanceTypes)) {
    const problem = taskFitProblem(instanceType.toString(), cpu, memoryMiB);
    if (!problem) continue;
    throw fleetError(scope, problem, `lower it, or give the FleetCluster a larger instanceType (for example ${suggestLarger(instanceType.toString(), cpu, memoryMiB)})`);
  }
}

function typesOf(instanceTypes: ec2.InstanceType | readonly ec2.InstanceType[]): readonly ec2.InstanceType[] {
  return Array.isArray(instanceTypes) ? instanceTypes : [instanceTypes as ec2.InstanceType];
}

function suggestLarger(instanceType: string, cpu: number, memoryMiB: number): string {
  const family = instanceType.split('.')[0];
  const sizes = family.startsWith('t') ? Object.keys(BURSTABLE) : ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'];
  const fit = sizes.map((s) => `${family}.${s}`).find((t) => {
    const c = instanceCapacity(t);
    return c !== undefined && c.cpu >= cpu && c.memoryMiB >= memoryMiB;
  });
  return fit ?? 'an m7i.2xlarge';
}

/**
 * Throws when a VPC given to FleetCluster lacks the subnets its instances go into: private subnets with egress
 * (`PRIVATE_WITH_EGRESS`), which the instances need to reach ECS, ECR and SSM without a public address.
 */
export function checkClusterSubnets(scope: Construct, vpc: ec2.IVpc): void {
  if (vpc.privateSubnets.length === 0) {
    const has = [vpc.publicSubnets.length ? 'public' : '', vpc.isolatedSubnets.length ? 'isolated' : ''].filter(Boolean).join(' and ') || 'no';
    throw fleetError(scope, `the vpc has no private subnets with egress (PRIVATE_WITH_EGRESS), where the cluster's instances run; it has ${has} subnets`,
      'add PRIVATE_WITH_EGRESS subnets (private subnets with a NAT gateway) to that VPC, or leave vpc out and let FleetCluster create one (natGateways: 0 puts the instances in public subnets)');
  }
}
