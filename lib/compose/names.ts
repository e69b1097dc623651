import { reaches } from './graph';
import { ServiceNames } from './plan';

/**
 * Service Connect names and start order of a compose project. Pure, no CDK.
 *
 * Compose service names allow `[a-zA-Z0-9._-]`; ECS port and discovery names allow lowercase letters, digits,
 * `_` and `-`, not starting with `-` (64 characters), client aliases also `.` (127 characters).
 */

/** Longest discovery name prefix: leaves room for `-<port>` within ECS's 64 characters. */
const MAX_PREFIX = 64 - '-65535'.length;

/** The Service Connect names of a compose service name. */
export function serviceNamesOf(composeName: string): ServiceNames {
  const lower = composeName.toLowerCase();
  return {
    dnsName: lower.replace(/^-+/, '').slice(0, 127) || 'service',
    discoveryPrefix: lower.replace(/[^a-z0-9_-]/g, '-').replace(/^-+/, '').slice(0, MAX_PREFIX) || 'service',
  };
}

/**
 * Names of every service, or the first collision: two compose names that ECS would see as the same
 * (`Web` and `web`, `api.v2` and `api-v2`).
 */
export function projectServiceNames(composeNames: readonly string[]): { names: Record<string, ServiceNames>; collision?: { name: string; other: string; on: string } } {
  const names: Record<string, ServiceNames> = {};
  const byDns = new Map<string, string>();
  const byPrefix = new Map<string, string>();
  for (const name of composeNames) {
    const n = serviceNamesOf(name);
    const dnsOwner = byDns.get(n.dnsName);
    if (dnsOwner !== undefined) return { names, collision: { name, other: dnsOwner, on: `client alias '${n.dnsName}'` } };
    const prefixOwner = byPrefix.get(n.discoveryPrefix);
    if (prefixOwner !== undefined) return { names, collision: { name, other: prefixOwner, on: `discovery names '${n.discoveryPrefix}-<port>'` } };
    byDns.set(n.dnsName, name);
    byPrefix.set(n.discoveryPrefix, name);
    names[name] = n;
  }
  return { names };
}

/** What {@link startOrder} needs of a service. */
export interface OrderInput {
  readonly name: string;
  /** `depends_on`. */
  readonly dependsOn: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  /** Whether it publishes a Service Connect endpoint (has a TCP port). */
  readonly isServer: boolean;
}

/**
 * The services each service must start after, so the endpoints it calls exist first (ECS: only tasks started
 * after an endpoint exists can resolve it). Edges, strongest first: `depends_on`; services whose name appears in
 * its environment values (`http://publish:80`, `db`); for a service that publishes nothing, every service that
 * does. An edge that would close a cycle is left out (`depends_on` cycles are rejected before).
 */
export function startOrder(services: readonly OrderInput[]): Record<string, string[]> {
  const after = new Map<string, Set<string>>(services.map((s) => [s.name, new Set<string>()]));
  const add = (service: string, dependency: string) => {
    if (service === dependency || !after.has(dependency) || after.get(service)!.has(dependency)) return;
    if (reaches(after, dependency, service)) return;
    after.get(service)!.add(dependency);
  };
  for (const s of services) for (const d of s.dependsOn) add(s.name, d);
  for (const s of services) {
    for (const other of services) {
      if (other.name !== s.name && other.isServer && Object.values(s.environment).some((v) => mentions(v, other.name))) add(s.name, other.name);
    }
  }
  for (const s of services) {
    if (s.isServer) continue;
    for (const other of services) if (other.isServer) add(s.name, other.name);
  }
  return Object.fromEntries(services.map((s) => [s.name, [...after.get(s.name)!]]));
}

/** Whether `value` names host `name` as a whole word: `db`, `db:5432`, `http://db/`, `user@db`, but not `dbx` or `my-db`. */
export function mentions(value: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9._-])${escaped}($|[^A-Za-z0-9._-])`, 'i').test(value);
}
