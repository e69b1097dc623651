/**
 * Pure checks and conversions behind FleetService's container options: `/etc/hosts` entries and the ECS
 * Service Connect name rules. No CDK imports, so they are tested directly and shared with the compose translation.
 */

/**
 * Entries of a container's `/etc/hosts`: host name → one address or several.
 *
 * TypeScript only (jsii has no type aliases): other languages pass the same map.
 *
 * @jsii ignore
 */
export type ExtraHosts = Record<string, string | string[]>;

/** One `/etc/hosts` entry per address, in the order given. */
export function extraHostEntries(hosts: ExtraHosts): Array<{ hostname: string; ipAddress: string }> {
  return Object.entries(hosts).flatMap(([hostname, ips]) => (Array.isArray(ips) ? ips : [ips]).map((ipAddress) => ({ hostname, ipAddress })));
}

/** ECS `portName` / `discoveryName` rule (API ServiceConnectService, PortMapping.name). */
const PORT_NAME = /^[a-z0-9_][a-z0-9_-]*$/;
/** ECS client alias `dnsName` rule (API ServiceConnectClientAlias): lowercase letters, digits, `_`, `-`, `.`; not starting with `-`. */
const DNS_NAME = /^[a-z0-9_.][a-z0-9_.-]*$/;

/** Why `name` is not a valid ECS port mapping or discovery name, or undefined when it is. */
export function portNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 64) return `is ${name.length} characters long (ECS allows 64)`;
  if (!PORT_NAME.test(name)) return 'holds characters ECS rejects (allowed: lowercase letters, digits, _ and -, not starting with -)';
  return undefined;
}

/** Why `name` is not a valid Service Connect client alias, or undefined when it is. */
export function dnsNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 127) return `is ${name.length} characters long (ECS allows 127)`;
  if (!DNS_NAME.test(name)) return 'holds characters ECS rejects (allowed: lowercase letters, digits, _, - and ., not starting with -)';
  return undefined;
}

/** A Service Connect service as far as the name rules are concerned. */
export interface ServiceConnectNames {
  readonly portMappingName: string;
  readonly discoveryName?: string;
  readonly dnsName?: string;
  readonly port?: number;
}

/** Problems with Service Connect services of one ECS service: names ECS rejects, unknown port names, duplicates. */
export function serviceConnectProblems(services: readonly ServiceConnectNames[], portNames: ReadonlySet<string>): Array<{ problem: string; fix: string }> {
  const out: Array<{ problem: string; fix: string }> = [];
  const discovery = new Set<string>();
  services.forEach((s, i) => {
    if (!portNames.has(s.portMappingName)) {
      out.push({ problem: `services[${i}] publishes port '${s.portMappingName}', which no port mapping is named`, fix: 'name the port with containerPortName or in additionalPorts' });
    }
    const discoveryName = s.discoveryName ?? s.portMappingName;
    const problem = portNameProblem(discoveryName);
    if (problem) out.push({ problem: `services[${i}]: discovery name '${discoveryName}' ${problem}`, fix: 'use lowercase letters, digits, _ and -, not starting with -' });
    if (discovery.has(discoveryName)) out.push({ problem: `services[${i}]: discovery name '${discoveryName}' is used twice`, fix: 'give each published port its own discovery name' });
    discovery.add(discoveryName);
    if (s.dnsName !== undefined) {
      const dns = dnsNameProblem(s.dnsName);
      if (dns) out.push({ problem: `services[${i}]: client alias '${s.dnsName}' ${dns}`, fix: 'use lowercase letters, digits, _, - and ., not starting with -' });
    }
  });
  return out;
}
