import type { ServiceConfig } from '../service/service-config';
import type { RouteOptions } from '../routing/fleet-load-balancer';
import { ComposeFileError, loadCompose } from './load';
import { ComposeSecurityPolicy } from './security-policy';
import { projectFileIo } from './project-files';
import { ITranslateIo, translateCompose } from './translate';

/**
 * Compose file → `ServiceConfig[]` for a {@link ProductionStack}, so production takes its services from the
 * same compose file QA runs, refined per service (sizes, routes). Pure apart from the injected file access.
 * Production configs hold registry images only: a service with `build` needs an image in `overrides`.
 */

/** What production changes about one compose service. */
export interface ServiceOverride {
  /** Prebuilt image (required for services that `build`). @default - the compose `image` */
  readonly image?: string;
  /** CPU units. @default - from deploy.resources, else ServiceConfig's default */
  readonly cpu?: number;
  /** Hard memory limit in MiB. @default - from deploy.resources, else ServiceConfig's default */
  readonly memoryLimitMiB?: number;
  /** Tasks. @default - deploy.replicas, else 1 */
  readonly desiredCount?: number;
  /** Port the load balancer routes to. @default - the routed port of the compose service */
  readonly containerPort?: number;
  /** Routes. @default - the compose routes (DOMAIN host under `domain`, x-fleet.routes) */
  readonly routes?: RouteOptions[];
  /** Environment variables merged over the compose ones. @default - none */
  readonly environment?: Record<string, string>;
}

/** Options of {@link composeServiceConfigs}. */
export interface ComposeServiceConfigsOptions {
  /** Compose file name, for messages. */
  readonly file: string;
  /** Folder of the compose file. */
  readonly baseDir: string;
  /** Domain for DOMAIN routes. @default - DOMAIN is not routed */
  readonly domain?: string;
  /** Variables for interpolation. @default - none */
  readonly variables?: Record<string, string>;
  /** Per-service refinements. @default - none */
  readonly overrides?: Record<string, ServiceOverride>;
  /** Only these services. @default - all */
  readonly only?: string[];
  /**
   * How the translation reads build contexts and env files (Dockerfiles for ports, `.env` files): give your own to
   * read from elsewhere than this machine's disk (tests, a virtual file system).
   *
   * @default - this machine's files, as a ComposeProject reads them: regular files of at most 1 MiB
   */
  readonly io?: ITranslateIo;
}

/**
 * Reads compose `text` into production service configs. Keys production cannot carry (volumes, secrets,
 * container settings) are not reported here: run the file through `ComposeProject` to see every warning.
 * Throws {@link ComposeFileError} for a bad file or a service with `build` and no image override.
 *
 * TypeScript only; from other languages use `ComposeServiceConfigs.read`.
 *
 * @jsii ignore
 */
export function composeServiceConfigs(text: string, options: ComposeServiceConfigsOptions): ServiceConfig[] {
  const variables = options.variables ?? {};
  const loaded = loadCompose(text, { file: options.file, lookup: (n) => variables[n] });
  const overrides = options.overrides ?? {};
  const plan = translateCompose(loaded, {
    baseDir: options.baseDir,
    domain: options.domain,
    imageOverrides: new Set(Object.entries(overrides).filter(([, o]) => o.image !== undefined).map(([n]) => n)),
    lookup: (n) => variables[n],
    // Production configs carry none of the host-level keys (ServiceConfig has no place for them) nor external secrets:
    // only the file rules matter, and they hold under TRUSTED too.
    securityPolicy: ComposeSecurityPolicy.TRUSTED,
    io: options.io ?? projectFileIo(),
  });
  for (const name of Object.keys(overrides)) {
    if (!plan.services.some((s) => s.name === name)) {
      throw new ComposeFileError(options.file, undefined, `overrides name '${name}', which is not a service of the file`, `use one of ${plan.services.map((s) => s.name).join(', ')}`);
    }
  }
  return plan.services
    .filter((s) => !options.only || options.only.includes(s.name))
    .map((s): ServiceConfig => {
      const o = overrides[s.name] ?? {};
      const image = o.image ?? (s.image.kind === 'registry' ? s.image.reference : undefined);
      if (image === undefined) {
        throw new ComposeFileError(options.file, loaded.locate(['services', s.name, 'build'], true), `service '${s.name}' is built from source, and production needs a prebuilt image`,
          `give overrides.${s.name}.image`);
      }
      const routes = o.routes ?? s.routes.map((r) => ({ host: r.host, path: r.path, healthCheckPath: r.healthCheckPath }));
      return {
        name: s.name,
        image,
        cpu: o.cpu ?? s.cpu,
        memoryLimitMiB: o.memoryLimitMiB ?? s.memoryLimitMiB,
        containerPort: o.containerPort ?? s.routedPort,
        desiredCount: o.desiredCount ?? s.desiredCount,
        environment: { ...s.environment, ...o.environment },
        command: s.command,
        networkMode: s.networkMode,
        capacity: s.capacity,
        routes: routes.length ? routes : undefined,
      };
    });
}

/** Production service configs from a compose file, for every CDK language (jsii: a static method rather than a module function). */
export class ComposeServiceConfigs {
  /**
   * Reads compose `text` into production service configs (see {@link composeServiceConfigs}): image, sizes, port,
   * replicas, environment, command and routes, refined per service by `options.overrides`. Throws for a bad file or a
   * service with `build` and no image override.
   */
  public static read(text: string, options: ComposeServiceConfigsOptions): ServiceConfig[] {
    return composeServiceConfigs(text, options);
  }

  private constructor() {}
}
