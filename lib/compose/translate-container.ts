import * as path from 'path';
import { EC2_LOG_DRIVERS } from '../cluster/logging-drivers';
import { booleanOf, integerOf, numberOf, ServiceContext, sizeOf } from './context';
import { imageReferenceProblem } from './image-reference';
import { formatPath, ModelPath } from './load';
import { listOrDictEntries, parseDurationSeconds, parseEnvFile, parseSizeMiB, shellSplit } from './parse';
import { DeploymentPlan, DevicePlan, HealthCheckPlan, ImagePlan, LoggingPlan, ServicePlan, TmpfsPlan } from './plan';

/**
 * The container side of a compose service, one function per concern: image, environment, command, resources,
 * deployment, health check, process settings, Linux parameters and logging. Each reads the service through a
 * {@link ServiceContext} and returns its part of the plan. Pure, no CDK.
 */

const ULIMIT_NAMES = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);
const CAPABILITIES = new Set(['ALL', 'AUDIT_CONTROL', 'AUDIT_WRITE', 'BLOCK_SUSPEND', 'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER',
  'FSETID', 'IPC_LOCK', 'IPC_OWNER', 'KILL', 'LEASE', 'LINUX_IMMUTABLE', 'MAC_ADMIN', 'MAC_OVERRIDE', 'MKNOD', 'NET_ADMIN', 'NET_BIND_SERVICE',
  'NET_BROADCAST', 'NET_RAW', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_CHROOT', 'SYS_MODULE', 'SYS_NICE',
  'SYS_PACCT', 'SYS_PTRACE', 'SYS_RAWIO', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'SYSLOG', 'WAKE_ALARM']);
/** ECS container health check limits (ECS API reference, HealthCheck). */
const HEALTH_LIMITS = { interval: [5, 300], timeout: [2, 120], retries: [1, 10], startPeriod: [0, 300] } as const;
/** ECS caps the stop timeout it waits before SIGKILL at 120 seconds. */
const MAX_STOP_TIMEOUT = 120;
/** tmpfs mount options ECS accepts (API Tmpfs.mountOptions): option names only, no values. */
const TMPFS_OPTIONS = new Set(['defaults', 'ro', 'rw', 'suid', 'nosuid', 'dev', 'nodev', 'exec', 'noexec', 'sync', 'async', 'dirsync', 'remount',
  'mand', 'nomand', 'atime', 'noatime', 'diratime', 'nodiratime', 'bind', 'rbind', 'unbindable', 'runbindable', 'private', 'rprivate', 'shared',
  'rshared', 'slave', 'rslave', 'relatime', 'norelatime', 'strictatime', 'nostrictatime']);
/** Log drivers ECS accepts for tasks on EC2 instances, awsfirelens aside: the ones FleetCluster's instances advertise. */
const LOG_DRIVERS: ReadonlySet<string> = new Set(EC2_LOG_DRIVERS);

/** How the image is obtained: an override, a build context (checked on disk), or a registry reference. */
export function imageOf(ctx: ServiceContext): ImagePlan {
  const { svc, name } = ctx;
  if (ctx.options.imageOverrides?.has(name)) return { kind: 'override' };
  if (svc.build !== undefined) {
    const built = buildPlan(ctx, svc.build, ctx.at('build'));
    if (built.ignored.length) ctx.warn('build', `${built.ignored.join(', ')} ignored: image assets build with context, dockerfile, target and args only`);
    return built.plan;
  }
  if (typeof svc.image === 'string' && svc.image.trim() !== '') {
    const reference = svc.image.trim();
    const problem = imageReferenceProblem(reference);
    if (problem !== undefined) {
      ctx.fail(ctx.at('image'), `service '${name}': image '${reference}' is not a valid image reference: ${problem}`,
        'set the variables it uses (an unset ${VAR} becomes an empty string) or correct the reference');
    }
    return { kind: 'registry', reference };
  }
  return ctx.fail(ctx.at(), `service '${name}' has neither 'image' nor 'build'`, "give it an 'image', a 'build', or an image in the 'images' prop", true);
}

function buildPlan(ctx: ServiceContext, build: unknown, p: ModelPath): { plan: ImagePlan; ignored: string[] } {
  const { options } = ctx;
  const spec = typeof build === 'string' ? { context: build } : (build as Record<string, any>);
  const context = String(spec.context ?? '.');
  if (/^(https?:\/\/|git@|github\.com\/)/.test(context)) {
    ctx.fail(p, `build context '${context}' is a remote URL, which cannot be built at synth time`, "build and push the image, then give it in 'image' or the 'images' prop");
  }
  if (spec.dockerfile_inline !== undefined) ctx.fail(p, 'build.dockerfile_inline is not supported', 'write the Dockerfile into the build context');
  const abs = path.resolve(options.baseDir, context);
  if (!options.io.isDirectory(abs)) {
    ctx.fail(p, `build context '${context}' does not exist (looked in ${abs})`, "create the folder with its Dockerfile, or map the service to a prebuilt image in the 'images' prop");
  }
  const dockerfile = spec.dockerfile !== undefined ? String(spec.dockerfile) : undefined;
  if (options.io.readFile(path.resolve(abs, dockerfile ?? 'Dockerfile')) === undefined) {
    ctx.fail(p, `no ${dockerfile ?? 'Dockerfile'} in build context ${abs}`, "add the Dockerfile, set build.dockerfile, or map the service to a prebuilt image in the 'images' prop");
  }
  const ignored = Object.keys(spec).filter((k) => !['context', 'dockerfile', 'target', 'args'].includes(k) && !k.startsWith('x-'));
  const args = spec.args !== undefined
    ? Object.fromEntries(listOrDictEntries(spec.args).map(([k, v]) => [k, v ?? ctx.lookup(k) ?? '']))
    : undefined;
  const exclude = secretFilesWithin(ctx, abs);
  return { plan: { kind: 'build', context: abs, dockerfile, target: spec.target, args, ...(exclude.length ? { exclude } : {}) }, ignored };
}

/**
 * The project's secret files (and their sealed copies) inside a build context: an image asset copies its whole context
 * into the cloud assembly, so they are left out, and the value never reaches cdk.out or the image. Docker Compose
 * would send them to the builder; a warning says so, in case the Dockerfile copies one.
 */
function secretFilesWithin(ctx: ServiceContext, context: string): string[] {
  const exclude: string[] = [];
  for (const [secretName, top] of Object.entries<any>(ctx.model.secrets ?? {})) {
    if (top?.file === undefined || top.external) continue;
    const relative = path.relative(context, path.resolve(ctx.options.baseDir, String(top.file)));
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) continue;
    const pattern = relative.split(path.sep).join('/');
    exclude.push(pattern, `${pattern}.sealed.json`);
    ctx.warn('secrets', `secret ${secretName}'s file ${top.file} is inside the build context and is left out of the image asset, so its content never reaches cdk.out; `
      + `if the Dockerfile copies it, read /run/secrets/${secretName} at run time instead`);
  }
  return exclude;
}

/** `env_file` first, `environment` wins; bare keys come from the variables. */
export function environmentOf(ctx: ServiceContext): Record<string, string> {
  const { svc, name, options } = ctx;
  const environment: Record<string, string> = {};
  for (const entry of envFiles(svc.env_file)) {
    const abs = path.resolve(options.baseDir, entry.path);
    const text = options.io.readFile(abs);
    if (text === undefined) {
      if (entry.required) ctx.fail(ctx.at('env_file'), `service '${name}': env_file '${entry.path}' does not exist (looked in ${abs})`, 'create the file or mark it required: false');
      continue;
    }
    Object.assign(environment, parseEnvFile(text, ctx.lookup));
  }
  for (const [k, v] of listOrDictEntries(svc.environment)) {
    const value = v ?? ctx.lookup(k);
    if (value !== undefined) environment[k] = value;
  }
  return environment;
}

/** `command` and `entrypoint`: strings split like a shell, lists kept. */
export function commandsOf(ctx: ServiceContext): { command?: string[]; entryPoint?: string[] } {
  const { svc } = ctx;
  try {
    return { command: commandOf(svc.command), entryPoint: commandOf(svc.entrypoint) };
  } catch (e) {
    return ctx.fail(ctx.at(svc.command !== undefined ? 'command' : 'entrypoint'), `service '${ctx.name}': ${(e as Error).message}`, 'close the quote');
  }
}

/** CPU units, memory limit and reservation, GPUs and the desired count. */
export function resourcesOf(ctx: ServiceContext): Pick<ServicePlan, 'cpu' | 'memoryLimitMiB' | 'memoryReservationMiB' | 'gpuCount' | 'desiredCount'> {
  const { svc, name } = ctx;
  const resources = svc.deploy?.resources ?? {};
  const limitCpus = numberOf(resources.limits?.cpus ?? svc.cpus);
  const reservedCpus = numberOf(resources.reservations?.cpus);
  let cpu: number | undefined;
  if (reservedCpus !== undefined) cpu = cpuUnits(reservedCpus);
  else if (limitCpus !== undefined) cpu = cpuUnits(limitCpus);
  else if (svc.cpu_shares !== undefined) cpu = Math.max(2, Math.round(Number(svc.cpu_shares)));
  if (reservedCpus !== undefined && limitCpus !== undefined && limitCpus !== reservedCpus) {
    ctx.warn('deploy', `resources.limits.cpus ${limitCpus} is not enforced: ECS reserves ${reservedCpus} vCPU (${cpu} units) and lets the container use idle CPU beyond it`);
  }
  const memoryLimitMiB = resources.limits?.memory !== undefined
    ? sizeOf(ctx, resources.limits.memory, ctx.at('deploy', 'resources', 'limits', 'memory'))
    : sizeOf(ctx, svc.mem_limit, ctx.at('mem_limit'));
  const memoryReservationMiB = resources.reservations?.memory !== undefined
    ? sizeOf(ctx, resources.reservations.memory, ctx.at('deploy', 'resources', 'reservations', 'memory'))
    : sizeOf(ctx, svc.mem_reservation, ctx.at('mem_reservation'));
  if (memoryLimitMiB !== undefined && memoryReservationMiB !== undefined && memoryReservationMiB > memoryLimitMiB) {
    ctx.fail(ctx.at('deploy', 'resources'), `service '${name}': the memory reservation (${memoryReservationMiB} MiB) is above the limit (${memoryLimitMiB} MiB)`,
      'make the reservation at most the limit');
  }
  if (resources.limits?.pids !== undefined) ctx.warn('deploy', 'resources.limits.pids is not set: ECS task definitions have no PID limit');
  const replicas = svc.deploy?.replicas ?? svc.scale;
  return {
    cpu,
    // A reservation alone (Compose: no hard limit) still needs a hard limit on ECS: at least the reservation.
    memoryLimitMiB: memoryLimitMiB ?? (memoryReservationMiB !== undefined ? Math.max(512, memoryReservationMiB) : undefined),
    memoryReservationMiB,
    gpuCount: gpuCountOf(ctx),
    desiredCount: replicas === undefined ? 1 : integerOf(ctx, replicas, ctx.at(svc.deploy?.replicas !== undefined ? 'deploy' : 'scale'), 'replicas'),
  };
}

/**
 * GPUs: `deploy.resources.reservations.devices` with the `gpu` capability, `generic_resources` of kind gpu, or
 * `gpus`. ECS reserves whole GPUs by count (ResourceRequirements GPU); `count: all` and device ids cannot be expressed.
 */
function gpuCountOf(ctx: ServiceContext): number | undefined {
  const { svc } = ctx;
  const reservations = svc.deploy?.resources?.reservations ?? {};
  let count = 0;
  const add = (value: unknown, where: string) => {
    if (value === undefined || value === 'all' || value === -1) {
      ctx.warn(where === 'gpus' ? 'gpus' : 'deploy', `${where}: count ${value ?? '(none)'} reserves one GPU: ECS reserves GPUs by number, so give count: <n> for more`);
      count += 1;
    } else {
      count += integerOf(ctx, value, ctx.at(...(where === 'gpus' ? ['gpus'] : ['deploy', 'resources', 'reservations'])), 'GPU count');
    }
  };
  for (const device of (reservations.devices ?? []) as Array<Record<string, any>>) {
    const caps = ((device.capabilities ?? []) as string[]).map((c) => String(c).toLowerCase());
    if (!caps.includes('gpu')) {
      ctx.warn('deploy', `resources.reservations.devices with capabilities ${caps.join(', ')} is not reserved: ECS reserves only GPUs`);
      continue;
    }
    if (device.device_ids !== undefined) ctx.warn('deploy', 'resources.reservations.devices: device_ids are not honoured: ECS assigns GPUs by count');
    add(device.device_ids !== undefined && device.count === undefined ? (device.device_ids as unknown[]).length : device.count, 'resources.reservations.devices');
  }
  for (const generic of (reservations.generic_resources ?? []) as Array<Record<string, any>>) {
    const spec = generic.discrete_resource_spec ?? {};
    if (/gpu/i.test(String(spec.kind ?? ''))) add(spec.value, 'resources.reservations.generic_resources');
    else ctx.warn('deploy', `resources.reservations.generic_resources of kind '${spec.kind}' is not reserved: ECS reserves only GPUs`);
  }
  if (svc.gpus !== undefined) {
    if (svc.gpus === 'all') add('all', 'gpus');
    else for (const g of svc.gpus as Array<Record<string, any>>) add(g.count ?? (g.device_ids ? (g.device_ids as unknown[]).length : undefined), 'gpus');
  }
  return count > 0 ? count : undefined;
}

/**
 * `deploy`: `update_config` becomes the deployment's minimum and maximum percent and its rollback; the rest is
 * warned with what ECS does instead.
 */
export function deploymentOf(ctx: ServiceContext, desiredCount: number): DeploymentPlan {
  const deploy = ctx.svc.deploy ?? {};
  const global = deploy.mode === 'global';
  const reasons: Record<string, string> = {
    mode: `'${deploy.mode}' is not an ECS service: the service runs replicated (one task per replica; jobs run continuously)`,
    endpoint_mode: 'Service Connect gives each service one name whatever the mode',
    labels: 'service labels are not set; labels on the container (labels:) are',
    rollback_config: 'the deployment circuit breaker rolls back to the last working deployment at once',
    placement: global ? 'a task runs on every instance' : 'tasks spread over Availability Zones and instances',
  };
  for (const key of Object.keys(reasons)) {
    if (deploy[key] === undefined || (key === 'mode' && (deploy.mode === 'replicated' || global))) continue;
    ctx.warn('deploy', `${key} is ignored: ${reasons[key]}`);
  }
  restartPolicyOf(ctx);
  if (global) return globalDeploymentOf(ctx);
  const update = deploy.update_config;
  if (update === undefined) return {};
  const ignored = ['delay', 'monitor', 'max_failure_ratio'].filter((k) => update[k] !== undefined);
  if (ignored.length) {
    ctx.warn('deploy', `update_config ${ignored.join(', ')} ignored: ECS replaces tasks as fast as they become healthy, and its circuit breaker decides failure by its own threshold`);
  }
  const replicas = Math.max(1, desiredCount);
  const parallelism = update.parallelism === undefined ? 1 : integerOf(ctx, update.parallelism, ctx.at('deploy', 'update_config', 'parallelism'), 'parallelism');
  const batch = parallelism === 0 ? replicas : Math.min(parallelism, replicas);
  const share = Math.ceil((100 * batch) / replicas);
  const plan: { minHealthyPercent: number; maxHealthyPercent: number } = update.order === 'start-first'
    // New tasks first: all old ones stay until `batch` new ones are up.
    ? { minHealthyPercent: 100, maxHealthyPercent: 100 + share }
    // stop-first (Compose's default): `batch` old tasks stop before new ones start.
    : { minHealthyPercent: Math.max(0, 100 - share), maxHealthyPercent: 100 };
  const action = update.failure_action ?? 'pause';
  if (action === 'continue') {
    ctx.warn('deploy', 'update_config.failure_action continue becomes pause: the ECS circuit breaker stops a failing deployment (without rolling it back)');
  }
  return { ...plan, rollbackOnFailure: action === 'rollback' };
}

/**
 * `deploy.mode: global`: one task on every instance, the ECS DAEMON scheduling strategy. ECS replaces a daemon's tasks
 * in place (maximum 100 %, minimum FleetService's 50 %), so `order` and `parallelism` have no equivalent; `replicas`
 * and `scale` mean nothing (Compose itself refuses `replicas` with global).
 */
function globalDeploymentOf(ctx: ServiceContext): DeploymentPlan {
  const { svc } = ctx;
  if (svc.deploy?.replicas !== undefined) ctx.warn('deploy', 'replicas is ignored: mode global runs one task on every instance');
  if (svc.scale !== undefined) ctx.warn('scale', 'ignored: deploy.mode global runs one task on every instance');
  const update = svc.deploy?.update_config;
  if (update === undefined) return { global: true };
  const ignored = ['parallelism', 'order', 'delay', 'monitor', 'max_failure_ratio'].filter((k) => update[k] !== undefined);
  if (ignored.length) {
    ctx.warn('deploy', `update_config ${ignored.join(', ')} ignored: with mode global ECS replaces the task of up to half the instances at a time, each stopped before its replacement starts`);
  }
  const action = update.failure_action ?? 'pause';
  if (action === 'continue') {
    ctx.warn('deploy', 'update_config.failure_action continue becomes pause: the ECS circuit breaker stops a failing deployment (without rolling it back)');
  }
  return { global: true, rollbackOnFailure: action === 'rollback' };
}

/** `deploy.restart_policy`: ECS replaces every stopped task, which is `condition: any`; the rest is warned. */
function restartPolicyOf(ctx: ServiceContext): void {
  const policy = ctx.svc.deploy?.restart_policy;
  if (policy === undefined) return;
  if (policy.condition !== undefined && policy.condition !== 'any') {
    ctx.warn('deploy', `restart_policy.condition ${policy.condition} becomes any: the ECS service scheduler replaces every task that stops, whatever its exit code`);
  }
  const ignored = ['delay', 'max_attempts', 'window'].filter((k) => policy[k] !== undefined);
  if (ignored.length) ctx.warn('deploy', `restart_policy ${ignored.join(', ')} ignored: the ECS scheduler restarts at once, without limit (a failing deployment is stopped by its circuit breaker)`);
}

/** `restart`: always and unless-stopped are what ECS does; no and on-failure are warned. */
export function restartOf(ctx: ServiceContext): void {
  const restart = typeof ctx.svc.restart === 'string' ? ctx.svc.restart : undefined;
  if (restart === 'no') {
    ctx.warn('restart', "'no' is not honoured: the ECS service scheduler replaces every task that stops, whatever its exit code");
  } else if (restart?.startsWith('on-failure')) {
    ctx.warn('restart', `'${restart}' becomes 'always': the ECS service scheduler replaces every task that stops, whatever its exit code`);
  }
}

/** `healthcheck`: Compose's defaults, clamped to what ECS accepts with a warning. */
export function healthCheckOf(ctx: ServiceContext): HealthCheckPlan | undefined {
  const value = ctx.svc.healthcheck;
  const p = ctx.at('healthcheck');
  if (value === undefined || value === null) return undefined;
  if (booleanOf(value.disable)) return undefined;
  const test = value.test;
  let command: string[];
  if (test === undefined) {
    ctx.warn('healthcheck', 'only interval, timeout and retries are given, without a test: the image\'s HEALTHCHECK is not used by ECS, so no health check is set');
    return undefined;
  } else if (typeof test === 'string') {
    command = ['CMD-SHELL', test];
  } else if (test[0] === 'NONE') {
    return undefined;
  } else if (test[0] === 'CMD' || test[0] === 'CMD-SHELL') {
    command = [...test];
  } else {
    // A list without CMD / CMD-SHELL is run as a command, as Docker does.
    command = ['CMD', ...test];
  }
  const seconds = (key: string, fallback: number) => {
    if (value[key] === undefined) return fallback;
    const s = parseDurationSeconds(value[key]);
    if (s === undefined) return ctx.fail([...p, key], `${formatPath([...p, key])}: '${value[key]}' is not a duration`, "write a duration such as '10s'");
    return s;
  };
  const clamp = (key: string, v: number, [min, max]: readonly [number, number]) => {
    const whole = Math.round(v);
    if (whole < min || whole > max) {
      const c = Math.min(max, Math.max(min, whole));
      ctx.warn('healthcheck', `${key} ${v}s is outside what ECS accepts (${min}-${max}); ${c} is used`);
      return c;
    }
    return whole;
  };
  if (value.start_interval !== undefined) ctx.warn('healthcheck', 'start_interval is ignored: ECS checks at the same interval during the start period');
  // Compose's defaults (30 s interval, 30 s timeout, 3 retries), except that ECS needs the timeout shorter than the interval.
  const intervalSeconds = clamp('interval', seconds('interval', 30), HEALTH_LIMITS.interval);
  let timeoutSeconds = clamp('timeout', seconds('timeout', Math.min(30, intervalSeconds - 1)), HEALTH_LIMITS.timeout);
  if (timeoutSeconds >= intervalSeconds) {
    ctx.warn('healthcheck', `timeout ${timeoutSeconds}s is not shorter than interval ${intervalSeconds}s, which ECS requires; ${intervalSeconds - 1}s is used`);
    timeoutSeconds = intervalSeconds - 1;
  }
  return {
    command,
    intervalSeconds,
    timeoutSeconds,
    retries: clamp('retries', Number(value.retries ?? 3), HEALTH_LIMITS.retries),
    startPeriodSeconds: value.start_period !== undefined ? clamp('start_period', seconds('start_period', 0), HEALTH_LIMITS.startPeriod) : undefined,
  };
}

/** Process settings: user, working directory, host name, labels, ulimits, capabilities, sysctls, stop timeout, extra hosts and switches. */
export function processSettingsOf(ctx: ServiceContext): Pick<ServicePlan, 'user' | 'workingDirectory' | 'hostname' | 'dockerLabels' | 'ulimits' | 'capAdd'
| 'capDrop' | 'sysctls' | 'stopTimeoutSeconds' | 'extraHosts' | 'privileged' | 'init' | 'readOnlyRootFilesystem' | 'interactive' | 'pseudoTerminal'> {
  const { svc, name } = ctx;
  const ulimits: ServicePlan['ulimits'] = [];
  for (const [ulimit, value] of Object.entries((svc.ulimits ?? {}) as Record<string, any>)) {
    if (!ULIMIT_NAMES.has(ulimit)) {
      ctx.warn('ulimits', `'${ulimit}' is not a ulimit ECS supports; ignored`);
      continue;
    }
    const soft = Number(typeof value === 'object' ? value.soft : value);
    const hard = Number(typeof value === 'object' ? value.hard : value);
    ulimits.push({ name: ulimit, soft, hard });
  }
  const caps = (list: unknown, key: string) => {
    if (!Array.isArray(list)) return undefined;
    const out: string[] = [];
    for (const c of list) {
      const cap = String(c).toUpperCase().replace(/^CAP_/, '');
      if (CAPABILITIES.has(cap)) out.push(cap);
      else ctx.warn(key, `capability '${c}' is not one ECS supports; ignored`);
    }
    return out.length ? out : undefined;
  };
  const sysctlEntries = listOrDictEntries(svc.sysctls);
  sysctlEntries.forEach(([k, v], i) => {
    if (v === undefined || v === '') {
      ctx.fail(ctx.at('sysctls', Array.isArray(svc.sysctls) ? i : k), `service '${name}': sysctl '${k}' has no value (Docker refuses it)`, `write '${k}=<value>'`);
    }
  });

  let stopTimeoutSeconds: number | undefined;
  if (svc.stop_grace_period !== undefined) {
    const seconds = parseDurationSeconds(svc.stop_grace_period);
    if (seconds === undefined) ctx.fail(ctx.at('stop_grace_period'), `service '${name}': stop_grace_period '${svc.stop_grace_period}' is not a duration`, "write a duration such as '30s' or '1m30s'");
    stopTimeoutSeconds = Math.min(MAX_STOP_TIMEOUT, Math.max(0, Math.round(seconds!)));
    if (seconds! > MAX_STOP_TIMEOUT) ctx.warn('stop_grace_period', `${svc.stop_grace_period} is capped at ${MAX_STOP_TIMEOUT} seconds, the most ECS waits`);
  }

  const extraHosts: ServicePlan['extraHosts'] = [];
  for (const [hostname, ip] of extraHostEntries(svc.extra_hosts)) {
    if (ip === 'host-gateway') ctx.warn('extra_hosts', `${hostname}:host-gateway is dropped: there is no host gateway alias on ECS; use the instance's address`);
    else extraHosts.push({ hostname, ipAddress: ip });
  }
  const labels = listOrDictEntries(svc.labels);
  return {
    user: svc.user,
    workingDirectory: svc.working_dir,
    hostname: svc.hostname,
    dockerLabels: labels.length ? Object.fromEntries(labels.map(([k, v]) => [k, v ?? ''])) : undefined,
    ulimits,
    capAdd: caps(svc.cap_add, 'cap_add'),
    capDrop: caps(svc.cap_drop, 'cap_drop'),
    sysctls: sysctlEntries.length ? Object.fromEntries(sysctlEntries) as Record<string, string> : undefined,
    stopTimeoutSeconds,
    extraHosts,
    privileged: booleanOf(svc.privileged),
    init: booleanOf(svc.init),
    readOnlyRootFilesystem: booleanOf(svc.read_only),
    interactive: booleanOf(svc.stdin_open),
    pseudoTerminal: booleanOf(svc.tty),
  };
}

/**
 * `extra_hosts` entries: `host:ip`, `host=ip` (Compose 2.24+), `host=ip1,ip2` (several addresses), or a map whose
 * values are an address or a list; IPv6 addresses may be bracketed.
 */
export function extraHostEntries(value: unknown): Array<[string, string]> {
  const split = (host: string, ips: string): Array<[string, string]> => ips.split(',').map((ip) => [host, ip.trim().replace(/^\[|\]$/g, '')]);
  if (Array.isArray(value)) {
    return value.flatMap((s) => {
      const text = String(s);
      // host=ip, or host:ip where an IPv6 address may itself contain ':'.
      const eq = text.indexOf('=');
      const at = eq >= 0 ? eq : text.indexOf(':');
      return split(text.slice(0, at), text.slice(at + 1));
    });
  }
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, string | string[]>)
      .flatMap(([h, ips]) => (Array.isArray(ips) ? ips : [ips]).flatMap((ip) => split(h, String(ip))));
  }
  return [];
}

/** Linux parameters: shared memory, tmpfs (the key and `type: tmpfs` volumes), swap and devices. */
export function linuxOf(ctx: ServiceContext, memoryLimitMiB: number | undefined): Pick<ServicePlan, 'sharedMemoryMiB' | 'tmpfs' | 'swappiness' | 'maxSwapMiB' | 'devices'> {
  const { svc } = ctx;
  const effectiveLimit = memoryLimitMiB ?? 512;
  const tmpfs: TmpfsPlan[] = [];
  const tmpfsEntries = svc.tmpfs === undefined ? [] : Array.isArray(svc.tmpfs) ? svc.tmpfs : [svc.tmpfs];
  tmpfsEntries.forEach((entry: unknown, i: number) => {
    const text = String(entry);
    const colon = text.indexOf(':');
    const target = colon < 0 ? text : text.slice(0, colon);
    const options = colon < 0 ? [] : text.slice(colon + 1).split(',').filter(Boolean);
    tmpfs.push(tmpfsPlan(ctx, target, options, effectiveLimit, ctx.at('tmpfs', ...(Array.isArray(svc.tmpfs) ? [i] : []))));
  });
  (svc.volumes ?? []).forEach((v: any, i: number) => {
    if (v === null || typeof v !== 'object' || v.type !== 'tmpfs') return;
    const options: string[] = [];
    if (v.tmpfs?.size !== undefined) options.push(`size=${v.tmpfs.size}`);
    if (v.tmpfs?.mode !== undefined) options.push(`mode=${String(v.tmpfs.mode)}`);
    if (booleanOf(v.read_only)) options.push('ro');
    tmpfs.push(tmpfsPlan(ctx, String(v.target ?? ''), options, effectiveLimit, ctx.at('volumes', i)));
  });

  let maxSwapMiB: number | undefined;
  if (svc.memswap_limit !== undefined && String(svc.memswap_limit) !== '-1') {
    const total = sizeOf(ctx, svc.memswap_limit, ctx.at('memswap_limit'), 0)!;
    if (total < effectiveLimit) {
      ctx.fail(ctx.at('memswap_limit'), `service '${ctx.name}': memswap_limit (${total} MiB) is below the memory limit (${effectiveLimit} MiB); it is memory plus swap`,
        `give at least ${effectiveLimit}m (equal: no swap)`);
    }
    maxSwapMiB = total - effectiveLimit;
  }
  const swappiness = svc.mem_swappiness !== undefined ? Number(svc.mem_swappiness) : undefined;
  if (swappiness !== undefined && maxSwapMiB === undefined) {
    ctx.warn('mem_swappiness', 'ECS applies swappiness only together with a swap limit: set memswap_limit too (the container otherwise follows the instance\'s swap settings)');
  }
  return {
    sharedMemoryMiB: svc.shm_size !== undefined ? sizeOf(ctx, svc.shm_size, ctx.at('shm_size'), 1) : undefined,
    tmpfs,
    swappiness: maxSwapMiB !== undefined ? swappiness : undefined,
    maxSwapMiB,
    devices: devicesOf(ctx),
  };
}

function tmpfsPlan(ctx: ServiceContext, target: string, options: string[], defaultSize: number, p: ModelPath): TmpfsPlan {
  if (!target.startsWith('/')) ctx.fail(p, `service '${ctx.name}': tmpfs path '${target}' is not absolute`, 'give an absolute container path');
  let sizeMiB = defaultSize;
  const mountOptions: string[] = [];
  const dropped: string[] = [];
  for (const option of options) {
    const [key, value] = option.split('=');
    if (key === 'size' && value !== undefined) {
      const mib = parseSizeMiB(value);
      if (mib === undefined || mib < 1) ctx.fail(p, `service '${ctx.name}': tmpfs ${target}: size '${value}' is not a size of at least 1 MiB`, "write a size such as '64m'");
      sizeMiB = mib!;
    } else if (key === 'mode' && value === '1777') {
      // Docker's default mode for tmpfs mounts: nothing to pass.
    } else if (value === undefined && TMPFS_OPTIONS.has(key)) {
      mountOptions.push(key);
    } else {
      dropped.push(option);
    }
  }
  if (dropped.length) {
    ctx.warn('tmpfs', `${target}: option(s) ${dropped.join(', ')} not passed: ECS accepts tmpfs options by name only (API Tmpfs.mountOptions), so the mount gets Docker's defaults (mode 1777, owner root)`);
  }
  return { containerPath: target, sizeMiB, mountOptions };
}

function devicesOf(ctx: ServiceContext): DevicePlan[] {
  const out: DevicePlan[] = [];
  for (const entry of (ctx.svc.devices ?? []) as unknown[]) {
    let hostPath: string;
    let containerPath: string | undefined;
    let perms: string | undefined;
    if (entry !== null && typeof entry === 'object') {
      const long = entry as Record<string, any>;
      [hostPath, containerPath, perms] = [String(long.source), long.target, long.permissions];
    } else {
      [hostPath, containerPath, perms] = String(entry).split(':');
    }
    if (!hostPath.startsWith('/')) {
      ctx.warn('devices', `'${hostPath}' is not mapped: ECS maps host device paths only (CDI device names are not supported)`);
      continue;
    }
    const permissions = perms === undefined ? undefined
      : [...perms].map((c) => ({ r: 'read', w: 'write', m: 'mknod' } as Record<string, 'read' | 'write' | 'mknod'>)[c]).filter(Boolean);
    out.push({ hostPath, containerPath: containerPath || undefined, permissions });
  }
  return out;
}

/** `logging`: drivers ECS accepts on EC2 keep their options; awslogs without a group writes to the service's log group. */
export function loggingOf(ctx: ServiceContext): LoggingPlan | undefined {
  const logging = ctx.svc.logging;
  if (logging === undefined || logging === null) return undefined;
  const driver = String(logging.driver ?? 'awslogs');
  const options = Object.fromEntries(Object.entries((logging.options ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  if (!LOG_DRIVERS.has(driver)) {
    ctx.warn('logging', `driver ${driver} is not available on ECS (it accepts ${[...LOG_DRIVERS].join(', ')}); logs go to CloudWatch Logs (awslogs, the service's log group)`);
    return undefined;
  }
  if (driver === 'awslogs') return awsLogsOf(ctx, options);
  return { driver: driver as LoggingPlan['driver'], options };
}

/**
 * Options of the awslogs driver that say where the logs go: the library's, never the file's. The service's own log
 * group, region and stream prefix are used, so a compose file (maybe a stranger's branch) cannot write into another
 * environment's log group, create groups, or send its records to an endpoint of its choosing.
 */
export const AWSLOGS_DESTINATION_OPTIONS: readonly string[] = [
  'awslogs-group', 'awslogs-region', 'awslogs-stream-prefix', 'awslogs-stream', 'awslogs-create-group', 'awslogs-create-stream',
  'awslogs-endpoint', 'awslogs-credentials-endpoint',
];

/** awslogs options kept as written: how records are cut and buffered. */
const AWSLOGS_KEPT_OPTIONS: readonly string[] = ['awslogs-datetime-format', 'awslogs-multiline-pattern', 'mode', 'max-buffer-size'];

/**
 * awslogs: always the service's own log group; the options that shape the records (date format, multi-line pattern,
 * mode, buffer size) are kept, the destination ones ({@link AWSLOGS_DESTINATION_OPTIONS}) are replaced with a warning.
 */
function awsLogsOf(ctx: ServiceContext, options: Record<string, string>): LoggingPlan | undefined {
  const kept: Record<string, string> = {};
  const destination = Object.keys(options).filter((k) => AWSLOGS_DESTINATION_OPTIONS.includes(k));
  if (destination.length) {
    ctx.warn('logging', `awslogs option(s) ${destination.join(', ')} replaced: logs go to the service's own log group, region and stream prefix `
      + '(a compose file may not choose where its logs are written)');
  }
  const other = Object.keys(options).filter((k) => !AWSLOGS_DESTINATION_OPTIONS.includes(k) && !AWSLOGS_KEPT_OPTIONS.includes(k));
  if (other.length) ctx.warn('logging', `awslogs option(s) ${other.join(', ')} not passed: ECS takes ${AWSLOGS_KEPT_OPTIONS.join(', ')} besides the destination`);
  for (const key of AWSLOGS_KEPT_OPTIONS) {
    const value = options[key];
    if (value === undefined) continue;
    if (key === 'mode' && value !== 'blocking' && value !== 'non-blocking') {
      ctx.warn('logging', `awslogs mode '${value}' is not a mode (blocking or non-blocking); the default, blocking, is used`);
    } else if (key === 'max-buffer-size') {
      // Passed on as whole MiB (aws-cdk-lib's maxBufferSize, which renders bytes); below 1 MiB is 1 MiB.
      const mib = parseSizeMiB(value);
      if (mib === undefined) ctx.warn('logging', `awslogs max-buffer-size '${value}' is not a size (such as 4m); the default, 1 MiB, is used`);
      else kept[key] = `${Math.max(1, mib)}m`;
    } else {
      kept[key] = value;
    }
  }
  if (kept['max-buffer-size'] !== undefined && kept.mode !== 'non-blocking') {
    ctx.warn('logging', 'awslogs max-buffer-size has no effect without mode non-blocking');
  }
  return Object.keys(kept).length ? { driver: 'awslogs', options: kept } : undefined;
}

/** Keys about the network and the platform that have no ECS equivalent, warned precisely. */
export function networkWarningsOf(ctx: ServiceContext): void {
  const { svc } = ctx;
  const networkCount = Object.keys(ctx.model.networks ?? {}).length;
  if (svc.network_mode !== undefined && svc.network_mode !== 'bridge') {
    ctx.warn('network_mode', `'${svc.network_mode}' is ignored: tasks run in bridge mode and reach each other through Service Connect`);
  }
  if (svc.networks !== undefined && !Array.isArray(svc.networks)) {
    for (const [net, cfg] of Object.entries(svc.networks as Record<string, any>)) {
      const dropped = ['aliases', 'ipv4_address', 'ipv6_address', 'mac_address', 'link_local_ips', 'priority', 'gw_priority', 'interface_name', 'driver_opts']
        .filter((k) => cfg?.[k] !== undefined);
      if (dropped.length) ctx.warn('networks', `${net}: ${dropped.join(', ')} ignored: addresses are assigned by Docker on the instance and the only name is the service name`);
    }
  }
  if (svc.networks !== undefined && networkCount > 1) {
    const mine = Array.isArray(svc.networks) ? svc.networks : Object.keys(svc.networks);
    ctx.warn('networks', `network isolation is not reproduced: ECS joins a service to one Service Connect namespace only, so the project's services share one `
      + `and every service can reach this one (it is on ${mine.join(', ')} of the file's ${networkCount} networks)`);
  }
  for (const link of (svc.links ?? []) as string[]) {
    const [target, alias] = link.split(':');
    if (alias !== undefined && alias !== target) ctx.warn('links', `alias '${alias}' for ${target} is not created; reach it as '${target}'`);
  }
  if (svc.platform !== undefined && !/^linux\/(amd64|x86_64)$/.test(svc.platform)) {
    ctx.warn('platform', `'${svc.platform}' is ignored: the cluster runs linux/amd64 instances`);
  }
}

function envFiles(value: unknown): Array<{ path: string; required: boolean }> {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((e) => (typeof e === 'string'
    ? { path: e, required: true }
    : { path: String(e.path), required: e.required === undefined ? true : booleanOf(e.required) !== false }));
}

function commandOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String);
  return shellSplit(String(value));
}

function cpuUnits(cpus: number): number {
  return Math.max(2, Math.round(cpus * 1024));
}
