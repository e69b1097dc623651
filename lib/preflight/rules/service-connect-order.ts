import { acknowledgeHint, describeResource, finding, PreflightFinding, IPreflightRule } from '../rule';
import { asArray, jsonOf, ResourceRef, TemplateSet } from '../template-set';
import { keyOf } from './security-groups';

const ID = 'Preflight-ServiceConnectOrder';

/** Whether `text` uses `host` as a host name: `http://host:80`, `host:5432`, `//host/`, or the whole value. */
export function mentionsHost(text: string, host: string): boolean {
  const escaped = host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9._-])${escaped}(:\\d+|/|$)`).test(text);
}

/**
 * Service Connect callers created in parallel with the service they call: "Existing tasks can't resolve and connect
 * to the new endpoint. Only new tasks … that start running after this deployment can", so a caller created at the
 * same time as its server cannot reach it on the first deployment until its tasks are replaced. The caller needs a
 * `DependsOn` on every server it calls. A caller is recognised by a server's client alias used as a host name in its
 * containers' environment, command or entry point.
 */
export const SERVICE_CONNECT_ORDER: IPreflightRule = {
  id: ID,
  summary: 'Service Connect callers created in parallel with the server they call (no DependsOn), which cannot resolve it on the first deployment',
  check(templates: TemplateSet): PreflightFinding[] {
    const services = templates.resourcesOfType('AWS::ECS::Service').filter((s) => s.resource.Properties?.ServiceConnectConfiguration);
    const namespaceOf = (s: ResourceRef) => {
      const expr = s.resource.Properties?.ServiceConnectConfiguration?.Namespace;
      const ref = templates.resolveResource(s.template, expr);
      return ref ? keyOf(ref) : templates.literal(s.template, expr);
    };
    const servers: Array<{ ref: ResourceRef; namespace: unknown; alias: string }> = [];
    for (const ref of services) {
      for (const service of asArray(ref.resource.Properties?.ServiceConnectConfiguration?.Services)) {
        for (const alias of asArray(service?.ClientAliases)) {
          const name = templates.literal(ref.template, alias?.DnsName);
          if (typeof name === 'string') servers.push({ ref, namespace: namespaceOf(ref), alias: name });
        }
      }
    }
    const findings: PreflightFinding[] = [];
    for (const caller of services) {
      const namespace = namespaceOf(caller);
      if (namespace === undefined) continue;
      const strings = containerStrings(templates, caller);
      const reported = new Set<string>();
      for (const server of servers) {
        if (server.ref === caller || server.namespace !== namespace || reported.has(keyOf(server.ref))) continue;
        const use = strings.find((s) => mentionsHost(s.text, server.alias));
        // Across templates (nested stacks) the order is set by the stacks' own dependencies: not judged here.
        if (!use || server.ref.template !== caller.template || dependsOn(caller, server.ref.logicalId)) continue;
        reported.add(keyOf(server.ref));
        findings.push(finding(ID, caller, 'DependsOn',
          `calls ${server.alias} (${use.where}: "${use.text}") served by ${describeResource(server.ref)}, but does not depend on it: CloudFormation ` +
          'creates both in parallel, and Service Connect only lets tasks that start after an endpoint exists resolve it, so on the first ' +
          `deployment this service cannot reach ${server.alias} until its tasks are replaced`,
          `Create the server first: caller.node.addDependency(server) (compose: depends_on). ${acknowledgeHint(ID)}`));
      }
    }
    return findings;
  },
};

/** The literal environment values, commands and entry points of a service's containers, with where each is. */
function containerStrings(templates: TemplateSet, service: ResourceRef): Array<{ text: string; where: string }> {
  const taskDefinition = templates.resolveResource(service.template, service.resource.Properties?.TaskDefinition);
  if (!taskDefinition || taskDefinition.resource.Type !== 'AWS::ECS::TaskDefinition') return [];
  const out: Array<{ text: string; where: string }> = [];
  const add = (expr: unknown, where: string) => {
    const text = templates.literal(taskDefinition.template, expr);
    if (typeof text === 'string') out.push({ text, where });
  };
  for (const container of asArray(taskDefinition.resource.Properties?.ContainerDefinitions)) {
    for (const variable of asArray(container?.Environment)) add(variable?.Value, `environment ${variable?.Name}`);
    for (const part of [...asArray(container?.Command), ...asArray(container?.EntryPoint)]) add(part, 'command');
  }
  return out;
}

/** Whether a resource depends on `logicalId` in its template, directly or through other resources. */
function dependsOn(ref: ResourceRef, logicalId: string): boolean {
  const resources = jsonOf(ref.template).Resources ?? {};
  const seen = new Set<string>();
  const queue = [ref.logicalId];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const dep of ([] as unknown[]).concat(resources[id]?.DependsOn ?? [])) {
      if (typeof dep !== 'string' || seen.has(dep)) continue;
      if (dep === logicalId) return true;
      seen.add(dep);
      queue.push(dep);
    }
  }
  return false;
}
