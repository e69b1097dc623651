import * as path from 'path';
import { FleetCapacity, isFargate } from '../service/fleet-capacity';
import { FleetNetworkMode } from '../service/network-mode';
import { ServiceContext } from './context';
import { ModelPath } from './load';
import { parsePortShort, PortSpec } from './parse';
import { ImagePlan, PortPlan, PortSource, PublishedPortPlan, RoutePlan } from './plan';
import { dockerfilePorts, wellKnownImage } from './well-known-images';

/**
 * Ports and routing of a compose service: the ports it listens on (declared, else inferred from its Dockerfile or
 * the table of well-known images), the ports it publishes, and its load balancer routes (`DOMAIN`, `x-fleet`).
 * Pure, no CDK.
 */

/** The port a routed service gets when none is declared or known: what most web images listen on. */
export const FALLBACK_ROUTED_PORT = 80;

/** The port the environment's load balancer serves HTTP on: a service published there becomes its default route. */
export const ENTRY_PORT = 80;

/** Container ports web servers listen on: a published one is taken to speak HTTP (unless `app_protocol` says otherwise). */
export const HTTP_CONTAINER_PORTS: ReadonlySet<number> = new Set([80, 3000, 4200, 5000, 5173, 8000, 8008, 8080, 8081, 8888]);

/** The `x-fleet` extension of a service, validated. */
export interface FleetExtension {
  readonly port?: number;
  readonly routes?: RoutePlan[];
  readonly healthCheckPath?: string;
  /** `network`: the FleetService's network mode. */
  readonly network?: FleetNetworkMode;
  /** `capacity`: where the FleetService's tasks run (EC2 instances, Fargate, Fargate Spot). */
  readonly capacity?: FleetCapacity;
}

/**
 * The ports the service listens on: declared ones (`ports`, `expose`, `x-fleet.port`) first, then those its image
 * is known to listen on (Dockerfile EXPOSE, well-known images); and the published ones.
 */
export function portsOf(ctx: ServiceContext, image: ImagePlan, fleet: FleetExtension): { ports: PortPlan[]; portSource: PortSource; published: PublishedPortPlan[] } {
  const { svc, name } = ctx;
  const ports: PortPlan[] = [];
  const published: PublishedPortPlan[] = [];
  const addPort = (spec: PortSpec | PortPlan) => {
    if (!ports.some((p) => p.containerPort === spec.containerPort && p.protocol === spec.protocol)) {
      ports.push({ containerPort: spec.containerPort, protocol: spec.protocol });
    }
  };
  const unpublishedUdp: string[] = [];
  const addPublished = (spec: PortSpec, appProtocol?: string) => {
    if (spec.published === undefined || spec.published === '') return;
    const host = Number(spec.published);
    if (!Number.isInteger(host) || host < 1 || host > 65535) return;
    if (spec.protocol === 'udp') {
      unpublishedUdp.push(`${host}:${spec.containerPort}/udp`);
      return;
    }
    const http = appProtocol !== undefined ? /^https?$/i.test(appProtocol) : HTTP_CONTAINER_PORTS.has(spec.containerPort);
    if (!published.some((p) => p.published === host && p.protocol === spec.protocol)) {
      published.push({ published: host, containerPort: spec.containerPort, protocol: spec.protocol, http: http && spec.protocol === 'tcp' });
    }
  };
  (svc.ports ?? []).forEach((entry: unknown, i: number) => {
    try {
      let specs: PortSpec[];
      let appProtocol: string | undefined;
      if (entry !== null && typeof entry === 'object') {
        const long = entry as Record<string, any>;
        const target = Number(long.target);
        if (!Number.isInteger(target) || target < 1 || target > 65535) throw new Error(`target '${long.target}' is not a port`);
        const protocol = String(long.protocol ?? 'tcp').toLowerCase();
        if (protocol !== 'tcp' && protocol !== 'udp') throw new Error(`protocol '${protocol}' is not tcp or udp`);
        specs = [{ containerPort: target, protocol, published: long.published !== undefined ? String(long.published) : undefined }];
        appProtocol = long.app_protocol;
      } else {
        specs = parsePortShort(entry as string | number);
      }
      specs.forEach((s) => { addPort(s); addPublished(s, appProtocol); });
    } catch (e) {
      ctx.fail(ctx.at('ports', i), `service '${name}': ${(e as Error).message}`, "write ports as 'HOST:CONTAINER[/udp]' or the long syntax");
    }
  });
  (svc.expose ?? []).forEach((entry: unknown, i: number) => {
    try {
      parsePortShort(entry as string | number).forEach(addPort);
    } catch (e) {
      ctx.fail(ctx.at('expose', i), `service '${name}': ${(e as Error).message}`, "write expose entries as 'PORT[/udp]'");
    }
  });
  if (fleet.port !== undefined) addPort({ containerPort: fleet.port, protocol: 'tcp' });
  if (unpublishedUdp.length && ctx.options.publishPorts) {
    // A network load balancer checks a UDP target group's targets over TCP on the traffic port (the task's dynamic host
    // port), where a UDP-only container never answers: ECS counts the target group's health, stops the tasks as
    // unhealthy, starts new ones, and the deployment circuit breaker fails the service, rolling the stack back.
    ctx.warn('ports', `published UDP port(s) ${unpublishedUdp.join(', ')} are not opened: a network load balancer checks UDP targets' health over TCP, `
      + 'which a UDP-only container never answers, so ECS would replace its tasks until the deployment fails and the stack rolls back. '
      + 'Run a UDP service outside this project, or give it a TCP listener on the same port and publish that');
  }
  for (const p of svc.ports ?? []) {
    if (p !== null && typeof p === 'object' && (p.mode === 'host' || p.host_ip !== undefined)) {
      ctx.warn('ports', 'mode and host_ip of the long port syntax are ignored: published ports listen on the environment\'s load balancers');
      break;
    }
  }
  const inferred = inferPorts(ctx, image);
  if (ports.length === 0) return { ports: inferred.ports, portSource: inferred.source, published };
  // On a compose network every port the image listens on is reachable, declared or not.
  inferred.ports.forEach(addPort);
  return { ports, portSource: { kind: 'declared' }, published };
}

/**
 * Ports of a service that declares none, as Docker would see them: the EXPOSE of its Dockerfile (and of the image
 * that Dockerfile starts FROM), else the table of well-known images.
 */
export function inferPorts(ctx: ServiceContext, image: ImagePlan): { ports: PortPlan[]; source: PortSource } {
  if (image.kind === 'build') {
    const dockerfile = path.resolve(image.context, image.dockerfile ?? 'Dockerfile');
    const text = ctx.options.io.readFile(dockerfile);
    if (text !== undefined) {
      const found = dockerfilePorts(text, image.args ?? {}, image.target);
      if (found.ports.length) {
        return { ports: found.ports.map((p) => ({ containerPort: p.port, protocol: p.protocol })), source: { kind: 'dockerfile', dockerfile } };
      }
      const base = found.from !== undefined ? wellKnownImage(found.from) : undefined;
      if (base) return { ports: base.ports.map((p) => ({ containerPort: p, protocol: 'tcp' })), source: { kind: 'well-known', image: base.image } };
    }
  } else if (image.kind === 'registry') {
    const known = wellKnownImage(image.reference);
    if (known) return { ports: known.ports.map((p) => ({ containerPort: p, protocol: 'tcp' })), source: { kind: 'well-known', image: known.image } };
  }
  return { ports: [], source: { kind: 'unknown' } };
}

/**
 * Routes (`x-fleet.routes`, else `DOMAIN=<label>` → host `<label>.<domain>`) and the routed port: `x-fleet.port`,
 * else the first TCP port, else port 80 with a warning.
 */
export function routingOf(ctx: ServiceContext, environment: Record<string, string>, fleet: FleetExtension, ports: PortPlan[], portSource: PortSource,
  published: readonly PublishedPortPlan[] = []): { routes: RoutePlan[]; routedPort?: number; ports: PortPlan[]; domainLabel?: string } {
  const domainLabel = environment.DOMAIN;
  const routes: RoutePlan[] = [];
  // Published on port 80 (`80:8080`), the load balancer's own HTTP port: the service is what http://<entry point>/ serves.
  const onEntryPort = ctx.options.publishPorts ? published.find((p) => p.published === ENTRY_PORT && p.protocol === 'tcp') : undefined;
  if (fleet.routes) {
    routes.push(...fleet.routes.map((r) => ({ ...r, healthCheckPath: r.healthCheckPath ?? fleet.healthCheckPath })));
  } else if (domainLabel !== undefined && domainLabel !== '') {
    if (ctx.options.domain) {
      routes.push({ host: `${domainLabel}.${ctx.options.domain}`.toLowerCase(), healthCheckPath: fleet.healthCheckPath });
    } else {
      ctx.warn('environment', `DOMAIN=${domainLabel} is not routed: the project has no domain (set the 'domain' prop)`);
    }
  }
  if (routes.length === 0 && onEntryPort) {
    return { routes: [{ healthCheckPath: fleet.healthCheckPath }], routedPort: onEntryPort.containerPort, ports, domainLabel };
  }
  const tcp = ports.find((p) => p.protocol === 'tcp')?.containerPort;
  if (routes.length === 0) {
    if (portSource.kind === 'unknown') {
      ctx.warn('ports', `no port is declared, and none is known for its image: other services cannot reach it by name. If it listens, declare the port with 'expose: [<port>]' (or x-fleet.port)`);
    }
    return { routes, ports, domainLabel };
  }
  let routedPort = fleet.port ?? tcp;
  let all = ports;
  if (routedPort === undefined) {
    routedPort = FALLBACK_ROUTED_PORT;
    all = [...ports, { containerPort: routedPort, protocol: 'tcp' }];
    ctx.warn('ports', `routed (${routes.map(describeRoute).join(', ')}) to port ${routedPort}, a guess: no TCP port is declared, and none is known for its image. `
      + "Declare the port the application listens on with 'expose: [<port>]' or x-fleet.port");
  }
  return { routes, routedPort, ports: all, domainLabel };
}

/** Warnings for ports that ECS cannot serve as compose does: UDP between services, and published ports when not published. */
export function portWarningsOf(ctx: ServiceContext, ports: PortPlan[], published: PublishedPortPlan[], routedPort: number | undefined): void {
  if (!ctx.options.publishPorts) {
    const unrouted = published.filter((p) => p.protocol === 'tcp' && p.containerPort !== routedPort);
    if (unrouted.length) {
      ctx.warn('ports', `published port(s) ${unrouted.map((p) => `${p.published}:${p.containerPort}`).join(', ')} are not opened: the project does not publish ports `
        + `(publishPorts: false); other services reach them as ${ctx.name}:<container port> (Service Connect); route the service (DOMAIN or x-fleet.routes) to reach it from outside`);
    }
  }
  const udp = ports.filter((p) => p.protocol === 'udp');
  if (udp.length > 0) {
    ctx.warn('ports', `UDP port(s) ${udp.map((p) => p.containerPort).join(', ')} cannot be reached by service name: Service Connect carries TCP only`);
  }
}

/** The `x-fleet` extension, validated: unknown keys are errors at their position. */
export function fleetExtensionOf(ctx: ServiceContext): FleetExtension {
  const value = ctx.svc['x-fleet'];
  const p: ModelPath = ctx.at('x-fleet');
  if (value === undefined || value === null) return {};
  const bad = (what: string): never => ctx.fail(p, `x-fleet: ${what}`, 'see docs/compose.md, "The x-fleet extension"');
  if (typeof value !== 'object' || Array.isArray(value)) return bad('must be a mapping');
  const v = value as Record<string, any>;
  const unknown = Object.keys(v).filter((k) => !['port', 'routes', 'healthCheckPath', 'network', 'capacity'].includes(k));
  if (unknown.length) bad(`unknown key(s) ${unknown.join(', ')} (allowed: port, routes, healthCheckPath, network, capacity)`);
  const networks: string[] = Object.values(FleetNetworkMode);
  if (v.network !== undefined && !networks.includes(v.network)) bad(`network '${v.network}' is not one of ${networks.join(', ')}`);
  const capacities: string[] = Object.values(FleetCapacity);
  if (v.capacity !== undefined && !capacities.includes(v.capacity)) {
    ctx.fail(ctx.at('x-fleet', 'capacity'), `x-fleet: capacity '${v.capacity}' is not one of ${capacities.join(', ')}`, 'see docs/compose.md, "The x-fleet extension"');
  }
  if (isFargate(v.capacity) && v.network === FleetNetworkMode.BRIDGE) {
    ctx.fail(ctx.at('x-fleet', 'network'), `x-fleet: network bridge cannot run on capacity ${v.capacity}: Fargate runs every task in awsvpc mode`,
      'leave network out (awsvpc on Fargate), or leave capacity out to run the service on the cluster\'s instances');
  }
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
  return { port: v.port, routes, healthCheckPath: v.healthCheckPath, network: v.network, capacity: v.capacity };
}

function describeRoute(r: RoutePlan): string {
  return [r.host && `host ${r.host}`, r.path && `path ${r.path}`].filter(Boolean).join(' ');
}
