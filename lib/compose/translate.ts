import * as path from 'path';
import { ComposeFileError, ComposeWarning, formatPath, LoadedCompose, ModelPath } from './load';
import { listOrDictEntries, parseDurationSeconds, parseEnvFile, parsePortShort, parseSizeMiB, PortSpec, shellSplit } from './parse';

/**
 * Compose service → a plain description of the ECS service to build (a {@link ServicePlan}) and the
 * warnings for what ECS cannot honour. Pure: file access goes through {@link TranslateIo}; no CDK.
 * The mapping of every key is listed in docs/compose.md and in {@link SERVICE_KEYS}.
 */

/** How the service's image is obtained. */
export type ImagePlan =
  | { readonly kind: 'registry'; readonly reference: string }
  | {
    readonly kind: 'build';
    /** Absolute path of the build context. */
    readonly context: string;
    /** Dockerfile path relative to the context. */
    readonly dockerfile?: string;
    readonly target?: string;
    readonly args?: Record<string, string>;
  }
  /** The caller maps this service to a prebuilt image (the construct's `images` prop). */
  | { readonly kind: 'override' };

/** A container port of the service. */
export interface PortPlan {
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp';
}

/** A route on the load balancer. */
export interface RoutePlan {
  readonly host?: string;
  readonly path?: string;
  readonly healthCheckPath?: string;
}

/** A volume mounted into the container. */
export type MountPlan =
  /** A named compose volume: a Docker volume on the instance shared by the project's tasks there. */
  | { readonly kind: 'named'; readonly volume: string; readonly containerPath: string; readonly readOnly: boolean }
  /** An anonymous volume (`- /path`): a Docker volume that lives as long as the task. */
  | { readonly kind: 'anonymous'; readonly containerPath: string; readonly readOnly: boolean }
  /** A bind mount: a host path on the instance. */
  | { readonly kind: 'bind'; readonly hostPath: string; readonly containerPath: string; readonly readOnly: boolean };

/** A compose secret made available as a file in the container. */
export interface SecretMountPlan {
  /** Name of the top-level secret. */
  readonly secret: string;
  /** Absolute path of the file in the container. */
  readonly target: string;
  /** File mode. @default 0o444, as Compose bind-mounts secrets readable */
  readonly mode: number;
  readonly uid?: string;
  readonly gid?: string;
}

/** A compose config written as a file into the container. */
export interface ConfigMountPlan {
  /** Name of the top-level config. */
  readonly config: string;
  /** Absolute path of the file in the container. */
  readonly target: string;
  /** File mode. @default 0o444, as Compose mounts configs */
  readonly mode: number;
  readonly uid?: string;
  readonly gid?: string;
}

/** A top-level compose config: an SSM parameter. */
export interface ConfigPlan {
  readonly name: string;
  /** `value`: a new SSM parameter holding `value` (from file, content or environment); `external`: an existing parameter. */
  readonly kind: 'value' | 'external';
  readonly value?: string;
  /** Parameter name of an external config. */
  readonly externalName?: string;
}

/** The container health check, in ECS terms. */
export interface HealthCheckPlan {
  readonly command: string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds?: number;
}

/** One ECS service to build from one compose service. */
export interface ServicePlan {
  /** The compose service name: also the construct id and the name other services reach it by. */
  readonly name: string;
  readonly image: ImagePlan;
  /** CPU units (1,024 per vCPU). @default - FleetService's default */
  readonly cpu?: number;
  readonly memoryLimitMiB?: number;
  readonly memoryReservationMiB?: number;
  /** Tasks: `deploy.replicas`, `scale`, else 1 as in Compose. */
  readonly desiredCount: number;
  readonly environment: Record<string, string>;
  readonly command?: string[];
  readonly entryPoint?: string[];
  readonly healthCheck?: HealthCheckPlan;
  /** Every container port (from `ports` and `expose`), deduplicated. */
  readonly ports: PortPlan[];
  /** The container port the load balancer routes to, when the service is routed. */
  readonly routedPort?: number;
  readonly routes: RoutePlan[];
  /** Services to start before this one. */
  readonly dependsOn: string[];
  readonly mounts: MountPlan[];
  readonly secrets: SecretMountPlan[];
  readonly configs: ConfigMountPlan[];
  readonly user?: string;
  readonly workingDirectory?: string;
  readonly hostname?: string;
  readonly dockerLabels?: Record<string, string>;
  readonly ulimits: Array<{ name: string; soft: number; hard: number }>;
  readonly capAdd?: string[];
  readonly capDrop?: string[];
  readonly sysctls?: Record<string, string>;
  readonly privileged?: boolean;
  readonly init?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly sharedMemoryMiB?: number;
  readonly interactive?: boolean;
  readonly pseudoTerminal?: boolean;
  readonly stopTimeoutSeconds?: number;
  readonly extraHosts: Array<{ hostname: string; ipAddress: string }>;
  /** The `DOMAIN` environment variable, if any. */
  readonly domainLabel?: string;
  readonly warnings: ComposeWarning[];
}

/** A top-level compose secret. */
export interface SecretPlan {
  readonly name: string;
  /** `generated`: a new Secrets Manager secret with a random value (file/environment secrets); `external`: an existing one, by name. */
  readonly kind: 'generated' | 'external';
  /** Secrets Manager name of an external secret. */
  readonly externalName?: string;
}

/** The whole project. */
export interface ProjectPlan {
  readonly name: string;
  readonly services: ServicePlan[];
  /** Named volumes used by the services. */
  readonly volumes: string[];
  /** Secrets used by the services. */
  readonly secrets: SecretPlan[];
  /** Configs used by the services. */
  readonly configs: ConfigPlan[];
  /** Warnings about the project as a whole (not one service). */
  readonly warnings: ComposeWarning[];
}

/** File access of the translation. */
export interface TranslateIo {
  /** Text of a file, or undefined when it does not exist. */
  readFile(absolutePath: string): string | undefined;
  /** Whether a directory exists. */
  isDirectory(absolutePath: string): boolean;
}

/** Options of {@link translateCompose}. */
export interface TranslateOptions {
  /** Folder of the compose file: relative paths (build contexts, env files, bind mounts) start there. */
  readonly baseDir: string;
  /** Project name. @default - the file's `name`, else the folder's name */
  readonly projectName?: string;
  /** Domain for `DOMAIN` routes: a service with `DOMAIN=login` is routed by host `login.<domain>`. @default - DOMAIN is not routed */
  readonly domain?: string;
  /** Services whose image the caller provides (their `build` is not checked). */
  readonly imageOverrides?: ReadonlySet<string>;
  /** Active profiles: services with `profiles` are included only when one of theirs is active. @default - none */
  readonly profiles?: readonly string[];
  /** Variables (for `environment: [KEY]` entries without a value). */
  readonly lookup?: (name: string) => string | undefined;
  /** Where relative bind mounts live on the instances. @default `/opt/compose/<project>` */
  readonly hostRoot?: string;
  /** Where named volumes live: on the instance (Docker volumes) or on EFS. @default 'instance' */
  readonly namedVolumes?: 'instance' | 'efs';
  readonly io: TranslateIo;
}

/** How each service key of the Compose Specification is treated; docs/compose.md holds the same table in words. */
export const SERVICE_KEYS: Record<string, 'supported' | 'partial' | 'warned' | 'error'> = {
  image: 'supported', build: 'partial', command: 'supported', entrypoint: 'supported', environment: 'supported',
  env_file: 'supported', ports: 'partial', expose: 'supported', healthcheck: 'partial', depends_on: 'partial',
  deploy: 'partial', scale: 'supported', restart: 'partial', secrets: 'supported', volumes: 'partial', user: 'supported',
  working_dir: 'supported', labels: 'supported', logging: 'warned', ulimits: 'supported', cap_add: 'supported',
  cap_drop: 'supported', sysctls: 'supported', stop_grace_period: 'supported', stop_signal: 'warned', extra_hosts: 'supported',
  hostname: 'supported', domainname: 'warned', container_name: 'warned', networks: 'partial', network_mode: 'warned',
  privileged: 'supported', init: 'supported', read_only: 'supported', shm_size: 'supported', stdin_open: 'supported',
  tty: 'supported', cpus: 'supported', mem_limit: 'supported', mem_reservation: 'supported', profiles: 'supported',
  platform: 'partial', runtime: 'warned', links: 'partial', configs: 'supported', tmpfs: 'warned', dns: 'warned',
  dns_search: 'warned', dns_opt: 'warned', devices: 'warned', security_opt: 'warned', pid: 'warned', ipc: 'warned',
  cgroup: 'warned', cgroup_parent: 'warned', cpu_count: 'warned', cpu_percent: 'warned', cpu_shares: 'supported',
  cpu_quota: 'warned', cpu_period: 'warned', cpu_rt_period: 'warned', cpu_rt_runtime: 'warned', cpuset: 'warned',
  mem_swappiness: 'warned', memswap_limit: 'warned', oom_kill_disable: 'warned', oom_score_adj: 'warned',
  pids_limit: 'warned', pull_policy: 'warned', pull_refresh_after: 'warned', annotations: 'warned', attach: 'warned',
  blkio_config: 'warned', credential_spec: 'warned', develop: 'warned', device_cgroup_rules: 'warned', gpus: 'warned',
  group_add: 'warned', isolation: 'warned', label_file: 'warned', mac_address: 'warned', storage_opt: 'warned',
  userns_mode: 'warned', uts: 'warned', volumes_from: 'warned', post_start: 'warned', pre_stop: 'warned',
  use_api_socket: 'warned', models: 'warned', external_links: 'warned', extends: 'error', provider: 'error',
};

/** Reasons for keys that are only warned about: what ECS does instead. */
const WARN_REASONS: Record<string, string> = {
  container_name: 'ECS names containers itself; other services reach this one by its service name',
  domainname: 'ECS task definitions have no domain name setting; the container keeps the default',
  stop_signal: 'ECS stops containers with the image\'s STOPSIGNAL (default SIGTERM); set STOPSIGNAL in the Dockerfile instead',
  runtime: 'ECS runs containers with the instance\'s default runtime (runc)',
  tmpfs: 'tmpfs mounts are not created; the path stays on the container\'s own file system',
  dns: 'containers use the VPC resolver (Service Connect names work through it)',
  dns_search: 'containers use the VPC resolver\'s search domains',
  dns_opt: 'containers use the VPC resolver\'s options',
  devices: 'host devices are not mapped into the container',
  security_opt: 'Docker security options are not set',
  pid: 'the container keeps its own PID namespace',
  ipc: 'the container keeps its own IPC namespace',
  logging: 'logs always go to CloudWatch Logs (awslogs driver, one log group per service)',
};

const ULIMIT_NAMES = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);
const CAPABILITIES = new Set(['ALL', 'AUDIT_CONTROL', 'AUDIT_WRITE', 'BLOCK_SUSPEND', 'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER',
  'FSETID', 'IPC_LOCK', 'IPC_OWNER', 'KILL', 'LEASE', 'LINUX_IMMUTABLE', 'MAC_ADMIN', 'MAC_OVERRIDE', 'MKNOD', 'NET_ADMIN', 'NET_BIND_SERVICE',
  'NET_BROADCAST', 'NET_RAW', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_CHROOT', 'SYS_MODULE', 'SYS_NICE',
  'SYS_PACCT', 'SYS_PTRACE', 'SYS_RAWIO', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'SYSLOG', 'WAKE_ALARM']);
/** ECS container health check limits (ECS API reference, HealthCheck). */
const HEALTH_LIMITS = { interval: [5, 300], timeout: [2, 120], retries: [1, 10], startPeriod: [0, 300] } as const;
/** ECS caps the stop timeout it waits before SIGKILL at 120 seconds. */
const MAX_STOP_TIMEOUT = 120;

/** Translates a loaded compose file into the services to build. */
export function translateCompose(loaded: LoadedCompose, options: TranslateOptions): ProjectPlan {
  const { model, file } = loaded;
  const fail = (p: ModelPath, problem: string, fix: string, key = false): never => {
    throw new ComposeFileError(file, loaded.locate(p, key), problem, fix);
  };
  if (model.include !== undefined) {
    fail(['include'], "'include' is not supported", 'merge the included files into this one', true);
  }
  const projectName = sanitizeProjectName(options.projectName ?? model.name ?? path.basename(options.baseDir));
  const hostRoot = options.hostRoot ?? `/opt/compose/${projectName}`;
  const lookup = options.lookup ?? (() => undefined);
  const projectWarnings: ComposeWarning[] = [];
  const services = model.services ?? {};
  const networkCount = Object.keys(model.networks ?? {}).length;
  const sizeOf = (value: unknown, p: ModelPath): number | undefined => {
    if (value === undefined || value === null) return undefined;
    const mib = parseSizeMiB(value as string | number);
    // Docker refuses container memory below 6 MiB.
    if (mib === undefined || mib < 6) fail(p, `'${value}' is not a memory size of at least 6 MiB`, "write a size such as '512m' or '1.5g'");
    return mib;
  };
  const integerOf = (value: unknown, p: ModelPath, what: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) fail(p, `${what} '${value}' is not a whole number`, 'give a whole number, 0 or more');
    return n;
  };

  const active = selectServices(services, options.profiles ?? []);
  for (const name of Object.keys(services)) {
    if (!active.has(name)) {
      projectWarnings.push({ key: 'profiles', message: `${file}: service ${name}: left out because none of its profiles (${(services[name].profiles ?? []).join(', ')}) is active` });
    }
  }

  const usedVolumes = new Set<string>();
  const usedSecrets = new Set<string>();
  const usedConfigs = new Set<string>();
  const plans: ServicePlan[] = [];
  for (const [name, svc] of Object.entries(services)) {
    if (!active.has(name)) continue;
    const at = (...rest: Array<string | number>): ModelPath => ['services', name, ...rest];
    const warnings: ComposeWarning[] = [];
    const warn = (key: string, text: string) => warnings.push({ key, service: name, message: `${file}: service ${name}: ${key}: ${text}` });

    for (const key of Object.keys(svc)) {
      if (key.startsWith('x-') && key !== 'x-fleet') continue;
      const kind = SERVICE_KEYS[key];
      if (kind === 'error') {
        fail(at(key), `service '${name}': '${key}' is not supported`, key === 'extends'
          ? 'copy the extended service\'s keys into this service' : 'run this service outside the compose project', true);
      }
      // logging and network_mode get their own, more specific warnings below.
      if (kind === 'warned' && key !== 'logging' && key !== 'network_mode') {
        warn(key, `ignored: ${WARN_REASONS[key] ?? 'ECS on EC2 in bridge mode has no equivalent'}`);
      }
    }

    // Image.
    let image: ImagePlan;
    if (options.imageOverrides?.has(name)) {
      image = { kind: 'override' };
    } else if (svc.build !== undefined) {
      const built = buildPlan(svc.build, at('build'));
      image = built.plan;
      if (built.ignored.length) warn('build', `${built.ignored.join(', ')} ignored: image assets build with context, dockerfile, target and args only`);
    } else if (typeof svc.image === 'string' && svc.image.trim() !== '') {
      image = { kind: 'registry', reference: svc.image.trim() };
    } else {
      image = fail(at(), `service '${name}' has neither 'image' nor 'build'`, "give it an 'image', a 'build', or an image in the 'images' prop", true);
    }

    // Environment: env_file first, environment wins.
    const environment: Record<string, string> = {};
    for (const entry of envFiles(svc.env_file)) {
      const abs = path.resolve(options.baseDir, entry.path);
      const text = options.io.readFile(abs);
      if (text === undefined) {
        if (entry.required) fail(at('env_file'), `service '${name}': env_file '${entry.path}' does not exist (looked in ${abs})`, 'create the file or mark it required: false');
        continue;
      }
      Object.assign(environment, parseEnvFile(text, lookup));
    }
    for (const [k, v] of listOrDictEntries(svc.environment)) {
      const value = v ?? lookup(k);
      if (value !== undefined) environment[k] = value;
    }

    let command: string[] | undefined;
    let entryPoint: string[] | undefined;
    try {
      command = commandOf(svc.command);
      entryPoint = commandOf(svc.entrypoint);
    } catch (e) {
      fail(at(svc.command !== undefined ? 'command' : 'entrypoint'), `service '${name}': ${(e as Error).message}`, 'close the quote');
    }

    // Resources.
    const resources = svc.deploy?.resources ?? {};
    const limitCpus = numberOf(resources.limits?.cpus ?? svc.cpus);
    const reservedCpus = numberOf(resources.reservations?.cpus);
    let cpu: number | undefined;
    if (reservedCpus !== undefined) cpu = cpuUnits(reservedCpus);
    else if (limitCpus !== undefined) cpu = cpuUnits(limitCpus);
    else if (svc.cpu_shares !== undefined) cpu = Math.max(2, Math.round(Number(svc.cpu_shares)));
    if (reservedCpus !== undefined && limitCpus !== undefined && limitCpus !== reservedCpus) {
      warn('deploy', `resources.limits.cpus ${limitCpus} is not enforced: ECS reserves ${reservedCpus} vCPU (${cpu} units) and lets the container use idle CPU beyond it`);
    }
    const memoryLimitMiB = resources.limits?.memory !== undefined
      ? sizeOf(resources.limits.memory, at('deploy', 'resources', 'limits', 'memory'))
      : sizeOf(svc.mem_limit, at('mem_limit'));
    const memoryReservationMiB = resources.reservations?.memory !== undefined
      ? sizeOf(resources.reservations.memory, at('deploy', 'resources', 'reservations', 'memory'))
      : sizeOf(svc.mem_reservation, at('mem_reservation'));
    if (memoryLimitMiB !== undefined && memoryReservationMiB !== undefined && memoryReservationMiB > memoryLimitMiB) {
      fail(at('deploy', 'resources'), `service '${name}': the memory reservation (${memoryReservationMiB} MiB) is above the limit (${memoryLimitMiB} MiB)`,
        'make the reservation at most the limit');
    }
    if (resources.limits?.pids !== undefined) warn('deploy', 'resources.limits.pids is not set: ECS task definitions have no PID limit');
    if (resources.reservations?.devices !== undefined || resources.reservations?.generic_resources !== undefined) {
      warn('deploy', 'resources.reservations.devices and generic_resources are not reserved: use a GPU instance type and ECS GPU resource requirements');
    }
    for (const key of ['mode', 'endpoint_mode', 'labels', 'restart_policy', 'update_config', 'rollback_config', 'placement']) {
      if (svc.deploy?.[key] === undefined) continue;
      if (key === 'mode' && svc.deploy.mode === 'replicated') continue;
      warn('deploy', `${key} is ignored: ${({
        mode: 'services run replicated (one task per replica); global (one per instance) is not supported',
        endpoint_mode: 'Service Connect gives each service one name whatever the mode',
        labels: 'service labels are not set; labels on the container (labels:) are',
        restart_policy: 'the ECS service scheduler always replaces stopped tasks',
        update_config: 'deployments are rolling (200 % / 50 %) with a circuit breaker that rolls back',
        rollback_config: 'the deployment circuit breaker rolls back failed deployments',
        placement: 'tasks spread over Availability Zones and instances',
      } as Record<string, string>)[key]}`);
    }
    const replicas = svc.deploy?.replicas ?? svc.scale;
    const desiredCount = replicas === undefined ? 1 : integerOf(replicas, at(svc.deploy?.replicas !== undefined ? 'deploy' : 'scale'), 'replicas');

    // Restart.
    const restart = typeof svc.restart === 'string' ? svc.restart : undefined;
    if (restart === 'no') {
      warn('restart', "'no' is not honoured: the ECS service scheduler replaces every task that stops, whatever its exit code");
    } else if (restart?.startsWith('on-failure')) {
      warn('restart', `'${restart}' becomes 'always': the ECS service scheduler replaces every task that stops, whatever its exit code`);
    }

    // Health check.
    const healthCheck = healthCheckOf(svc.healthcheck, at('healthcheck'), warn, fail);

    // Ports.
    const ports: PortPlan[] = [];
    const published: PortSpec[] = [];
    const addPort = (spec: PortSpec) => {
      if (!ports.some((p) => p.containerPort === spec.containerPort && p.protocol === spec.protocol)) {
        ports.push({ containerPort: spec.containerPort, protocol: spec.protocol });
      }
      if (spec.published !== undefined && spec.published !== '') published.push(spec);
    };
    (svc.ports ?? []).forEach((entry: unknown, i: number) => {
      try {
        if (entry !== null && typeof entry === 'object') {
          const long = entry as Record<string, any>;
          const target = Number(long.target);
          if (!Number.isInteger(target) || target < 1 || target > 65535) throw new Error(`target '${long.target}' is not a port`);
          const protocol = String(long.protocol ?? 'tcp').toLowerCase();
          if (protocol !== 'tcp' && protocol !== 'udp') throw new Error(`protocol '${protocol}' is not tcp or udp`);
          addPort({ containerPort: target, protocol, published: long.published !== undefined ? String(long.published) : undefined });
        } else {
          parsePortShort(entry as string | number).forEach(addPort);
        }
      } catch (e) {
        fail(at('ports', i), `service '${name}': ${(e as Error).message}`, "write ports as 'HOST:CONTAINER[/udp]' or the long syntax");
      }
    });
    (svc.expose ?? []).forEach((entry: unknown, i: number) => {
      try {
        parsePortShort(entry as string | number).forEach((p) => addPort({ ...p, published: undefined }));
      } catch (e) {
        fail(at('expose', i), `service '${name}': ${(e as Error).message}`, "write expose entries as 'PORT[/udp]'");
      }
    });

    // Routing: DOMAIN and x-fleet.
    const fleet = extension(svc['x-fleet'], at('x-fleet'), fail);
    const domainLabel = environment.DOMAIN;
    const routes: RoutePlan[] = [];
    if (fleet.routes) {
      routes.push(...fleet.routes.map((r) => ({ ...r, healthCheckPath: r.healthCheckPath ?? fleet.healthCheckPath })));
    } else if (domainLabel !== undefined && domainLabel !== '') {
      if (options.domain) {
        routes.push({ host: `${domainLabel}.${options.domain}`.toLowerCase(), healthCheckPath: fleet.healthCheckPath });
      } else {
        warn('environment', `DOMAIN=${domainLabel} is not routed: the project has no domain (set the 'domain' prop)`);
      }
    }
    let routedPort: number | undefined;
    if (routes.length > 0) {
      routedPort = fleet.port ?? ports.find((p) => p.protocol === 'tcp')?.containerPort;
      if (routedPort === undefined) {
        fail(at(), `service '${name}' is routed (${routes.map(describeRoute).join(', ')}) but has no TCP port`,
          "add its port under 'ports' or 'expose', or set x-fleet.port", true);
      }
      if (!ports.some((p) => p.containerPort === routedPort && p.protocol === 'tcp')) ports.push({ containerPort: routedPort!, protocol: 'tcp' });
    }
    const unrouted = published.filter((p) => !(p.containerPort === routedPort && p.protocol === 'tcp'));
    if (unrouted.some((p) => p.protocol === 'tcp')) {
      const list = unrouted.filter((p) => p.protocol === 'tcp').map((p) => `${p.published}:${p.containerPort}`).join(', ');
      warn('ports', `published port(s) ${list} are not opened on the instances: ECS maps container ports to dynamic host ports; `
        + `other services reach them as ${name}:<container port> (Service Connect); route the service (DOMAIN or x-fleet.routes) to reach it from outside`);
    }
    const udp = ports.filter((p) => p.protocol === 'udp');
    if (udp.length > 0) {
      warn('ports', `UDP port(s) ${udp.map((p) => p.containerPort).join(', ')} are mapped to dynamic host ports only: neither the load balancer nor Service Connect carries UDP`);
    }
    for (const p of svc.ports ?? []) {
      if (p !== null && typeof p === 'object' && (p.mode === 'host' || p.host_ip !== undefined || p.app_protocol !== undefined)) {
        warn('ports', 'mode, host_ip and app_protocol of the long port syntax are ignored');
        break;
      }
    }

    // depends_on.
    const dependsOn: string[] = [];
    const dependencies = Array.isArray(svc.depends_on)
      ? (svc.depends_on as string[]).map((s): [string, { condition: string; required?: boolean }] => [s, { condition: 'service_started' }])
      : Object.entries((svc.depends_on ?? {}) as Record<string, { condition: string; required?: boolean }>);
    for (const [dep, spec] of dependencies) {
      if (!(dep in services)) fail(at('depends_on'), `service '${name}' depends on '${dep}', which is not a service of this file`, 'correct the service name');
      if (spec.required === false && !active.has(dep)) continue;
      dependsOn.push(dep);
      if (spec.condition === 'service_completed_successfully') {
        warn('depends_on', `${dep}: condition service_completed_successfully becomes service_started: ECS services run continuously; `
          + 'CloudFormation creates this service after that one is stable');
      }
    }

    // Volumes.
    const mounts: MountPlan[] = [];
    (svc.volumes ?? []).forEach((entry: unknown, i: number) => {
      const mount = mountOf(entry, at('volumes', i), fail);
      if (!mount) return;
      if (mount.kind === 'unsupported') {
        warn('volumes', `${mount.what} is not mounted: ${mount.why}`);
        return;
      }
      if (mount.kind === 'named') {
        if (!(mount.volume in (model.volumes ?? {}))) {
          fail(at('volumes', i), `service '${name}' mounts volume '${mount.volume}', which is not declared under the top-level 'volumes'`, `declare it: volumes: { ${mount.volume}: {} }`);
        }
        usedVolumes.add(mount.volume);
        const top = model.volumes?.[mount.volume] ?? {};
        if (options.namedVolumes === 'efs') {
          if (top.external) warn('volumes', `volume '${mount.volume}' is external, but a new EFS access point /${mount.volume} of the project's file system is used`);
          if (top.driver !== undefined || top.driver_opts !== undefined) warn('volumes', `volume '${mount.volume}': driver and driver_opts are ignored (EFS)`);
        } else {
          const extra = top.external ? ' (external: an existing Docker volume of that name on the instance is used, or created)' : '';
          warn('volumes', `named volume '${mount.volume}' is a Docker volume on the instance that runs the task${extra}: its data stays on that `
            + "instance and is lost when the task moves or the instance is replaced; set namedVolumes: 'efs' for durable shared data");
          if (top.driver !== undefined || top.driver_opts !== undefined) warn('volumes', `volume '${mount.volume}': driver and driver_opts are ignored (the local driver is used)`);
        }
        mounts.push(mount);
      } else if (mount.kind === 'bind') {
        const hostPath = hostPathOf(mount.source, hostRoot);
        const note = hostPath === '/var/run/docker.sock' ? '; this gives the container control of the instance\'s Docker daemon' : '';
        warn('volumes', `bind mount ${mount.source}:${mount.containerPath} becomes the host folder ${hostPath} of whichever instance runs the task `
          + `(created empty; the local folder's content is not copied)${note}`);
        mounts.push({ kind: 'bind', hostPath, containerPath: mount.containerPath, readOnly: mount.readOnly });
      } else {
        mounts.push(mount);
      }
    });

    // Secrets.
    const secrets: SecretMountPlan[] = [];
    (svc.secrets ?? []).forEach((entry: unknown, i: number) => {
      const long = typeof entry === 'string' ? { source: entry } : (entry as Record<string, any>);
      const source = String(long.source ?? '');
      if (!(source in (model.secrets ?? {}))) {
        fail(at('secrets', i), `service '${name}' uses secret '${source}', which is not declared under the top-level 'secrets'`, `declare it: secrets: { ${source}: { file: ./${source}.txt } }`);
      }
      usedSecrets.add(source);
      const target = long.target === undefined ? `/run/secrets/${source}` : String(long.target).startsWith('/') ? String(long.target) : `/run/secrets/${long.target}`;
      if (!target.startsWith('/run/secrets/') || target.slice('/run/secrets/'.length).includes('/')) {
        fail(at('secrets', i), `service '${name}': secret target '${target}' is outside /run/secrets`, 'use a file name directly under /run/secrets (the default)');
      }
      secrets.push({ secret: source, target, mode: octalMode(long.mode, 0o444), uid: long.uid, gid: long.gid });
    });

    // Configs.
    const configs: ConfigMountPlan[] = [];
    (svc.configs ?? []).forEach((entry: unknown, i: number) => {
      const long = typeof entry === 'string' ? { source: entry } : (entry as Record<string, any>);
      const source = String(long.source ?? '');
      if (!(source in (model.configs ?? {}))) {
        fail(at('configs', i), `service '${name}' uses config '${source}', which is not declared under the top-level 'configs'`, `declare it: configs: { ${source}: { file: ./${source} } }`);
      }
      usedConfigs.add(source);
      const target = path.posix.resolve('/', String(long.target ?? `/${source}`));
      if (path.posix.dirname(target) === '/') {
        fail(at('configs', i), `service '${name}': config target '${target}' is a file in the root folder, which cannot be mounted on ECS`,
          `give a target in a folder, e.g. target: /etc/${source}/${source}`);
      }
      configs.push({ config: source, target, mode: octalMode(long.mode, 0o444), uid: long.uid, gid: long.gid });
    });

    // Container settings.
    const ulimits: ServicePlan['ulimits'] = [];
    for (const [ulimit, value] of Object.entries((svc.ulimits ?? {}) as Record<string, any>)) {
      if (!ULIMIT_NAMES.has(ulimit)) {
        warn('ulimits', `'${ulimit}' is not a ulimit ECS supports; ignored`);
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
        else warn(key, `capability '${c}' is not one ECS supports; ignored`);
      }
      return out.length ? out : undefined;
    };
    const capAdd = caps(svc.cap_add, 'cap_add');
    const capDrop = caps(svc.cap_drop, 'cap_drop');
    const sysctlEntries = listOrDictEntries(svc.sysctls).filter(([, v]) => v !== undefined) as Array<[string, string]>;
    const sysctls = sysctlEntries.length ? Object.fromEntries(sysctlEntries) : undefined;

    let stopTimeoutSeconds: number | undefined;
    if (svc.stop_grace_period !== undefined) {
      const seconds = parseDurationSeconds(svc.stop_grace_period);
      if (seconds === undefined) fail(at('stop_grace_period'), `service '${name}': stop_grace_period '${svc.stop_grace_period}' is not a duration`, "write a duration such as '30s' or '1m30s'");
      stopTimeoutSeconds = Math.min(MAX_STOP_TIMEOUT, Math.max(0, Math.round(seconds!)));
      if (seconds! > MAX_STOP_TIMEOUT) warn('stop_grace_period', `${svc.stop_grace_period} is capped at ${MAX_STOP_TIMEOUT} seconds, the most ECS waits`);
    }

    const extraHosts: ServicePlan['extraHosts'] = [];
    for (const [hostname, ip] of extraHostEntries(svc.extra_hosts)) {
      if (ip === 'host-gateway') {
        warn('extra_hosts', `${hostname}:host-gateway is dropped: there is no host gateway alias on ECS; use the instance's address`);
      } else {
        extraHosts.push({ hostname, ipAddress: ip });
      }
    }

    const labels = listOrDictEntries(svc.labels);
    const dockerLabels = labels.length ? Object.fromEntries(labels.map(([k, v]) => [k, v ?? ''])) : undefined;

    // Networking keys.
    if (svc.network_mode !== undefined && svc.network_mode !== 'bridge') {
      warn('network_mode', `'${svc.network_mode}' is ignored: tasks run in bridge mode and reach each other through Service Connect`);
    }
    if (svc.networks !== undefined && !Array.isArray(svc.networks)) {
      for (const [net, cfg] of Object.entries(svc.networks as Record<string, any>)) {
        const dropped = ['aliases', 'ipv4_address', 'ipv6_address', 'mac_address', 'link_local_ips', 'priority', 'gw_priority', 'interface_name', 'driver_opts']
          .filter((k) => cfg?.[k] !== undefined);
        if (dropped.length) warn('networks', `${net}: ${dropped.join(', ')} ignored: addresses are assigned by Docker on the instance and the only name is the service name`);
      }
    }
    if (svc.networks !== undefined && networkCount > 1) {
      warn('networks', `network isolation is not reproduced: all services of the project share one Service Connect namespace and can reach each other (file declares ${networkCount} networks)`);
    }
    for (const link of (svc.links ?? []) as string[]) {
      const [target, alias] = link.split(':');
      if (alias !== undefined && alias !== target) warn('links', `alias '${alias}' for ${target} is not created; reach it as '${target}'`);
    }
    if (svc.platform !== undefined && !/^linux\/(amd64|x86_64)$/.test(svc.platform)) {
      warn('platform', `'${svc.platform}' is ignored: the cluster runs linux/amd64 instances`);
    }
    if (svc.logging !== undefined && ((svc.logging.driver ?? 'awslogs') !== 'awslogs' || svc.logging.options !== undefined)) {
      warn('logging', `driver ${svc.logging.driver ?? '(default)'}${svc.logging.options ? ' and its options' : ''} ignored: ${WARN_REASONS.logging}`);
    }
    let sharedMemoryMiB: number | undefined;
    if (svc.shm_size !== undefined) sharedMemoryMiB = sizeOf(svc.shm_size, at('shm_size'));

    plans.push({
      name,
      image,
      cpu,
      // A reservation alone (Compose: no hard limit) still needs a hard limit on ECS: at least the reservation.
      memoryLimitMiB: memoryLimitMiB ?? (memoryReservationMiB !== undefined ? Math.max(512, memoryReservationMiB) : undefined),
      memoryReservationMiB,
      desiredCount,
      environment,
      command,
      entryPoint,
      healthCheck,
      ports,
      routedPort,
      routes,
      dependsOn,
      mounts,
      secrets,
      configs,
      user: svc.user,
      workingDirectory: svc.working_dir,
      hostname: svc.hostname,
      dockerLabels,
      ulimits,
      capAdd,
      capDrop,
      sysctls,
      privileged: booleanOf(svc.privileged),
      init: booleanOf(svc.init),
      readOnlyRootFilesystem: booleanOf(svc.read_only),
      sharedMemoryMiB,
      interactive: booleanOf(svc.stdin_open),
      pseudoTerminal: booleanOf(svc.tty),
      stopTimeoutSeconds,
      extraHosts,
      domainLabel,
      warnings,
    });
  }

  checkCycles(plans, (svcName) => fail(['services', svcName, 'depends_on'], `service '${svcName}' is part of a depends_on cycle`, 'remove one of the dependencies in the cycle', true));

  const secretPlans: SecretPlan[] = [];
  for (const secretName of usedSecrets) {
    const top = model.secrets![secretName];
    if (top.external) {
      const externalName = typeof top.external === 'object' && top.external.name ? top.external.name : top.name ?? secretName;
      secretPlans.push({ name: secretName, kind: 'external', externalName });
    } else {
      const from = top.file !== undefined ? `file ${top.file}` : top.environment !== undefined ? `variable ${top.environment}` : 'its source';
      projectWarnings.push({
        key: 'secrets',
        message: `${file}: secret ${secretName}: ${from} is not read (its value would be stored in the CloudFormation template); `
          + 'a Secrets Manager secret with a generated random value is created instead: set your value with '
          + "'aws secretsmanager put-secret-value' or declare the secret 'external: true' to use an existing one by name",
      });
      secretPlans.push({ name: secretName, kind: 'generated' });
    }
  }

  const configPlans: ConfigPlan[] = [];
  for (const configName of usedConfigs) {
    const top = model.configs![configName];
    const p = ['configs', configName];
    if (top.external) {
      const externalName = typeof top.external === 'object' && top.external.name ? top.external.name : top.name ?? configName;
      configPlans.push({ name: configName, kind: 'external', externalName });
      continue;
    }
    let value: string | undefined;
    if (top.content !== undefined) {
      value = String(top.content);
    } else if (top.file !== undefined) {
      const abs = path.resolve(options.baseDir, String(top.file));
      value = options.io.readFile(abs);
      if (value === undefined) fail(p, `config '${configName}': file '${top.file}' does not exist (looked in ${abs})`, 'create the file or correct the path', true);
    } else if (top.environment !== undefined) {
      value = lookup(String(top.environment));
      if (value === undefined) fail(p, `config '${configName}': variable ${top.environment} is not set`, `set ${top.environment} in 'variables'`, true);
    } else {
      fail(p, `config '${configName}' has no file, content or environment`, 'give one of them, or external: true', true);
    }
    configPlans.push({ name: configName, kind: 'value', value });
  }

  return { name: projectName, services: plans, volumes: [...usedVolumes], secrets: secretPlans, configs: configPlans, warnings: projectWarnings };

  function buildPlan(build: unknown, p: ModelPath): { plan: ImagePlan; ignored: string[] } {
    const spec = typeof build === 'string' ? { context: build } : (build as Record<string, any>);
    const context = String(spec.context ?? '.');
    if (/^(https?:\/\/|git@|github\.com\/)/.test(context)) {
      fail(p, `build context '${context}' is a remote URL, which cannot be built at synth time`, "build and push the image, then give it in 'image' or the 'images' prop");
    }
    if (spec.dockerfile_inline !== undefined) {
      fail(p, 'build.dockerfile_inline is not supported', 'write the Dockerfile into the build context');
    }
    const abs = path.resolve(options.baseDir, context);
    if (!options.io.isDirectory(abs)) {
      fail(p, `build context '${context}' does not exist (looked in ${abs})`, "create the folder with its Dockerfile, or map the service to a prebuilt image in the 'images' prop");
    }
    const dockerfile = spec.dockerfile !== undefined ? String(spec.dockerfile) : undefined;
    if (options.io.readFile(path.resolve(abs, dockerfile ?? 'Dockerfile')) === undefined) {
      fail(p, `no ${dockerfile ?? 'Dockerfile'} in build context ${abs}`, "add the Dockerfile, set build.dockerfile, or map the service to a prebuilt image in the 'images' prop");
    }
    const ignored = Object.keys(spec).filter((k) => !['context', 'dockerfile', 'target', 'args'].includes(k) && !k.startsWith('x-'));
    const args = spec.args !== undefined
      ? Object.fromEntries(listOrDictEntries(spec.args).map(([k, v]) => [k, v ?? lookup(k) ?? '']))
      : undefined;
    return { plan: { kind: 'build', context: abs, dockerfile, target: spec.target, args }, ignored };
  }
}

/** Modes are octal in Compose (`0400`); YAML 1.2 reads an unquoted 0400 as the decimal 400, so digits 0-7 are read as octal. */
function octalMode(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const text = String(value);
  return /^0?o?[0-7]{1,4}$/.test(text) ? parseInt(text.replace(/^0?o/, ''), 8) : Number(value);
}

function describeRoute(r: RoutePlan): string {
  return [r.host && `host ${r.host}`, r.path && `path ${r.path}`].filter(Boolean).join(' ');
}

/** Services to include: no profiles, an active profile, or needed by an included service. */
function selectServices(services: Record<string, Record<string, any>>, profiles: readonly string[]): Set<string> {
  const active = new Set(Object.entries(services)
    .filter(([, s]) => !s.profiles || (s.profiles as string[]).some((p) => profiles.includes(p)))
    .map(([n]) => n));
  let grew = true;
  while (grew) {
    grew = false;
    for (const name of [...active]) {
      const deps = services[name].depends_on;
      const names = Array.isArray(deps) ? deps : Object.keys(deps ?? {});
      for (const dep of names) {
        if (dep in services && !active.has(dep)) {
          active.add(dep);
          grew = true;
        }
      }
    }
  }
  return active;
}

function checkCycles(plans: ServicePlan[], onCycle: (name: string) => never): void {
  const byName = new Map(plans.map((p) => [p.name, p]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') onCycle(name);
    state.set(name, 'visiting');
    for (const dep of byName.get(name)?.dependsOn ?? []) visit(dep);
    state.set(name, 'done');
  };
  plans.forEach((p) => visit(p.name));
}

/** Project names become resource names and host paths: lower-case letters, digits, '-' and '_'. */
export function sanitizeProjectName(name: string): string {
  const clean = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '');
  return clean || 'compose';
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

function numberOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function cpuUnits(cpus: number): number {
  return Math.max(2, Math.round(cpus * 1024));
}

function booleanOf(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  return ['true', 'yes', '1', 'on'].includes(String(value).toLowerCase());
}

function extraHostEntries(value: unknown): Array<[string, string]> {
  if (Array.isArray(value)) {
    return value.map((s) => {
      const text = String(s);
      // host=ip (Compose 2.24+) or host:ip, where an IPv6 address may itself contain ':'.
      const eq = text.indexOf('=');
      const at = eq >= 0 ? eq : text.indexOf(':');
      return [text.slice(0, at), text.slice(at + 1).replace(/^\[|\]$/g, '')];
    });
  }
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, string | string[]>)
      .flatMap(([h, ips]) => (Array.isArray(ips) ? ips : [ips]).map((ip) => [h, String(ip)] as [string, string]));
  }
  return [];
}

type ParsedMount =
  | { kind: 'named'; volume: string; containerPath: string; readOnly: boolean }
  | { kind: 'anonymous'; containerPath: string; readOnly: boolean }
  | { kind: 'bind'; source: string; containerPath: string; readOnly: boolean }
  | { kind: 'unsupported'; what: string; why: string };

function mountOf(entry: unknown, p: ModelPath, fail: (p: ModelPath, problem: string, fix: string) => never): ParsedMount | undefined {
  if (typeof entry === 'string') {
    const parts = splitVolumeShort(entry);
    if (parts.length === 1) return { kind: 'anonymous', containerPath: parts[0], readOnly: false };
    if (parts.length > 3) fail(p, `volume '${entry}' is malformed`, "write 'SOURCE:TARGET[:ro]'");
    const [source, target, mode] = parts;
    if (source === '') fail(p, `volume '${entry}' has an empty source (an unset variable?)`, 'give a host path or a volume name before the colon');
    const readOnly = (mode ?? '').split(',').includes('ro');
    if (!target.startsWith('/')) fail(p, `volume '${entry}': the container path '${target}' is not absolute`, 'give an absolute container path');
    return isPathLike(source) ? { kind: 'bind', source, containerPath: target, readOnly } : { kind: 'named', volume: source, containerPath: target, readOnly };
  }
  const long = entry as Record<string, any>;
  const readOnly = booleanOf(long.read_only) ?? false;
  const target = String(long.target ?? '');
  switch (long.type) {
    case 'volume':
      return long.source ? { kind: 'named', volume: String(long.source), containerPath: target, readOnly } : { kind: 'anonymous', containerPath: target, readOnly };
    case 'bind':
      if (!long.source) fail(p, 'a bind mount needs a source', 'give the host path in source');
      return { kind: 'bind', source: String(long.source), containerPath: target, readOnly };
    default:
      return { kind: 'unsupported', what: `${long.type} mount ${target}`, why: `${long.type} mounts have no ECS equivalent here` };
  }
}

/** Splits `SRC:DST[:MODE]`, keeping Windows drive letters (`C:\x`) together. */
function splitVolumeShort(text: string): string[] {
  const parts = text.split(':');
  if (parts.length > 1 && /^[A-Za-z]$/.test(parts[0]) && /^[\\/]/.test(parts[1])) {
    return [`${parts[0]}:${parts[1]}`, ...parts.slice(2)];
  }
  return parts;
}

function isPathLike(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~') || /^[A-Za-z]:[\\/]/.test(source);
}

/** Where a bind mount's source lives on the instance: absolute paths stay, relative ones go under `hostRoot`. */
function hostPathOf(source: string, hostRoot: string): string {
  if (source.startsWith('/')) return path.posix.normalize(source).replace(/(.)\/$/, '$1');
  const relative = source.startsWith('~') ? `home/${source.slice(1)}` : source;
  return path.posix.join(hostRoot, path.posix.normalize(relative.replace(/\\/g, '/'))).replace(/(.)\/$/, '$1');
}

/** The `x-fleet` extension of a service, validated. */
interface FleetExtension {
  readonly port?: number;
  readonly routes?: RoutePlan[];
  readonly healthCheckPath?: string;
}

function extension(value: unknown, p: ModelPath, fail: (p: ModelPath, problem: string, fix: string) => never): FleetExtension {
  if (value === undefined || value === null) return {};
  const bad = (what: string): never => fail(p, `x-fleet: ${what}`, 'see docs/compose.md, "The x-fleet extension"');
  if (typeof value !== 'object' || Array.isArray(value)) return bad('must be a mapping');
  const v = value as Record<string, any>;
  const unknown = Object.keys(v).filter((k) => !['port', 'routes', 'healthCheckPath'].includes(k));
  if (unknown.length) bad(`unknown key(s) ${unknown.join(', ')} (allowed: port, routes, healthCheckPath)`);
  if (v.port !== undefined && (!Number.isInteger(v.port) || v.port < 1 || v.port > 65535)) bad(`port ${v.port} is not a TCP port`);
  if (v.healthCheckPath !== undefined && (typeof v.healthCheckPath !== 'string' || !v.healthCheckPath.startsWith('/'))) bad(`healthCheckPath '${v.healthCheckPath}' must start with '/'`);
  let routes: RoutePlan[] | undefined;
  if (v.routes !== undefined) {
    if (!Array.isArray(v.routes) || v.routes.length === 0) bad('routes must be a non-empty list of { host, path, healthCheckPath }');
    routes = (v.routes as any[]).map((r, i) => {
      if (!r || typeof r !== 'object') return bad(`routes[${i}] must be a mapping`);
      const extra = Object.keys(r).filter((k) => !['host', 'path', 'healthCheckPath'].includes(k));
      if (extra.length) bad(`routes[${i}]: unknown key(s) ${extra.join(', ')} (allowed: host, path, healthCheckPath)`);
      for (const k of ['host', 'path', 'healthCheckPath']) {
        if (r[k] !== undefined && typeof r[k] !== 'string') bad(`routes[${i}].${k} must be a string`);
      }
      return { host: r.host, path: r.path, healthCheckPath: r.healthCheckPath };
    });
  }
  return { port: v.port, routes, healthCheckPath: v.healthCheckPath };
}

function healthCheckOf(value: any, p: ModelPath, warn: (key: string, text: string) => void,
  fail: (p: ModelPath, problem: string, fix: string) => never): HealthCheckPlan | undefined {
  if (value === undefined || value === null) return undefined;
  if (booleanOf(value.disable)) return undefined;
  const test = value.test;
  let command: string[];
  if (test === undefined) {
    warn('healthcheck', 'only interval, timeout and retries are given, without a test: the image\'s HEALTHCHECK is not used by ECS, so no health check is set');
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
    if (s === undefined) return fail([...p, key], `${formatPath([...p, key])}: '${value[key]}' is not a duration`, "write a duration such as '10s'");
    return s;
  };
  const clamp = (key: string, v: number, [min, max]: readonly [number, number]) => {
    const whole = Math.round(v);
    if (whole < min || whole > max) {
      const c = Math.min(max, Math.max(min, whole));
      warn('healthcheck', `${key} ${v}s is outside what ECS accepts (${min}-${max}); ${c} is used`);
      return c;
    }
    return whole;
  };
  if (value.start_interval !== undefined) warn('healthcheck', 'start_interval is ignored: ECS checks at the same interval during the start period');
  // Compose's defaults (30 s interval, 30 s timeout, 3 retries), except that ECS needs the timeout shorter than the interval.
  const intervalSeconds = clamp('interval', seconds('interval', 30), HEALTH_LIMITS.interval);
  let timeoutSeconds = clamp('timeout', seconds('timeout', Math.min(30, intervalSeconds - 1)), HEALTH_LIMITS.timeout);
  if (timeoutSeconds >= intervalSeconds) {
    warn('healthcheck', `timeout ${timeoutSeconds}s is not shorter than interval ${intervalSeconds}s, which ECS requires; ${intervalSeconds - 1}s is used`);
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
