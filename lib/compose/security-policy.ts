import * as fs from 'fs';
import * as path from 'path';
import { FleetCapacity, isFargate } from '../service/fleet-capacity';
import { booleanOf } from './context';
import { bindRootOf, hostPathOf, isAbsoluteBindSource, isUnderHostRoot } from './host-paths';
import { ComposeFileError, LoadedCompose, ModelPath } from './load';
import { listOrDictEntries } from './parse';

/**
 * What a compose file may ask for. CI deploys a branch's compose file (`Qa-<branch>`), so by default the file is
 * treated like a pull request from a stranger, as Kubernetes' Pod Security Standards "baseline" treats a pod: it may
 * not name files outside its project folder, take over the instance, or read another environment's secrets. One pass
 * over the loaded file, before translation, with every refusal at the `file:line:column` of the offending value.
 * No CDK: file access goes through {@link PolicyIo}. docs/compose.md ("Untrusted compose files") lists the same rules.
 */

/** How far a compose file is trusted. */
export enum ComposeSecurityPolicy {
  /**
   * The file is untrusted input (a branch's file deployed by CI): host-level settings (privileged, added capabilities
   * beyond the baseline list, devices, host namespaces, non-namespaced sysctls, unconfined security options, bind
   * mounts of host paths outside the project's own `/opt/compose/<project>`) are refused, and `external` secrets and
   * configs must be named under the environment's prefix. `x-fleet.capacity: fargate` is refused too: Fargate has no
   * capacity bound a branch cannot raise.
   */
  BASELINE = 'baseline',
  /**
   * The file is reviewed like code (a trusted project): host-level settings are honoured or warned as before, and
   * `external` secrets and configs may have any name. Files the compose file names must still lie inside the
   * project folder.
   */
  TRUSTED = 'trusted',
}

/**
 * Capabilities a BASELINE file may add: Kubernetes Pod Security Standards baseline's list (Docker's default set
 * without NET_RAW), plus NET_RAW, which Docker grants every container anyway, so adding it grants nothing.
 */
export const BASELINE_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'NET_RAW', 'SETFCAP', 'SETGID',
  'SETPCAP', 'SETUID', 'SYS_CHROOT',
];

/**
 * Sysctls a BASELINE file may set: those Docker treats as namespaced (per container), so they cannot change the
 * instance. `net.*` is per container because tasks run in bridge mode (each container has its own network namespace);
 * host network mode, where it would not be, is refused.
 */
export const NAMESPACED_SYSCTLS: readonly string[] = [
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced',
  'fs.mqueue.*', 'net.*',
];

/**
 * Host paths named in messages when a BASELINE bind mount reaches them, so the refusal says why it matters. The rule
 * itself is an allowlist (docs/compose.md, "Untrusted compose files"): under BASELINE a bind mount may only reach
 * the project's own folder on the instances, `/opt/compose/<project>`. A denylist always misses one:
 * `/var/lib/cloud/scripts/per-boot` runs as root at the next boot, `/var/lib/amazon` and `/opt/aws` hold the agents.
 */
const NOTABLE_HOST_PATHS: readonly string[] = [
  '/var/run/docker.sock', '/run/docker.sock', '/var/lib/cloud', '/etc', '/root', '/var/lib/docker', '/var/lib/ecs', '/proc', '/sys', '/dev', '/boot', '/opt/compose',
];

/** `security_opt` values that switch a confinement off (both `:` and `=` spellings are refused). */
export const UNCONFINED_SECURITY_OPTS: readonly string[] = ['seccomp:unconfined', 'apparmor:unconfined', 'label:disable', 'systempaths:unconfined'];

/** Service keys whose value `host` joins a namespace of the instance. */
const HOST_NAMESPACE_KEYS = ['network_mode', 'pid', 'ipc', 'userns_mode', 'cgroup', 'uts'] as const;

/** What the policy needs of the file system (the build machine's). */
export interface PolicyIo {
  /** `fs.realpathSync` of `p`, or undefined when it does not exist. */
  realPath(p: string): string | undefined;
  /** The target of `p` as written when `p` is a symbolic link (dangling ones included), else undefined. */
  readLink(p: string): string | undefined;
  /** Whether `p` is a folder (following links). */
  isDirectory(p: string): boolean;
  /** Every symbolic link under folder `dir` (recursively, links not followed): its path and its target's real path (or lexical target when broken). */
  symlinksUnder(dir: string): Array<{ link: string; target: string }>;
}

/** Options of {@link checkComposePolicy}. */
export interface PolicyOptions {
  readonly policy: ComposeSecurityPolicy;
  /** Folder of the compose file (relative paths start there). */
  readonly baseDir: string;
  /** Folder every named file must lie in (after symlinks). @default baseDir */
  readonly projectDirectory?: string;
  /** The project's own folder for relative bind mounts on the instances (`/opt/compose/<project>`). */
  readonly hostRoot: string;
  /**
   * Prefix of the names `external` secrets (`<prefix>/...`) and configs (`/<prefix>/...`) may have under BASELINE.
   * @default - external secrets and configs are refused under BASELINE
   */
  readonly externalNamePrefix?: string;
  /** Services whose image is given by the caller: their `build` is never read. */
  readonly imageOverrides?: ReadonlySet<string>;
  readonly io?: PolicyIo;
}

/** What the check found that the translation needs. */
export interface PolicyReport {
  /**
   * The compose file's folder on the instances (`hostRoot` plus the file's place in the project folder): relative
   * bind sources are resolved there, by {@link hostPathOf}, in the check and in the translation alike.
   */
  readonly bindRoot: string;
  /** Build contexts (absolute) holding symbolic links to files outside themselves (but inside the project folder). */
  readonly contextsWithOutwardLinks: ReadonlySet<string>;
}

interface Violation {
  /** What is refused, in a few words (for the list of further refusals). */
  readonly what: string;
  readonly path: ModelPath;
  readonly key: boolean;
  readonly problem: string;
  readonly fix: string;
}

const TRUSTED_FIX = 'remove it, or set securityPolicy: ComposeSecurityPolicy.TRUSTED for a trusted project (docs/compose.md, "Untrusted compose files")';

/** The file system as the constructs read it. */
export const FS_POLICY_IO: PolicyIo = {
  realPath: (p) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return undefined;
    }
  },
  readLink: (p) => {
    try {
      return fs.readlinkSync(p);
    } catch {
      return undefined;
    }
  },
  isDirectory: (p) => {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  },
  symlinksUnder: (dir) => {
    const out: Array<{ link: string; target: string }> = [];
    const walk = (d: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = path.join(d, e.name);
        if (e.isSymbolicLink()) {
          out.push({ link: p, target: realLocation(p, FS_POLICY_IO) });
        } else if (e.isDirectory()) {
          walk(p);
        }
      }
    };
    walk(dir);
    return out;
  },
};

/**
 * Where `p` really is: its real path, or, when it does not exist, the real path of its nearest existing parent
 * followed by the rest, so a missing file under a symlinked folder counts where the link points. A dangling link
 * counts where it points too: writing through it (a sealed copy) would create its target.
 */
export function realLocation(p: string, io: PolicyIo = FS_POLICY_IO, depth = 0): string {
  const rest: string[] = [];
  let current = path.resolve(p);
  for (;;) {
    const real = io.realPath(current);
    if (real !== undefined) return path.join(real, ...rest);
    const link = io.readLink(current);
    // 40 links deep is where Linux gives up (ELOOP) too.
    if (link !== undefined && depth < 40) return realLocation(path.join(path.resolve(path.dirname(current), link), ...rest), io, depth + 1);
    const parent = path.dirname(current);
    if (parent === current) return path.resolve(p);
    rest.unshift(path.basename(current));
    current = parent;
  }
}

/** Whether `p` is `dir` or lies under it (both absolute and normalized). */
export function isWithin(dir: string, p: string): boolean {
  const relative = path.relative(dir, p);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Whether a sysctl is one a container may set for itself ({@link NAMESPACED_SYSCTLS}). */
export function isNamespacedSysctl(name: string): boolean {
  return NAMESPACED_SYSCTLS.some((s) => (s.endsWith('.*') ? name.startsWith(s.slice(0, -1)) : name === s));
}

/** The notable host path a bind mount's host path touches (is, lies under, or contains), for messages; `/` is the whole instance. */
export function notableHostPath(hostPath: string): string | undefined {
  if (hostPath === '/') return '/';
  return NOTABLE_HOST_PATHS.find((s) => hostPath === s || hostPath.startsWith(`${s}/`) || s.startsWith(`${hostPath}/`));
}

/** Whether a `security_opt` entry switches a confinement off. */
export function isUnconfinedSecurityOpt(option: string): boolean {
  const normalized = option.trim().toLowerCase().replace('=', ':');
  return UNCONFINED_SECURITY_OPTS.includes(normalized);
}

/**
 * Checks a loaded compose file against the policy; throws a {@link ComposeFileError} at the first refusal (its
 * message lists the others' positions too, so one synth shows everything to fix).
 */
export function checkComposePolicy(loaded: LoadedCompose, options: PolicyOptions): PolicyReport {
  const io = options.io ?? FS_POLICY_IO;
  const projectDirectory = realLocation(options.projectDirectory ?? options.baseDir, io);
  const violations: Violation[] = [];
  const contextsWithOutwardLinks = new Set<string>();
  const refuse: Refuse = (what, p, problem, fix, key = false) => violations.push({ what, path: p, key, problem, fix });
  const display = (p: string) => path.relative(options.baseDir, p) || '.';

  /** A file the build machine reads (or writes): it must really lie in the project folder. */
  const contained = (p: ModelPath, value: string, what: string, from = options.baseDir): string => {
    const abs = path.resolve(from, value);
    const real = realLocation(abs, io);
    if (!isWithin(projectDirectory, real)) {
      const via = real !== abs ? ` (${abs} leads to ${real})` : '';
      refuse(`${what} '${value}'`, p, `${what} '${value}' is outside the project folder ${projectDirectory}${via}: a compose file may only name files of its project`,
        'move the file into the project folder (a symbolic link out of it counts as outside), or widen the folder with projectDirectory');
    }
    return abs;
  };

  // Relative bind sources keep their place in the project folder on the instances.
  const fromProject = path.relative(projectDirectory, realLocation(options.baseDir, io)).split(path.sep).join('/');
  const bindRoot = bindRootOf(options.hostRoot, fromProject);
  const binds = { hostRoot: options.hostRoot, bindRoot };

  const model = loaded.model;
  for (const [name, svc] of Object.entries(model.services ?? {})) {
    if (!svc || typeof svc !== 'object') continue;
    const at = (...rest: Array<string | number>): ModelPath => ['services', name, ...rest];
    checkServiceFiles({ options, io, projectDirectory, refuse, contained, display, outward: contextsWithOutwardLinks }, svc, name, at);
    checkBindMounts(svc, name, at, binds, options.policy, refuse);
    if (options.policy === ComposeSecurityPolicy.BASELINE) {
      checkHostSettings(svc, name, at, refuse);
      checkCapacity(svc, name, at, refuse);
    }
  }
  for (const kind of ['secrets', 'configs'] as const) {
    for (const [name, top] of Object.entries<any>(model[kind] ?? {})) {
      if (!top || typeof top !== 'object') continue;
      if (top.file !== undefined && !top.external) {
        const abs = contained([kind, name, 'file'], String(top.file), `${kind === 'secrets' ? 'secret' : 'config'} ${name}'s file`);
        // Sealing writes <file>.sealed.json beside the file: a link there must not lead out either.
        if (kind === 'secrets' && isWithin(projectDirectory, realLocation(abs, io))) {
          const sealed = realLocation(`${abs}.sealed.json`, io);
          if (!isWithin(projectDirectory, sealed)) {
            refuse(`secret ${name}'s sealed copy`, [kind, name, 'file'], `secret ${name}'s sealed copy ${top.file}.sealed.json leads outside the project folder (to ${sealed})`,
              'replace the symbolic link by the sealed file itself');
          }
        }
      }
      if (top.external && options.policy === ComposeSecurityPolicy.BASELINE) checkExternalName(kind, name, top, options.externalNamePrefix, refuse);
    }
  }

  if (violations.length > 0) {
    // In file order, so the error points at the first one and lists the rest.
    const located = violations.map((v) => ({ ...v, pos: loaded.locate(v.path, v.key) }))
      .sort((a, b) => (a.pos?.line ?? Infinity) - (b.pos?.line ?? Infinity) || (a.pos?.column ?? 0) - (b.pos?.column ?? 0));
    const [first, ...others] = located;
    const where = (v: (typeof located)[number]) => (v.pos ? `${v.pos.line}:${v.pos.column}` : v.path.join('.'));
    const more = others.length ? ` (also refused: ${others.map((v) => `${where(v)} ${v.what}`).join('; ')})` : '';
    throw new ComposeFileError(loaded.file, first.pos, `${first.problem}${more}`, first.fix);
  }
  return { contextsWithOutwardLinks, bindRoot };
}

type Refuse = (what: string, p: ModelPath, problem: string, fix: string, key?: boolean) => void;

/** What the file checks of one pass share. */
interface FileCheck {
  readonly options: PolicyOptions;
  readonly io: PolicyIo;
  /** The project folder, real path. */
  readonly projectDirectory: string;
  readonly refuse: Refuse;
  /** Refuses a named file outside the project folder; returns its absolute (lexical) path. */
  contained(p: ModelPath, value: string, what: string, from?: string): string;
  /** A path as messages show it (relative to the compose file's folder). */
  display(p: string): string;
  /** Build contexts with links to project files outside them. */
  readonly outward: Set<string>;
}

/** `env_file` and `build` (context, Dockerfile, links in the context). */
function checkServiceFiles(check: FileCheck, svc: Record<string, any>, name: string, at: (...rest: Array<string | number>) => ModelPath): void {
  const { options, io, projectDirectory, refuse, contained, display, outward } = check;
  const envFiles = svc.env_file === undefined ? [] : Array.isArray(svc.env_file) ? svc.env_file : [svc.env_file];
  envFiles.forEach((entry: unknown, i: number) => {
    const long = entry !== null && typeof entry === 'object';
    const value = long ? String((entry as Record<string, unknown>).path) : String(entry);
    const p = Array.isArray(svc.env_file) ? at('env_file', i, ...(long ? ['path'] : [])) : at('env_file', ...(long ? ['path'] : []));
    contained(p, value, `service ${name}: env_file`);
  });

  if (svc.build !== undefined && !options.imageOverrides?.has(name)) {
    const spec = typeof svc.build === 'string' ? { context: svc.build } : (svc.build as Record<string, any>) ?? {};
    const context = String(spec.context ?? '.');
    if (!/^(https?:\/\/|git@|github\.com\/)/.test(context)) {
      const contextPath = typeof svc.build === 'string' ? at('build') : spec.context !== undefined ? at('build', 'context') : at('build');
      const abs = contained(contextPath, context, `service ${name}: build context`);
      if (spec.dockerfile !== undefined) contained(at('build', 'dockerfile'), String(spec.dockerfile), `service ${name}: build.dockerfile`, abs);
      const realContext = realLocation(abs, io);
      if (isWithin(projectDirectory, realContext)) {
        // The asset copies what links outside the context point to, folders included: their links are checked too.
        const folders = [abs];
        const seen = new Set([realContext]);
        for (let folder = folders.shift(); folder !== undefined; folder = folders.shift()) {
          for (const { link, target } of io.symlinksUnder(folder)) {
            if (!isWithin(projectDirectory, target)) {
              refuse(`service ${name}: link ${display(link)}`, contextPath, `service ${name}: build context '${context}' holds the symbolic link ${display(link)}, which leads outside the project folder (to ${target}): `
                + 'the image asset would copy that file into cdk.out', 'remove the link, or copy what it points to into the project');
            } else if (!isWithin(realContext, target)) {
              outward.add(abs);
              if (io.isDirectory(target) && !seen.has(target)) {
                seen.add(target);
                folders.push(target);
              }
            }
          }
        }
      }
    }
  }

}

/**
 * Bind mounts, judged on the host path the translation mounts ({@link hostPathOf}), never on the source as written:
 * under both policies a relative source (`./x`, `~/x`, `C:\x`: all land under the project's folder) may not leave
 * `hostRoot`; under BASELINE an absolute source must lie under `hostRoot` too.
 */
function checkBindMounts(svc: Record<string, any>, name: string, at: (...rest: Array<string | number>) => ModelPath, binds: { hostRoot: string; bindRoot: string },
  policy: ComposeSecurityPolicy, refuse: Refuse): void {
  (Array.isArray(svc.volumes) ? svc.volumes : []).forEach((entry: unknown, i: number) => {
    const bind = bindSource(entry);
    if (bind === undefined) return;
    const absolute = isAbsoluteBindSource(bind.source);
    if (absolute && policy !== ComposeSecurityPolicy.BASELINE) return;
    const hostPath = hostPathOf(bind.source, binds.bindRoot);
    if (isUnderHostRoot(binds.hostRoot, hostPath)) return;
    const notable = notableHostPath(hostPath);
    const reaches = notable === undefined ? '' : ` and reaches ${notable === '/' ? 'the whole instance' : notable.endsWith('docker.sock') ? 'the Docker socket' : notable}`;
    if (absolute) {
      refuse(`service ${name}: bind mount of '${bind.source}'`, at('volumes', i, ...bind.at), `service ${name}: bind mount of the host path '${bind.source}' is outside the project's `
        + `host folder ${binds.hostRoot}${reaches}: an untrusted file may only bind-mount its own folder, as anything else on the instance can give the container `
        + 'control of it or of other tasks\' data', `give a relative source (it lands under ${binds.hostRoot}) or a named volume instead, or ${TRUSTED_FIX}`);
    } else {
      refuse(`service ${name}: bind source '${bind.source}'`, at('volumes', i, ...bind.at), `service ${name}: bind mount source '${bind.source}' climbs out of the project folder: `
        + `on the instances it would be ${hostPath}${reaches}, outside the project's host folder ${binds.hostRoot}, reaching another project's or the instance's files`,
      'give a source inside the project folder, or a named volume');
    }
  });
}

/** privileged, cap_add, devices, sysctls, host namespaces, security_opt and the Docker API socket. */
function checkHostSettings(svc: Record<string, any>, name: string, at: (...rest: Array<string | number>) => ModelPath, refuse: Refuse): void {
  if (booleanOf(svc.privileged)) refuse(`service ${name}: privileged`, at('privileged'), `service ${name}: 'privileged: true' gives the container every capability and the instance's devices`, TRUSTED_FIX);
  (Array.isArray(svc.cap_add) ? svc.cap_add : []).forEach((c: unknown, i: number) => {
    const cap = String(c).toUpperCase().replace(/^CAP_/, '');
    if (!BASELINE_CAPABILITIES.includes(cap)) {
      refuse(`service ${name}: cap_add '${c}'`, at('cap_add', i), `service ${name}: cap_add '${c}' is beyond the baseline capabilities (${BASELINE_CAPABILITIES.join(', ')})`, TRUSTED_FIX);
    }
  });
  (Array.isArray(svc.devices) ? svc.devices : []).forEach((_: unknown, i: number) => {
    refuse(`service ${name}: devices`, at('devices', i), `service ${name}: devices map host devices into the container`, TRUSTED_FIX);
  });
  if (svc.device_cgroup_rules !== undefined) refuse(`service ${name}: device_cgroup_rules`, at('device_cgroup_rules'), `service ${name}: device_cgroup_rules open host devices to the container`, TRUSTED_FIX, true);
  listOrDictEntries(svc.sysctls).forEach(([k], i) => {
    if (!isNamespacedSysctl(k)) {
      refuse(`service ${name}: sysctl '${k}'`, at('sysctls', Array.isArray(svc.sysctls) ? i : k), `service ${name}: sysctl '${k}' is not namespaced: it would change the instance's kernel for every task`
        + ` (namespaced: ${NAMESPACED_SYSCTLS.join(', ')})`, TRUSTED_FIX, !Array.isArray(svc.sysctls));
    }
  });
  for (const key of HOST_NAMESPACE_KEYS) {
    if (String(svc[key] ?? '').toLowerCase() === 'host') refuse(`service ${name}: ${key}: host`, at(key), `service ${name}: '${key}: host' shares the instance's ${key === 'network_mode' ? 'network' : key} namespace`, TRUSTED_FIX);
  }
  (Array.isArray(svc.security_opt) ? svc.security_opt : []).forEach((o: unknown, i: number) => {
    if (isUnconfinedSecurityOpt(String(o))) refuse(`service ${name}: security_opt '${o}'`, at('security_opt', i), `service ${name}: security_opt '${o}' switches a confinement of the container off`, TRUSTED_FIX);
  });
  if (booleanOf(svc.use_api_socket)) refuse(`service ${name}: use_api_socket`, at('use_api_socket'), `service ${name}: 'use_api_socket: true' gives the container the Docker API of the instance`, TRUSTED_FIX);
}

/**
 * `x-fleet.capacity: fargate` or `fargate-spot`: on the cluster's instances an untrusted file's services are bounded by
 * the instances (a task larger than one is refused, the group has a maximum size), but Fargate has no bound a branch
 * cannot raise: `deploy.replicas: 2000` of 16 vCPU and 120 GiB each would be 2000 such tasks, billed by the second.
 */
function checkCapacity(svc: Record<string, any>, name: string, at: (...rest: Array<string | number>) => ModelPath, refuse: Refuse): void {
  const fleet = svc['x-fleet'];
  const capacity = fleet !== null && typeof fleet === 'object' ? (fleet as Record<string, unknown>).capacity : undefined;
  if (!isFargate(capacity as FleetCapacity)) return;
  refuse(`service ${name}: x-fleet.capacity ${capacity}`, at('x-fleet', 'capacity'), `service ${name}: x-fleet.capacity ${capacity} runs the service on Fargate, which has no capacity `
    + 'bound a branch cannot raise: any number of replicas (deploy.replicas) of up to 16 vCPU and 120 GiB each, billed per task, where the cluster\'s instances bound '
    + 'what an untrusted file can start', 'leave x-fleet.capacity out to run the service on the cluster\'s instances, or set securityPolicy: ComposeSecurityPolicy.TRUSTED '
    + 'in the project\'s trusted code (ComposeProject or QaStack) for a reviewed file (docs/compose.md, "Untrusted compose files")');
}

/** The source of a bind mount entry (short `SRC:DST[:MODE]` with a path-like source, or `type: bind`), with the path of the value. */
function bindSource(entry: unknown): { source: string; at: string[] } | undefined {
  if (typeof entry === 'string') {
    const parts = entry.split(':');
    if (parts.length < 2) return undefined;
    const source = /^[A-Za-z]$/.test(parts[0]) && /^[\\/]/.test(parts[1]) ? `${parts[0]}:${parts[1]}` : parts[0];
    return /^[./~]/.test(source) || /^[A-Za-z]:[\\/]/.test(source) ? { source, at: [] } : undefined;
  }
  if (entry !== null && typeof entry === 'object' && (entry as any).type === 'bind' && (entry as any).source) {
    return { source: String((entry as any).source), at: ['source'] };
  }
  return undefined;
}

/** Secrets Manager names allow these characters; SSM parameter names these. */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]+$/;
const PARAMETER_NAME = /^[A-Za-z0-9/_.-]+$/;

/** An `external` secret or config must be named under the environment's prefix. */
function checkExternalName(kind: 'secrets' | 'configs', name: string, top: Record<string, any>, prefix: string | undefined, refuse: Refuse): void {
  const externalName = String(typeof top.external === 'object' && top.external?.name ? top.external.name : top.name ?? name);
  const p: ModelPath = typeof top.external === 'object' && top.external?.name ? [kind, name, 'external', 'name'] : top.name !== undefined ? [kind, name, 'name'] : [kind, name];
  const what = kind === 'secrets' ? 'secret' : 'config';
  if (prefix === undefined) {
    refuse(`external ${what} '${externalName}'`, p, `external ${what} '${externalName}' is refused: the environment owns no name prefix`, 'set externalNamePrefix, or ' + TRUSTED_FIX, p.length === 2);
    return;
  }
  const expected = kind === 'secrets' ? `${prefix}/` : `/${prefix}/`;
  const valid = (kind === 'secrets' ? SECRET_NAME : PARAMETER_NAME).test(externalName) && !externalName.split('/').includes('..');
  if (!valid || !externalName.startsWith(expected) || externalName.length === expected.length) {
    refuse(`external ${what} '${externalName}'`, p, `external ${what} '${externalName}' is not named under this environment's prefix '${expected}': the services would be granted `
      + `another environment's ${kind === 'secrets' ? 'secret' : 'parameter'}`, `name it '${expected}<name>' (and create it there), or ${TRUSTED_FIX}`, p.length === 2);
  }
}
