import * as path from 'path';
import { serviceContext, ServiceContext } from './context';
import { ComposeFileError, ComposeWarning, LoadedCompose, ModelPath } from './load';
import { projectServiceNames, startOrder } from './names';
import { ConfigPlan, ProjectPlan, SecretPlan, ServicePlan, TranslateOptions } from './plan';
import { checkComposePolicy, ComposeSecurityPolicy } from './security-policy';
import {
  commandsOf, deploymentOf, environmentOf, healthCheckOf, imageOf, linuxOf, loggingOf, networkWarningsOf, processSettingsOf, resourcesOf, restartOf,
} from './translate-container';
import { checkFargateService } from './translate-capacity';
import { fleetExtensionOf, portsOf, portWarningsOf, routingOf } from './translate-ports';
import { configsOf, mountsOf, ProjectUsage, secretsOf } from './translate-storage';

export * from './plan';

/**
 * Compose file → a plain description of the ECS services to build (a {@link ProjectPlan}) and the warnings for
 * what ECS cannot honour. Pure: file access goes through {@link ITranslateIo}; no CDK. Each concern of a service
 * (image, environment, resources, ports, storage, ...) is one function over a shared {@link ServiceContext}
 * (translate-container.ts, translate-ports.ts, translate-storage.ts); this module puts them together and adds
 * what spans services (names, start order, secrets, configs). docs/compose.md lists the mapping of every key.
 */

/** How each service key of the Compose Specification is treated; docs/compose.md holds the same table in words. */
export const SERVICE_KEYS: Record<string, 'supported' | 'partial' | 'warned' | 'error'> = {
  image: 'supported', build: 'partial', command: 'supported', entrypoint: 'supported', environment: 'supported',
  env_file: 'supported', ports: 'partial', expose: 'supported', healthcheck: 'partial', depends_on: 'partial',
  deploy: 'partial', scale: 'supported', restart: 'partial', secrets: 'supported', volumes: 'partial', user: 'supported',
  working_dir: 'supported', labels: 'supported', logging: 'supported', ulimits: 'supported', cap_add: 'supported',
  cap_drop: 'supported', sysctls: 'supported', stop_grace_period: 'supported', stop_signal: 'warned', extra_hosts: 'supported',
  hostname: 'supported', domainname: 'warned', container_name: 'warned', networks: 'partial', network_mode: 'warned',
  privileged: 'supported', init: 'supported', read_only: 'supported', shm_size: 'supported', stdin_open: 'supported',
  tty: 'supported', cpus: 'supported', mem_limit: 'supported', mem_reservation: 'supported', profiles: 'supported',
  platform: 'partial', runtime: 'warned', links: 'partial', configs: 'supported', tmpfs: 'partial', dns: 'warned',
  dns_search: 'warned', dns_opt: 'warned', devices: 'partial', security_opt: 'warned', pid: 'warned', ipc: 'warned',
  cgroup: 'warned', cgroup_parent: 'warned', cpu_count: 'warned', cpu_percent: 'warned', cpu_shares: 'supported',
  cpu_quota: 'warned', cpu_period: 'warned', cpu_rt_period: 'warned', cpu_rt_runtime: 'warned', cpuset: 'warned',
  mem_swappiness: 'partial', memswap_limit: 'supported', oom_kill_disable: 'warned', oom_score_adj: 'warned',
  pids_limit: 'warned', pull_policy: 'warned', pull_refresh_after: 'warned', annotations: 'warned', attach: 'warned',
  blkio_config: 'warned', credential_spec: 'warned', develop: 'warned', device_cgroup_rules: 'warned', gpus: 'partial',
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
  dns: 'containers use the VPC resolver (Service Connect names work through it)',
  dns_search: 'containers use the VPC resolver\'s search domains',
  dns_opt: 'containers use the VPC resolver\'s options',
  security_opt: 'Docker security options are not set',
  pid: 'the container keeps its own PID namespace',
  ipc: 'the container keeps its own IPC namespace',
  // ECS VolumesFrom reaches only containers of the same task, and compose services never share a task here.
  volumes_from: 'each compose service is a task of its own, and ECS shares volumes only between containers of one task; '
    + "mount the same named volume in both services instead (namedVolumes: NamedVolumeStorage.EFS to share it across instances)",
};

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
  // Before anything reads a file the compose file names: containment, host-level settings, external names.
  const policy = checkComposePolicy(loaded, {
    policy: options.securityPolicy ?? ComposeSecurityPolicy.BASELINE,
    baseDir: options.baseDir,
    projectDirectory: options.projectDirectory,
    hostRoot,
    externalNamePrefix: options.externalNamePrefix,
    imageOverrides: options.imageOverrides,
    io: options.policyIo,
  });
  // Relative bind mounts keep their place in the project folder on the instances: the policy computed where.
  const bindRoot = policy.bindRoot;
  const projectWarnings: ComposeWarning[] = [];
  const services = model.services ?? {};

  const active = selectServices(services, options.profiles ?? []);
  for (const name of Object.keys(services)) {
    if (!active.has(name)) {
      projectWarnings.push({ key: 'profiles', message: `${file}: service ${name}: left out because none of its profiles (${(services[name].profiles ?? []).join(', ')}) is active` });
    }
  }
  const activeNames = Object.keys(services).filter((n) => active.has(n));
  const named = projectServiceNames(activeNames);
  if (named.collision) {
    const c = named.collision;
    fail(['services', c.name], `services '${c.other}' and '${c.name}' get the same Service Connect ${c.on}: ECS names are lowercase letters, digits, _ and -`,
      `rename one of them so they differ in more than case and '.'`, true);
  }

  const usage: ProjectUsage = { volumes: new Set(), secrets: new Set(), configs: new Set() };
  const drafts = activeNames.map((name) => translateService(serviceContext(loaded, name, options), { active, usage, hostRoot: bindRoot, names: named.names, outwardLinks: policy.contextsWithOutwardLinks }));
  checkCycles(drafts, (svcName) => fail(['services', svcName, 'depends_on'], `service '${svcName}' is part of a depends_on cycle`, 'remove one of the dependencies in the cycle', true));
  const order = startOrder(drafts.map((d) => ({ name: d.name, dependsOn: d.dependsOn, environment: d.environment, isServer: d.ports.some((p) => p.protocol === 'tcp') })));
  const plans: ServicePlan[] = drafts.map((d) => ({ ...d, startAfter: order[d.name] }));

  const secretPlans: SecretPlan[] = [];
  for (const secretName of usage.secrets) {
    const top = model.secrets![secretName];
    if (top.external) {
      const externalName = typeof top.external === 'object' && top.external.name ? top.external.name : top.name ?? secretName;
      secretPlans.push({ name: secretName, kind: 'external', externalName });
    } else if (top.file !== undefined && options.sealSecretFiles) {
      const abs = path.resolve(options.baseDir, String(top.file));
      if (options.io.readFile(abs) === undefined && options.io.readFile(`${abs}.sealed.json`) === undefined) {
        fail(['secrets', secretName, 'file'], `secret ${secretName}: neither ${top.file} nor its sealed copy ${top.file}.sealed.json exists`,
          'create the file (synth seals it into the .sealed.json beside it), or check out the sealed file committed beside it');
      }
      secretPlans.push({ name: secretName, kind: 'sealed', file: abs });
    } else {
      const from = top.file !== undefined ? `file ${top.file}` : top.environment !== undefined ? `variable ${top.environment}` : 'its source';
      const instead = top.file !== undefined
        ? "set sealSecretFiles to upload the file sealed (docs/secrets.md), set your value with 'aws secretsmanager put-secret-value', "
          + "or declare the secret 'external: true' to use an existing one by name"
        : "set your value with 'aws secretsmanager put-secret-value' or declare the secret 'external: true' to use an existing one by name";
      projectWarnings.push({
        key: 'secrets',
        message: `${file}: secret ${secretName}: ${from} is not read (its value would be stored in the CloudFormation template); `
          + `a Secrets Manager secret with a generated random value is created instead: ${instead}`,
      });
      secretPlans.push({ name: secretName, kind: 'generated' });
    }
  }

  const configPlans: ConfigPlan[] = [];
  for (const configName of usage.configs) {
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

  return { name: projectName, services: plans, volumes: [...usage.volumes], secrets: secretPlans, configs: configPlans, warnings: projectWarnings };
}

/** What {@link translateService} needs of the project. */
interface ProjectContext {
  readonly active: ReadonlySet<string>;
  readonly usage: ProjectUsage;
  readonly hostRoot: string;
  readonly names: Record<string, ServicePlan['names']>;
  /** Build contexts with symbolic links to project files outside them: their image asset copies the targets. */
  readonly outwardLinks?: ReadonlySet<string>;
}

/** One compose service → its plan (without the project-wide start order). */
export function translateService(ctx: ServiceContext, project: ProjectContext): Omit<ServicePlan, 'startAfter'> {
  classifyKeys(ctx);
  const built = imageOf(ctx);
  const image = built.kind === 'build' && project.outwardLinks?.has(built.context) ? { ...built, copyLinkTargets: true } : built;
  const environment = environmentOf(ctx);
  const resources = resourcesOf(ctx);
  const deployment = deploymentOf(ctx, resources.desiredCount);
  restartOf(ctx);
  const healthCheck = healthCheckOf(ctx);
  const fleet = fleetExtensionOf(ctx);
  const declared = portsOf(ctx, image, fleet);
  const routing = routingOf(ctx, environment, fleet, declared.ports, declared.portSource, declared.published);
  portWarningsOf(ctx, routing.ports, declared.published, routing.routedPort);
  const dependsOn = dependsOnOf(ctx, project.active);
  const mounts = mountsOf(ctx, project.usage, project.hostRoot);
  const secrets = secretsOf(ctx, project.usage);
  const configs = configsOf(ctx, project.usage);
  const settings = processSettingsOf(ctx);
  const linux = linuxOf(ctx, resources.memoryLimitMiB);
  const logging = loggingOf(ctx);
  networkWarningsOf(ctx);
  checkFargateService(ctx, fleet.capacity, { ...settings, ...linux, ...resources, mounts, deployment, logging });
  return {
    name: ctx.name,
    image,
    ...resources,
    environment,
    ...commandsOf(ctx),
    healthCheck,
    ports: routing.ports,
    portSource: declared.portSource,
    // The routed port is a web port whatever its number.
    published: declared.published.map((p) => (p.containerPort === routing.routedPort && p.protocol === 'tcp' ? { ...p, http: true } : p)),
    names: project.names[ctx.name],
    routedPort: routing.routedPort,
    routes: routing.routes,
    dependsOn,
    mounts,
    secrets,
    configs,
    ...settings,
    ...linux,
    logging,
    deployment,
    networkMode: fleet.network,
    capacity: fleet.capacity,
    domainLabel: routing.domainLabel,
    warnings: ctx.warnings,
  };
}

/** Keys without an ECS equivalent are warned (with their reason); `extends` and `provider` are errors. */
export function classifyKeys(ctx: ServiceContext): void {
  for (const key of Object.keys(ctx.svc)) {
    if (key.startsWith('x-') && key !== 'x-fleet') continue;
    const kind = SERVICE_KEYS[key];
    if (kind === 'error') {
      ctx.fail(ctx.at(key), `service '${ctx.name}': '${key}' is not supported`, key === 'extends'
        ? 'copy the extended service\'s keys into this service' : 'run this service outside the compose project', true);
    }
    // network_mode gets its own, more specific warning.
    if (kind === 'warned' && key !== 'network_mode') {
      ctx.warn(key, `ignored: ${WARN_REASONS[key] ?? 'ECS on EC2 in bridge mode has no equivalent'}`);
    }
  }
}

/** `depends_on` (list or map): services to create first; unknown services are errors. */
export function dependsOnOf(ctx: ServiceContext, active: ReadonlySet<string>): string[] {
  const { svc, name } = ctx;
  const services = ctx.model.services ?? {};
  const dependsOn: string[] = [];
  const dependencies = Array.isArray(svc.depends_on)
    ? (svc.depends_on as string[]).map((s): [string, { condition: string; required?: boolean }] => [s, { condition: 'service_started' }])
    : Object.entries((svc.depends_on ?? {}) as Record<string, { condition: string; required?: boolean }>);
  for (const [dep, spec] of dependencies) {
    if (!(dep in services)) ctx.fail(ctx.at('depends_on'), `service '${name}' depends on '${dep}', which is not a service of this file`, 'correct the service name');
    if (spec.required === false && !active.has(dep)) continue;
    dependsOn.push(dep);
    if (spec.condition === 'service_completed_successfully') {
      ctx.warn('depends_on', `${dep}: condition service_completed_successfully becomes service_started: ECS services run continuously; `
        + 'CloudFormation creates this service after that one is stable');
    }
  }
  return dependsOn;
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

function checkCycles(plans: Array<Pick<ServicePlan, 'name' | 'dependsOn'>>, onCycle: (name: string) => never): void {
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
  // Trimmed by hand: /[-_]+$/ backtracks quadratically over a long run of '-' that does not end the name.
  const clean = trimChars(name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-'), '-_');
  return clean || 'compose';
}

/** `text` without the characters of `chars` at either end; linear, unlike an unanchored `[...]+$`. */
export function trimChars(text: string, chars: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && chars.includes(text[start])) start++;
  while (end > start && chars.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

