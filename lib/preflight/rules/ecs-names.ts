import { acknowledgeHint, describeResource, finding, PreflightFinding, IPreflightRule } from '../rule';
import { asArray, ResourceRef, TemplateSet } from '../template-set';

const ID = 'Preflight-EcsNames';

/**
 * Why ECS rejects a Service Connect port name or discovery name ("up to 64 characters … lowercase letters, numbers,
 * underscores (_), and hyphens (-). The name can't start with a hyphen"), or undefined when it accepts it.
 *
 * TypeScript only; from other languages use `PreflightRules.serviceConnectNameProblem`.
 *
 * @jsii ignore
 */
export function serviceConnectNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 64) return `has ${name.length} characters (at most 64)`;
  if (!/^[a-z0-9_-]+$/.test(name)) return 'may only contain lowercase letters, digits, _ and -';
  if (name.startsWith('-')) return 'must not start with -';
  return undefined;
}

/**
 * Why ECS rejects a Service Connect client alias DNS name ("up to 127 characters … lowercase letters, numbers,
 * underscores (_), hyphens (-), and periods (.). The name can't start with a hyphen"), or undefined.
 *
 * TypeScript only; from other languages use `PreflightRules.clientAliasProblem`.
 *
 * @jsii ignore
 */
export function clientAliasProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 127) return `has ${name.length} characters (at most 127)`;
  if (!/^[a-z0-9_.-]+$/.test(name)) return 'may only contain lowercase letters, digits, _, - and .';
  if (name.startsWith('-')) return 'must not start with -';
  if (name.split('.').some((label) => label.length === 0 || label.length > 63)) return 'is not a valid DNS name (empty label or a label over 63 characters)';
  return undefined;
}

/**
 * Why ECS rejects a cluster, service, task family, container or capacity provider name ("Up to 255 letters
 * (uppercase and lowercase), numbers, underscores, and hyphens are allowed"), or undefined.
 *
 * TypeScript only; from other languages use `PreflightRules.ecsResourceNameProblem`.
 *
 * @jsii ignore
 */
export function ecsResourceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 255) return `has ${name.length} characters (at most 255)`;
  if (!/^[a-zA-Z0-9_-]+$/.test(name)) return 'may only contain letters, digits, _ and -';
  return undefined;
}

/** ECS and Service Connect names that the ECS API rejects at deploy time. */
export const ECS_NAMES: IPreflightRule = {
  id: ID,
  summary: 'ECS cluster, service, task family, container and Service Connect names that the ECS API rejects',
  check(templates: TemplateSet): PreflightFinding[] {
    const findings: PreflightFinding[] = [];
    const check = (ref: ResourceRef, location: string, value: unknown, what: string, problemOf: (n: string) => string | undefined, fix: string) => {
      const name = templates.literal(ref.template, value);
      if (typeof name !== 'string') return;
      const problem = problemOf(name);
      if (problem) findings.push(finding(ID, ref, location, `${what} "${name}" ${problem}`, `${fix} ${acknowledgeHint(ID)}`));
    };
    const ecsFix = 'Use only letters, digits, _ and -, at most 255 characters.';
    const scFix = 'Use lowercase letters, digits, _ and - (not starting with -), at most 64 characters; keep the original spelling as a client alias if clients use it.';

    for (const ref of templates.resourcesOfType('AWS::ECS::Cluster')) {
      check(ref, 'Properties.ClusterName', ref.resource.Properties?.ClusterName, 'cluster name', ecsResourceNameProblem, ecsFix);
    }
    for (const ref of templates.resourcesOfType('AWS::ECS::CapacityProvider')) {
      check(ref, 'Properties.Name', ref.resource.Properties?.Name, 'capacity provider name',
        (n) => ecsResourceNameProblem(n) ?? (/^(aws|ecs|fargate)/i.test(n) ? 'must not start with aws, ecs or fargate' : undefined), ecsFix);
    }
    for (const ref of templates.resourcesOfType('AWS::ECS::TaskDefinition')) {
      const props = ref.resource.Properties ?? {};
      check(ref, 'Properties.Family', props.Family, 'task definition family', ecsResourceNameProblem, ecsFix);
      asArray(props.ContainerDefinitions).forEach((container, i) => {
        check(ref, `Properties.ContainerDefinitions.${i}.Name`, container?.Name, 'container name', ecsResourceNameProblem, ecsFix);
        asArray(container?.PortMappings).forEach((mapping, j) => {
          if (mapping?.Name === undefined) return;
          check(ref, `Properties.ContainerDefinitions.${i}.PortMappings.${j}.Name`, mapping.Name, 'port mapping name', serviceConnectNameProblem, scFix);
        });
      });
    }
    for (const ref of templates.resourcesOfType('AWS::ECS::Service')) {
      const props = ref.resource.Properties ?? {};
      check(ref, 'Properties.ServiceName', props.ServiceName, 'service name', ecsResourceNameProblem, ecsFix);
      const portNames = portMappingNames(templates, ref);
      asArray(props.ServiceConnectConfiguration?.Services).forEach((service, i) => {
        const at = `Properties.ServiceConnectConfiguration.Services.${i}`;
        check(ref, `${at}.PortName`, service?.PortName, 'Service Connect port name', serviceConnectNameProblem, scFix);
        check(ref, `${at}.DiscoveryName`, service?.DiscoveryName, 'Service Connect discovery name', serviceConnectNameProblem, scFix);
        asArray(service?.ClientAliases).forEach((alias, j) => {
          check(ref, `${at}.ClientAliases.${j}.DnsName`, alias?.DnsName, 'Service Connect client alias', clientAliasProblem,
            'Use lowercase letters, digits, _, - and . (not starting with -), at most 127 characters.');
        });
        const portName = templates.literal(ref.template, service?.PortName);
        if (typeof portName === 'string' && portNames && !portNames.includes(portName)) {
          findings.push(finding(ID, ref, `${at}.PortName`,
            `Service Connect port name "${portName}" matches no port mapping of the service's task definition (${portNames.map((n) => `"${n}"`).join(', ') || 'none named'})`,
            `Name the container's port mapping "${portName}" or use one of the existing names. ${acknowledgeHint(ID)}`));
        }
      });
    }
    findings.push(...namespaceCollisions(templates));
    return findings;
  },
};

/**
 * Discovery names and client aliases (name and port) used twice in one Service Connect namespace: "This must be
 * unique within the Cloud Map namespace", "Each name and port mapping must be unique within the namespace".
 */
function namespaceCollisions(templates: TemplateSet): PreflightFinding[] {
  const uses = new Map<string, Array<{ ref: ResourceRef; location: string; what: string }>>();
  const use = (key: string, ref: ResourceRef, location: string, what: string) => uses.set(key, [...(uses.get(key) ?? []), { ref, location, what }]);
  for (const ref of templates.resourcesOfType('AWS::ECS::Service')) {
    const config = ref.resource.Properties?.ServiceConnectConfiguration;
    const namespaceRef = templates.resolveResource(ref.template, config?.Namespace);
    const namespace = namespaceRef ? `${namespaceRef.template.templateFile}#${namespaceRef.logicalId}` : templates.literal(ref.template, config?.Namespace);
    if (namespace === undefined) continue;
    asArray(config?.Services).forEach((service, i) => {
      const at = `Properties.ServiceConnectConfiguration.Services.${i}`;
      const discovery = templates.literal(ref.template, service?.DiscoveryName ?? service?.PortName);
      if (typeof discovery === 'string') use(`${namespace}\u0000discovery\u0000${discovery}`, ref, at, `discovery name "${discovery}"`);
      asArray(service?.ClientAliases).forEach((alias, j) => {
        const dnsName = templates.literal(ref.template, alias?.DnsName);
        const port = templates.literal(ref.template, alias?.Port);
        if (typeof dnsName === 'string' && port !== undefined) {
          use(`${namespace}\u0000alias\u0000${dnsName}:${port}`, ref, `${at}.ClientAliases.${j}`, `client alias ${dnsName}:${port}`);
        }
      });
    });
  }
  const findings: PreflightFinding[] = [];
  for (const list of uses.values()) {
    if (list.length < 2) continue;
    for (const { ref, location, what } of list) {
      const others = list.filter((u) => u.ref !== ref || u.location !== location).map((u) => describeResource(u.ref)).join('; ');
      findings.push(finding(ID, ref, location, `${what} is also used in the same Service Connect namespace by ${others}; ECS requires it to be unique there`,
        `Give each service its own discovery name and client alias (or port). ${acknowledgeHint(ID)}`));
    }
  }
  return findings;
}

/** The port mapping names of a service's task definition, or undefined when the task definition is not in the app. */
function portMappingNames(templates: TemplateSet, service: ResourceRef): string[] | undefined {
  const taskDefinition = templates.resolveResource(service.template, service.resource.Properties?.TaskDefinition);
  if (!taskDefinition || taskDefinition.resource.Type !== 'AWS::ECS::TaskDefinition') return undefined;
  const names: string[] = [];
  for (const container of asArray(taskDefinition.resource.Properties?.ContainerDefinitions)) {
    for (const mapping of asArray(container?.PortMappings)) {
      const name = templates.literal(taskDefinition.template, mapping?.Name);
      if (mapping?.Name === undefined) continue;
      if (typeof name !== 'string') return undefined; // a deploy-time name: cannot judge
      names.push(name);
    }
  }
  return names;
}
