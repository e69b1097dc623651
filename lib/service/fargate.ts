/**
 * Fargate and Fargate Spot as a FleetService's capacity: a FargateTaskDefinition sized to one of the task sizes
 * Fargate offers, a FargateService placed with the FARGATE / FARGATE_SPOT capacity providers (not a launch type, so
 * Spot and an on-demand base work), those providers associated with the cluster, and the task definition options
 * Fargate refuses turned into synth-time errors with their fix instead of a failed deployment.
 */
import { Annotations, Lazy, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import type { IFleetCluster } from '../cluster/imported-cluster';
import { fleetError } from '../errors';
import { checkWholeNumber } from '../validation';
import { describeMemories, FargateTaskSize, fargateMemorySizes, fargateTaskSizeProblem, LARGEST_FARGATE_TASK, smallestFargateTaskSize } from './fargate-sizing';
import { FleetCapacity } from './fleet-capacity';
import { FleetNetworkMode } from './network-mode';

/** Options of a {@link FleetService} on Fargate (`capacity: FleetCapacity.FARGATE` or `FARGATE_SPOT`). */
export interface FleetFargateOptions {
  /**
   * Task-level CPU units (256, 512, 1024, 2048, 4096, 8192 or 16384). Fargate bills the task by its task size and
   * runs only the sizes it offers, so an invalid pair is refused at synth, naming the valid memory sizes. Give both
   * `taskCpu` and `taskMemoryMiB`, or neither.
   *
   * @default - the smallest Fargate size that holds every container of the task (their `cpu` and memory added up)
   */
  readonly taskCpu?: number;

  /**
   * Task-level memory in MiB, one Fargate offers with `taskCpu` (256: 512, 1024 or 2048; 512: 1024 to 4096 in steps of
   * 1024; see docs/networking.md, "Fargate"). With a task size given, the service's container shares the whole task
   * unless `cpu` / `memoryLimitMiB` say otherwise.
   *
   * @default - the smallest Fargate size that holds every container of the task
   */
  readonly taskMemoryMiB?: number;

  /**
   * With FARGATE_SPOT: this many tasks run on demand (FARGATE) before any runs on Spot, so a Spot reclaim never takes
   * the service below them.
   *
   * @default 0: every task on Spot
   */
  readonly onDemandBase?: number;

  /**
   * Give each task a public IP address in the VPC's public subnets, for a VPC without NAT gateways (a QA cluster with
   * `natGateways: 0`): a Fargate task needs a route to the internet, or VPC endpoints, to pull its image and send its
   * logs. The tasks' security group still admits only what routes to them.
   *
   * @default false: private subnets, through the VPC's NAT gateways
   */
  readonly assignPublicIp?: boolean;
}

/** What the Fargate checks need of the service's props (the service module imports this one, not the other way round). */
export interface FargateInput {
  readonly cluster: IFleetCluster;
  readonly capacity?: FleetCapacity;
  readonly fargate?: FleetFargateOptions;
  readonly networkMode?: FleetNetworkMode;
  readonly cpu?: number;
  readonly memoryLimitMiB?: number;
  readonly memoryReservationMiB?: number;
  readonly privileged?: boolean;
  readonly addCapabilities?: ecs.Capability[];
  readonly devices?: ecs.Device[];
  readonly sharedMemoryMiB?: number;
  readonly tmpfs?: ecs.Tmpfs[];
  readonly swappiness?: number;
  readonly maxSwapMiB?: number;
  readonly gpuCount?: number;
  readonly extraHosts?: Record<string, unknown>;
  readonly hostname?: string;
  readonly hostVolumes?: unknown[];
  readonly placement?: string;
}

/** The part of the ECS service's props that makes it a Fargate service. */
export interface FargateServiceScheduling {
  readonly desiredCount: number;
  readonly capacityProviderStrategies: ecs.CapacityProviderStrategy[];
  readonly platformVersion: ecs.FargatePlatformVersion;
  readonly assignPublicIp: boolean;
  readonly vpcSubnets: ec2.SubnetSelection;
}

/**
 * Refuses what Fargate cannot run (ECS Developer Guide, "Amazon ECS task definition differences for Fargate"), each
 * with its fix: bridge networking, privileged containers, capabilities other than SYS_PTRACE, devices, shared memory
 * and tmpfs sizes, swap, GPUs, /etc/hosts entries and a host name (awsvpc), host volumes, placement strategies, a
 * task size Fargate does not offer, and a VPC the tasks could not reach the internet from.
 */
export function checkFargateService(scope: Construct, input: FargateInput): void {
  const capacity = input.capacity === FleetCapacity.FARGATE_SPOT ? 'FARGATE_SPOT' : 'FARGATE';
  const refuse = (what: string, fix: string): never => {
    throw fleetError(scope, `capacity ${capacity}: ${what}`, fix);
  };
  if (input.networkMode === FleetNetworkMode.BRIDGE) {
    refuse('Fargate runs every task in awsvpc mode (its own network interface), and networkMode is BRIDGE', 'leave networkMode out (it defaults to AWS_VPC on Fargate), or run the service on FleetCapacity.EC2');
  }
  if (input.privileged) refuse('Fargate runs no privileged container', 'drop privileged, and add only the capability the container needs (Fargate allows SYS_PTRACE), or run the service on FleetCapacity.EC2');
  const added = (input.addCapabilities ?? []).filter((c) => c !== ecs.Capability.SYS_PTRACE);
  if (added.length) refuse(`Fargate adds no capability but SYS_PTRACE, and addCapabilities has ${added.join(', ')}`, 'remove them, or run the service on FleetCapacity.EC2');
  const unsupported: Array<[string, boolean]> = [
    ['devices', (input.devices ?? []).length > 0],
    ['sharedMemoryMiB', input.sharedMemoryMiB !== undefined],
    ['tmpfs', (input.tmpfs ?? []).length > 0],
    ['swappiness', input.swappiness !== undefined],
    ['maxSwapMiB', input.maxSwapMiB !== undefined],
    ['gpuCount', input.gpuCount !== undefined],
    ['extraHosts', Object.keys(input.extraHosts ?? {}).length > 0],
    ['hostname', input.hostname !== undefined],
    ['hostVolumes', (input.hostVolumes ?? []).length > 0],
  ];
  for (const [name, set] of unsupported) {
    if (set) refuse(`Fargate does not support ${name} (ECS refuses the task definition)`, `leave ${name} out${name === 'hostVolumes' ? ' (use efsVolumes for data that must outlive a task)' : ''}, or run the service on FleetCapacity.EC2`);
  }
  if (input.placement !== undefined) {
    refuse(`Fargate takes no placement strategy (it spreads tasks over Availability Zones itself), and placement is ${input.placement}`, 'leave placement out, or run the service on FleetCapacity.EC2');
  }
  const options = input.fargate ?? {};
  checkWholeNumber(scope, 'fargate.onDemandBase', options.onDemandBase, { min: 0, max: 100_000, unit: 'tasks' });
  if (options.onDemandBase !== undefined && input.capacity !== FleetCapacity.FARGATE_SPOT) {
    refuse('fargate.onDemandBase keeps tasks on demand beside Fargate Spot, and the capacity is not FARGATE_SPOT', 'set capacity: FleetCapacity.FARGATE_SPOT, or leave onDemandBase out (every FARGATE task is on demand)');
  }
  checkTaskSize(options, refuse);
  const tokens = ([['cpu', input.cpu], ['memoryLimitMiB', input.memoryLimitMiB], ['memoryReservationMiB', input.memoryReservationMiB]] as const)
    .filter(([, v]) => v !== undefined && Token.isUnresolved(v)).map(([name]) => name);
  if (tokens.length && options.taskCpu === undefined) {
    refuse(`${tokens.join(' and ')} ${tokens.length > 1 ? 'are tokens' : 'is a token'}, so the Fargate task size that holds the container is not known at synth`,
      'give fargate.taskCpu and fargate.taskMemoryMiB when cpu or memory are tokens');
  }
  checkFargateProviders(scope, input.cluster);
  if (!options.assignPublicIp && input.cluster.vpc.privateSubnets.length === 0) {
    refuse("the cluster's VPC has no private subnets with a NAT gateway, so tasks without a public IP address could not pull images or send logs",
      'give the cluster NAT gateways (natGateways: 1), or set fargate: { assignPublicIp: true } to run the tasks in the public subnets');
  }
}

function checkTaskSize(options: FleetFargateOptions, refuse: (what: string, fix: string) => never): void {
  const { taskCpu, taskMemoryMiB } = options;
  if ((taskCpu === undefined) !== (taskMemoryMiB === undefined)) {
    refuse(`fargate.${taskCpu === undefined ? 'taskMemoryMiB' : 'taskCpu'} is given without fargate.${taskCpu === undefined ? 'taskCpu' : 'taskMemoryMiB'}`,
      'give both (a size Fargate offers, e.g. taskCpu: 512, taskMemoryMiB: 1024), or neither to get the smallest size that holds the containers');
  }
  if (taskCpu === undefined || taskMemoryMiB === undefined || Token.isUnresolved(taskCpu) || Token.isUnresolved(taskMemoryMiB)) return;
  const problem = fargateTaskSizeProblem(taskCpu, taskMemoryMiB);
  if (!problem) return;
  const memories = fargateMemorySizes(taskCpu);
  const nearest = smallestFargateTaskSize(taskCpu, taskMemoryMiB);
  refuse(problem, memories
    ? `give taskMemoryMiB ${describeMemories(memories)}${nearest ? ` (or taskCpu ${nearest.cpu} with taskMemoryMiB ${nearest.memoryMiB})` : ''}`
    : `give taskCpu ${nearest ? nearest.cpu : 16_384} with a taskMemoryMiB it offers (docs/networking.md, "Fargate")`);
}

/** The container's CPU units and memory on Fargate. */
export interface FargateContainerSize {
  readonly cpu?: number;
  readonly memoryLimitMiB?: number;
  readonly memoryReservationMiB?: number;
}

/**
 * The container's own CPU units and memory on Fargate. The task's memory is the hard limit Fargate enforces, so the
 * container has a hard limit of its own only when `memoryLimitMiB` says so; without one it may use what the task has
 * (sidecars included). Without a task size, the container reserves the service defaults (256 units, 512 MiB), from
 * which the task size is derived; with one, it shares the whole task.
 */
export function fargateContainerSize(input: FargateInput): FargateContainerSize {
  const sized = input.fargate?.taskCpu !== undefined;
  return {
    cpu: input.cpu ?? (sized ? undefined : 256),
    memoryLimitMiB: input.memoryLimitMiB,
    memoryReservationMiB: input.memoryReservationMiB ?? (sized || input.memoryLimitMiB !== undefined ? undefined : 512),
  };
}

/**
 * The service's Fargate task definition. Without an explicit size, its CPU and memory are the smallest Fargate size
 * that holds every container once the app is built (a compose secrets sidecar, a log router added later), so adding a
 * container grows the task instead of failing the deployment. A container whose size is a token leaves the need
 * unknown: that fails the synth unless the size is given.
 */
export function fargateTaskDefinition(scope: Construct, options: FleetFargateOptions): ecs.FargateTaskDefinition {
  const given = options.taskCpu !== undefined && options.taskMemoryMiB !== undefined ? { cpu: options.taskCpu, memoryMiB: options.taskMemoryMiB } : undefined;
  let taskDefinition: ecs.FargateTaskDefinition | undefined = undefined;
  const needed = () => containersNeed(taskDefinition!);
  // The largest task is produced only when nothing fits or a container's size is a token without a given size: the
  // validation below fails the synth in both cases, so no template ever gets it by default.
  const size = () => given ?? (needed() && smallestFargateTaskSize(needed()!.cpu, needed()!.memoryMiB)) ?? LARGEST_FARGATE_TASK;
  taskDefinition = new ecs.FargateTaskDefinition(scope, 'TaskDefinition', {
    cpu: Lazy.number({ produce: () => size().cpu }),
    memoryLimitMiB: Lazy.number({ produce: () => size().memoryMiB }),
  });
  scope.node.addValidation({
    validate: () => {
      const need = needed();
      if (!need) {
        // Unknown need: without a given size the task would silently be the largest (16 vCPU, 120 GiB) and billed so.
        return given ? [] : [fleetError(scope, "a container's cpu or memory is a token, so the Fargate task size that holds the containers is not known at synth",
          'give fargate.taskCpu and fargate.taskMemoryMiB when cpu or memory are tokens').message];
      }
      if (given && (need.cpu > given.cpu || need.memoryMiB > given.memoryMiB)) {
        const fits = smallestFargateTaskSize(need.cpu, need.memoryMiB);
        const over = [
          ...(need.cpu > given.cpu ? [`${need.cpu} CPU units (the task has ${given.cpu})`] : []),
          ...(need.memoryMiB > given.memoryMiB ? [`${need.memoryMiB} MiB (the task has ${given.memoryMiB})`] : []),
        ];
        return [fleetError(scope, `the task's containers together need ${over.join(' and ')}, more than the Fargate task size fargate.taskCpu / taskMemoryMiB`,
          fits ? `give fargate: { taskCpu: ${fits.cpu}, taskMemoryMiB: ${fits.memoryMiB} }, or lower the containers' cpu or memory` : "lower the containers' cpu or memory").message];
      }
      if (!given && !smallestFargateTaskSize(need.cpu, need.memoryMiB)) {
        return [fleetError(scope, `the task's containers need ${need.cpu} CPU units and ${need.memoryMiB} MiB together, more than the largest Fargate task (${LARGEST_FARGATE_TASK.cpu} units, ${LARGEST_FARGATE_TASK.memoryMiB} MiB)`,
          "lower the containers' cpu or memory, or run the service on FleetCapacity.EC2").message];
      }
      return [];
    },
  });
  return taskDefinition;
}


/**
 * CPU units and memory of every container of the task added up (a container without a hard limit counts its
 * reservation), or undefined while one of them is a token.
 */
function containersNeed(taskDefinition: ecs.TaskDefinition): FargateTaskSize | undefined {
  let cpu = 0;
  let memoryMiB = 0;
  for (const container of taskDefinition.node.children) {
    if (!(container instanceof ecs.ContainerDefinition)) continue;
    const rendered = container.renderContainerDefinition();
    const memory = rendered.memory ?? rendered.memoryReservation ?? 0;
    if (Token.isUnresolved(memory) || Token.isUnresolved(rendered.cpu)) return undefined;
    cpu += rendered.cpu ?? 0;
    memoryMiB += memory;
  }
  return { cpu, memoryMiB };
}

/**
 * How the Fargate service is placed: with the FARGATE / FARGATE_SPOT capacity providers (a launch type would rule
 * out Spot), on the latest platform version (EFS, Service Connect and the larger task sizes need 1.4.0 or later), in
 * the private subnets, or the public ones with a public IP (the cluster has the two providers: checkFargateService).
 */
export function fargateScheduling(input: FargateInput, desiredCount: number): FargateServiceScheduling {
  const spot = input.capacity === FleetCapacity.FARGATE_SPOT;
  const base = input.fargate?.onDemandBase ?? 0;
  const capacityProviderStrategies: ecs.CapacityProviderStrategy[] = !spot
    ? [{ capacityProvider: 'FARGATE', weight: 1 }]
    : base > 0
      ? [{ capacityProvider: 'FARGATE', base, weight: 0 }, { capacityProvider: 'FARGATE_SPOT', weight: 1 }]
      : [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
  const assignPublicIp = input.fargate?.assignPublicIp ?? false;
  return {
    desiredCount,
    capacityProviderStrategies,
    platformVersion: ecs.FargatePlatformVersion.LATEST,
    assignPublicIp,
    vpcSubnets: { subnetType: assignPublicIp ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS },
  };
}

/**
 * Whether the cluster has the FARGATE and FARGATE_SPOT capacity providers. A FleetCluster associates them when it is
 * made (`fargateCapacityProviders`, default true), never when a service joins: ECS refuses to take a provider out of
 * the association while a service uses it, so an association that followed the services would fail the deployment
 * that removes the last Fargate service (aws/aws-cdk#15366). A FleetCluster made without them is refused here; an
 * imported cluster cannot be changed: it must have them already (`fargateCapacityProviders: true` says so; otherwise
 * a warning).
 */
function checkFargateProviders(scope: Construct, cluster: IFleetCluster): void {
  if (ecs.Cluster.isCluster(cluster.cluster)) {
    if (cluster.fargateCapacityProviders === false) {
      throw fleetError(scope, `the cluster ${cluster.node.path} is made with fargateCapacityProviders: false, so ECS has no FARGATE or FARGATE_SPOT capacity provider to place this service's tasks with`,
        `set fargateCapacityProviders: true on ${cluster.node.path} (the default), or run the service on FleetCapacity.EC2`);
    }
    // Another IFleetCluster around an ecs.Cluster that does not say: associate them (idempotent; a FleetCluster has them already).
    if (cluster.fargateCapacityProviders === undefined) cluster.cluster.enableFargateCapacityProviders();
    return;
  }
  if (cluster.fargateCapacityProviders) return;
  Annotations.of(scope).addWarningV2('@cdk-container-fleet/service:fargateCapacityProviders',
    `the imported cluster ${cluster.node.path} is not known to have the FARGATE and FARGATE_SPOT capacity providers, which this service places its tasks with: `
    + "ECS refuses the service otherwise. A FleetCluster has them by default (fargateCapacityProviders); on another cluster, associate them (aws ecs put-cluster-capacity-providers, keeping its existing providers and default strategy) "
    + 'and set fargateCapacityProviders: true in FleetCluster.fromClusterAttributes');
}
