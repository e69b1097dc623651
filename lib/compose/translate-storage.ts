import * as path from 'path';
import { booleanOf, ServiceContext } from './context';
import { hostPathOf } from './host-paths';
import { ModelPath } from './load';
import { ConfigMountPlan, MountPlan, NamedVolumeStorage, SecretMountPlan } from './plan';

/**
 * Storage of a compose service: volumes (named, anonymous, bind; tmpfs ones are Linux parameters), secrets and
 * configs mounted as files. Each records what it uses in the project's sets. Pure, no CDK.
 */

/** What the project's services use, filled while translating them. */
export interface ProjectUsage {
  readonly volumes: Set<string>;
  readonly secrets: Set<string>;
  readonly configs: Set<string>;
}

/** `volumes` of a service. A short entry without a container path is an error, as Docker rejects it. */
export function mountsOf(ctx: ServiceContext, usage: ProjectUsage, hostRoot: string): MountPlan[] {
  const { svc, name, model, options } = ctx;
  const mounts: MountPlan[] = [];
  (svc.volumes ?? []).forEach((entry: unknown, i: number) => {
    const mount = mountOf(ctx, entry, ctx.at('volumes', i));
    if (!mount) return;
    if (mount.kind === 'unsupported') {
      ctx.warn('volumes', `${mount.what} is not mounted: ${mount.why}`);
      return;
    }
    if (mount.kind === 'named') {
      if (!(mount.volume in (model.volumes ?? {}))) {
        ctx.fail(ctx.at('volumes', i), `service '${name}' mounts volume '${mount.volume}', which is not declared under the top-level 'volumes'`, `declare it: volumes: { ${mount.volume}: {} }`);
      }
      usage.volumes.add(mount.volume);
      const top = model.volumes?.[mount.volume] ?? {};
      if (options.namedVolumes === NamedVolumeStorage.EFS) {
        if (top.external) ctx.warn('volumes', `volume '${mount.volume}' is external, but a new EFS access point /${mount.volume} of the project's file system is used`);
        if (top.driver !== undefined || top.driver_opts !== undefined) ctx.warn('volumes', `volume '${mount.volume}': driver and driver_opts are ignored (EFS)`);
      } else {
        const extra = top.external ? ' (external: an existing Docker volume of that name on the instance is used, or created)' : '';
        ctx.warn('volumes', `named volume '${mount.volume}' is a Docker volume on the instance that runs the task${extra}: its data stays on that `
          + "instance and is lost when the task moves or the instance is replaced; set namedVolumes: NamedVolumeStorage.EFS for durable shared data");
        if (top.driver !== undefined || top.driver_opts !== undefined) ctx.warn('volumes', `volume '${mount.volume}': driver and driver_opts are ignored (the local driver is used)`);
      }
      mounts.push(mount);
    } else if (mount.kind === 'bind') {
      const hostPath = hostPathOf(mount.source, hostRoot);
      const note = hostPath === '/var/run/docker.sock' ? '; this gives the container control of the instance\'s Docker daemon' : '';
      ctx.warn('volumes', `bind mount ${mount.source}:${mount.containerPath} becomes the host folder ${hostPath} of whichever instance runs the task `
        + `(created empty; the local folder's content is not copied)${note}`);
      mounts.push({ kind: 'bind', hostPath, containerPath: mount.containerPath, readOnly: mount.readOnly });
    } else {
      mounts.push(mount);
    }
  });
  return mounts;
}

/** `secrets` of a service: files under /run/secrets. */
export function secretsOf(ctx: ServiceContext, usage: ProjectUsage): SecretMountPlan[] {
  const { svc, name, model } = ctx;
  return (svc.secrets ?? []).map((entry: unknown, i: number): SecretMountPlan => {
    const long = typeof entry === 'string' ? { source: entry } : (entry as Record<string, any>);
    const source = String(long.source ?? '');
    if (!(source in (model.secrets ?? {}))) {
      ctx.fail(ctx.at('secrets', i), `service '${name}' uses secret '${source}', which is not declared under the top-level 'secrets'`, `declare it: secrets: { ${source}: { file: ./${source}.txt } }`);
    }
    usage.secrets.add(source);
    const target = long.target === undefined ? `/run/secrets/${source}` : String(long.target).startsWith('/') ? String(long.target) : `/run/secrets/${long.target}`;
    const targetAt = long.target === undefined ? ctx.at('secrets', i) : ctx.at('secrets', i, 'target');
    checkFilePath(ctx, targetAt, `service '${name}': secret target '${target}'`, target);
    if (!target.startsWith('/run/secrets/') || target.slice('/run/secrets/'.length).includes('/')) {
      ctx.fail(ctx.at('secrets', i), `service '${name}': secret target '${target}' is outside /run/secrets`, 'use a file name directly under /run/secrets (the default)');
    }
    return { secret: source, target, ...ownership(ctx, long, (k) => ctx.at('secrets', i, k), `service '${name}': secret '${source}'`) };
  });
}

/** `configs` of a service: files anywhere but the root folder. */
export function configsOf(ctx: ServiceContext, usage: ProjectUsage): ConfigMountPlan[] {
  const { svc, name, model } = ctx;
  return (svc.configs ?? []).map((entry: unknown, i: number): ConfigMountPlan => {
    const long = typeof entry === 'string' ? { source: entry } : (entry as Record<string, any>);
    const source = String(long.source ?? '');
    if (!(source in (model.configs ?? {}))) {
      ctx.fail(ctx.at('configs', i), `service '${name}' uses config '${source}', which is not declared under the top-level 'configs'`, `declare it: configs: { ${source}: { file: ./${source} } }`);
    }
    usage.configs.add(source);
    const written = String(long.target ?? `/${source}`);
    checkFilePath(ctx, long.target === undefined ? ctx.at('configs', i) : ctx.at('configs', i, 'target'), `service '${name}': config target '${written}'`, written);
    const target = path.posix.resolve('/', written);
    if (path.posix.dirname(target) === '/') {
      ctx.fail(ctx.at('configs', i), `service '${name}': config target '${target}' is a file in the root folder, which cannot be mounted on ECS`,
        `give a target in a folder, e.g. target: /etc/${source}/${source}`);
    }
    return { config: source, target, ...ownership(ctx, long, (k) => ctx.at('configs', i, k), `service '${name}': config '${source}'`) };
  });
}

/**
 * Secret and config targets, modes, uids and gids end up in the `sh -c` script of the secrets-init and configs-init
 * containers, between single quotes or bare: only characters that cannot leave a quoted word or start another
 * command pass (review r1: a target holding `'` ran its own shell commands in the init container).
 */
const SAFE_FILE_PATH = /^[A-Za-z0-9._/-]+$/;

function checkFilePath(ctx: ServiceContext, at: ModelPath, what: string, target: string): void {
  if (!SAFE_FILE_PATH.test(target) || target.split('/').some((s) => s === '..' || s === '.')) {
    ctx.fail(at, `${what} may hold only letters, digits and '.', '_', '-', '/', with no '.' or '..' segment`, 'rename the target file');
  }
}

/** `mode` (octal, at most 07777), `uid` and `gid` (digits) of a secret or config mount, checked at their positions. */
function ownership(ctx: ServiceContext, long: Record<string, any>, at: (key: string) => ModelPath, what: string): { mode: number; uid?: string; gid?: string } {
  const mode = octalMode(long.mode, 0o444);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) ctx.fail(at('mode'), `${what}: mode '${long.mode}' is not a file mode`, 'give an octal mode such as 0400 or 0440');
  for (const key of ['uid', 'gid'] as const) {
    if (long[key] !== undefined && !/^\d{1,10}$/.test(String(long[key]))) ctx.fail(at(key), `${what}: ${key} '${long[key]}' is not a number`, `give the numeric ${key} (e.g. '1000'), not a name`);
  }
  return { mode, uid: long.uid === undefined ? undefined : String(long.uid), gid: long.gid === undefined ? undefined : String(long.gid) };
}

/** Modes are octal in Compose (`0400`); YAML 1.2 reads an unquoted 0400 as the decimal 400, so digits 0-7 are read as octal. */
export function octalMode(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const text = String(value);
  return /^0?o?[0-7]{1,4}$/.test(text) ? parseInt(text.replace(/^0?o/, ''), 8) : Number(value);
}

type ParsedMount =
  | { kind: 'named'; volume: string; containerPath: string; readOnly: boolean }
  | { kind: 'anonymous'; containerPath: string; readOnly: boolean }
  | { kind: 'bind'; source: string; containerPath: string; readOnly: boolean }
  | { kind: 'unsupported'; what: string; why: string };

function mountOf(ctx: ServiceContext, entry: unknown, p: ModelPath): ParsedMount | undefined {
  if (typeof entry === 'string') {
    const parts = splitVolumeShort(entry);
    if (parts.length === 1) {
      if (!parts[0].startsWith('/')) {
        ctx.fail(p, `volume '${entry}' has no container path: Docker would take '${entry}' as a relative container path and refuse to start the container`,
          `write '${entry}:/path/in/container' to mount a named volume, or an absolute path for an anonymous volume`);
      }
      return { kind: 'anonymous', containerPath: parts[0], readOnly: false };
    }
    if (parts.length > 3) ctx.fail(p, `volume '${entry}' is malformed`, "write 'SOURCE:TARGET[:ro]'");
    const [source, target, mode] = parts;
    if (source === '') ctx.fail(p, `volume '${entry}' has an empty source (an unset variable?)`, 'give a host path or a volume name before the colon');
    const readOnly = (mode ?? '').split(',').includes('ro');
    if (!target.startsWith('/')) ctx.fail(p, `volume '${entry}': the container path '${target}' is not absolute`, 'give an absolute container path');
    return isPathLike(source) ? { kind: 'bind', source, containerPath: target, readOnly } : { kind: 'named', volume: source, containerPath: target, readOnly };
  }
  const long = entry as Record<string, any>;
  const readOnly = booleanOf(long.read_only) ?? false;
  const target = String(long.target ?? '');
  switch (long.type) {
    case 'volume':
      return long.source ? { kind: 'named', volume: String(long.source), containerPath: target, readOnly } : { kind: 'anonymous', containerPath: target, readOnly };
    case 'bind':
      if (!long.source) ctx.fail(p, 'a bind mount needs a source', 'give the host path in source');
      return { kind: 'bind', source: String(long.source), containerPath: target, readOnly };
    case 'tmpfs':
      // A Linux parameter (see linuxOf), not a volume.
      return undefined;
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
