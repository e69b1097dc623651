import { LARGEST_FARGATE_TASK } from '../service/fargate-sizing';
import { FleetCapacity, isFargate } from '../service/fleet-capacity';
import { ServiceContext } from './context';
import { ModelPath } from './load';
import { NamedVolumeStorage, ServicePlan } from './plan';

/**
 * A compose service on Fargate (`x-fleet.capacity: fargate` or `fargate-spot`): the keys Fargate cannot honour are
 * errors at their line and column, before any construct is made, instead of a FleetService error naming props the
 * compose author never wrote. Pure, no CDK.
 */

/** Log drivers Fargate runs (ECS API, LogConfiguration; awsfirelens needs a FireLens sidecar, which compose cannot declare). */
const FARGATE_LOG_DRIVERS: ReadonlySet<string> = new Set(['awslogs', 'splunk']);

/** What the Fargate check reads of the service's plan. */
export type FargateCheckedPlan = Pick<ServicePlan, 'privileged' | 'capAdd' | 'devices' | 'sharedMemoryMiB' | 'tmpfs' | 'swappiness' | 'maxSwapMiB'
| 'gpuCount' | 'extraHosts' | 'hostname' | 'mounts' | 'deployment' | 'logging' | 'cpu' | 'memoryLimitMiB' | 'memoryReservationMiB'>;

/** Throws a ComposeFileError at the first key of a Fargate service that Fargate cannot honour; nothing for EC2. */
export function checkFargateService(ctx: ServiceContext, capacity: FleetCapacity | undefined, plan: FargateCheckedPlan): void {
  if (!isFargate(capacity)) return;
  const { svc, name } = ctx;
  const fail = (p: ModelPath, what: string, fix: string): never =>
    ctx.fail(p, `service '${name}': ${what}, and x-fleet.capacity is ${capacity}: Fargate cannot run it`, `${fix}, or leave x-fleet.capacity out to run the service on the cluster's instances`, true);
  if (plan.privileged) fail(ctx.at('privileged'), 'privileged is set', 'remove privileged (add only the capability the container needs: Fargate allows SYS_PTRACE)');
  const added = (plan.capAdd ?? []).filter((c) => c !== 'SYS_PTRACE');
  if (added.length) {
    const i = (svc.cap_add as unknown[]).findIndex((c) => String(c).toUpperCase().replace(/^CAP_/, '') === added[0]);
    fail(ctx.at('cap_add', i), `cap_add adds ${added.join(', ')} (Fargate adds no capability but SYS_PTRACE)`, 'remove it');
  }
  if (plan.devices.length) fail(ctx.at('devices'), 'devices are mapped', 'remove devices');
  if (plan.sharedMemoryMiB !== undefined) fail(ctx.at('shm_size'), 'shm_size is set', 'remove shm_size');
  if (plan.tmpfs.length) fail(svc.tmpfs !== undefined ? ctx.at('tmpfs') : ctx.at('volumes', volumeIndex(svc, (v) => typeof v === 'object' && v?.type === 'tmpfs')), 'a tmpfs mount is declared', 'remove it (write to a folder of the container instead)');
  if (plan.maxSwapMiB !== undefined || plan.swappiness !== undefined) {
    fail(ctx.at(svc.memswap_limit !== undefined ? 'memswap_limit' : 'mem_swappiness'), 'swap is configured', 'remove memswap_limit and mem_swappiness');
  }
  if (plan.gpuCount !== undefined) fail(svc.gpus !== undefined ? ctx.at('gpus') : ctx.at('deploy', 'resources', 'reservations'), 'GPUs are reserved', 'remove the GPU reservation');
  if (plan.extraHosts.length) fail(ctx.at('extra_hosts'), 'extra_hosts is set', 'remove extra_hosts (reach other services by name through Service Connect)');
  if (plan.hostname !== undefined) fail(ctx.at('hostname'), 'hostname is set (awsvpc tasks take no host name)', 'remove hostname');
  if (plan.deployment.global) fail(ctx.at('deploy', 'mode'), 'deploy.mode is global (one task on every instance)', 'use replicas');
  for (const mount of plan.mounts) {
    if (mount.kind === 'anonymous') continue;
    const i = volumeIndex(svc, (v) => targetOf(v) === mount.containerPath);
    if (mount.kind === 'bind') fail(ctx.at('volumes', i), `the bind mount of ${mount.hostPath} at ${mount.containerPath} is a folder of an instance`, 'remove it, or use a named volume with namedVolumes: NamedVolumeStorage.EFS');
    if (mount.kind === 'named' && ctx.options.namedVolumes !== NamedVolumeStorage.EFS) {
      fail(ctx.at('volumes', i), `named volume '${mount.volume}' is a Docker volume on an instance`, 'set namedVolumes: NamedVolumeStorage.EFS on the ComposeProject (the volume becomes an EFS access point)');
    }
  }
  if (plan.logging && !FARGATE_LOG_DRIVERS.has(plan.logging.driver)) {
    fail(ctx.at('logging', 'driver'), `logging driver ${plan.logging.driver} is set (Fargate runs ${[...FARGATE_LOG_DRIVERS].join(' and ')})`, 'remove logging.driver (awslogs, into the service\'s log group)');
  }
  checkFargateSize(ctx, plan, fail);
}

/**
 * CPU and memory larger than the largest Fargate task (16 vCPU, 120 GiB) are errors at the key that asks for them,
 * not a FleetService validation error naming props the compose author never wrote.
 */
function checkFargateSize(ctx: ServiceContext, plan: FargateCheckedPlan, fail: (p: ModelPath, what: string, fix: string) => never): void {
  const { svc } = ctx;
  const resources = svc.deploy?.resources ?? {};
  const fix = `lower it to at most ${LARGEST_FARGATE_TASK.cpu / 1024} vCPU and ${LARGEST_FARGATE_TASK.memoryMiB / 1024}G`;
  if (plan.cpu !== undefined && plan.cpu > LARGEST_FARGATE_TASK.cpu) {
    const where = resources.reservations?.cpus !== undefined ? ctx.at('deploy', 'resources', 'reservations', 'cpus')
      : resources.limits?.cpus !== undefined ? ctx.at('deploy', 'resources', 'limits', 'cpus')
        : svc.cpus !== undefined ? ctx.at('cpus') : ctx.at('cpu_shares');
    fail(where, `the container asks for ${plan.cpu} CPU units, more than the largest Fargate task (${LARGEST_FARGATE_TASK.cpu} units, 16 vCPU)`, fix);
  }
  const memory = plan.memoryLimitMiB ?? plan.memoryReservationMiB;
  if (memory !== undefined && memory > LARGEST_FARGATE_TASK.memoryMiB) {
    const where = resources.limits?.memory !== undefined ? ctx.at('deploy', 'resources', 'limits', 'memory')
      : svc.mem_limit !== undefined ? ctx.at('mem_limit')
        : resources.reservations?.memory !== undefined ? ctx.at('deploy', 'resources', 'reservations', 'memory') : ctx.at('mem_reservation');
    fail(where, `the container asks for ${memory} MiB, more than the largest Fargate task (${LARGEST_FARGATE_TASK.memoryMiB} MiB, 120 GiB)`, fix);
  }
}

/** The index of the first `volumes` entry that `match`es, or the whole key's position when none does. */
function volumeIndex(svc: Record<string, any>, match: (entry: any) => boolean): number {
  const i = ((svc.volumes ?? []) as unknown[]).findIndex(match);
  return Math.max(i, 0);
}

/** The container path of a `volumes` entry (short `source:target[:mode]` or long syntax). */
function targetOf(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry.split(':')[1];
  return (entry as { target?: string } | null)?.target;
}
