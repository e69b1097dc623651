import { acknowledgeHint, finding, PreflightFinding, IPreflightRule } from '../rule';
import { asArray, ResourceRef, TemplateSet } from '../template-set';
import { covers, ingressBySecurityGroup, IngressRule, keyOf, PortInterval, portsOf } from './security-groups';

const ID = 'Preflight-ServiceConnectReachability';

/**
 * The host ports a Service Connect proxy in bridge mode may listen on: the instance's ephemeral range, which is
 * `/proc/sys/net/ipv4/ip_local_port_range` (32768–60999 on current Linux) or, when that is unavailable, 49153–65535.
 */
export const BRIDGE_EPHEMERAL_PORTS = { from: 32768, to: 65535 } as const;


/**
 * Service Connect between instances in bridge network mode: a client's proxy connects to the server task's
 * instance on the server proxy's ephemeral host port ("In bridge mode, the default value is the ephemeral port of
 * the Service Connect proxy"), so the instances' security groups must admit each other on the ephemeral range
 * (or on `IngressPortOverride`). Otherwise calls work while both tasks share an instance and time out once they
 * spread.
 */
export const SERVICE_CONNECT_REACHABILITY: IPreflightRule = {
  id: ID,
  summary: 'Service Connect servers in bridge mode whose instances do not admit each other on the proxy port',
  check(templates: TemplateSet): PreflightFinding[] {
    const findings: PreflightFinding[] = [];
    let ingress: Map<string, IngressRule[]> | undefined;
    for (const service of templates.resourcesOfType('AWS::ECS::Service')) {
      const config = service.resource.Properties?.ServiceConnectConfiguration;
      const servers = asArray(config?.Services);
      if (servers.length === 0 || String(templates.literal(service.template, config?.Enabled)) !== 'true') continue;
      if (!isBridgeMode(templates, service)) continue;
      const groups = instanceGroups(templates, service);
      if (!groups || groups.every((asg) => Number(templates.literal(asg.template, asg.resource.Properties?.MaxSize)) <= 1)) continue;
      const securityGroups = instanceSecurityGroups(templates, groups);
      if (!securityGroups) continue;
      ingress ??= ingressBySecurityGroup(templates);
      const admitted = admittedFromInstances(templates, securityGroups, ingress);
      servers.forEach((server, i) => {
        const override = templates.literal(service.template, server?.IngressPortOverride);
        const needed: PortInterval = override !== undefined ? { from: Number(override), to: Number(override) } : BRIDGE_EPHEMERAL_PORTS;
        if (covers(admitted, needed)) return;
        const ports = needed.from === needed.to ? `port ${needed.from}` : `ports ${needed.from}-${needed.to}`;
        const groupNames = securityGroups.map((sg) => sg.logicalId).join(', ');
        findings.push(finding(ID, service, `Properties.ServiceConnectConfiguration.Services.${i}`,
          `Service Connect clients on other instances cannot reach this service: in bridge mode they connect to the server's instance on the ` +
          `proxy's ${override !== undefined ? 'ingress port override' : 'ephemeral host port'}, and the instances' security group (${groupNames}) ` +
          `does not admit the instances themselves on tcp ${ports}; calls work while caller and server share an instance and time out once they spread`,
          `Admit the cluster's instances from their own security group on tcp ${ports} ` +
          `(e.g. cluster.connections.allowInternally(ec2.Port.tcpRange(${needed.from}, ${needed.to})))` +
          `${override === undefined ? ', or set ingressPortOverride on the Service Connect service and admit that port' : ''}. ${acknowledgeHint(ID)}`));
      });
    }
    return findings;
  },
};

function isBridgeMode(templates: TemplateSet, service: ResourceRef): boolean {
  const taskDefinition = templates.resolveResource(service.template, service.resource.Properties?.TaskDefinition);
  if (!taskDefinition || taskDefinition.resource.Type !== 'AWS::ECS::TaskDefinition') return false;
  const mode = taskDefinition.resource.Properties?.NetworkMode;
  // ECS on EC2 defaults to bridge when no network mode is given.
  return mode === undefined || templates.literal(taskDefinition.template, mode) === 'bridge';
}

/** The Auto Scaling groups behind a service's capacity providers, or undefined when they are not all in the app. */
function instanceGroups(templates: TemplateSet, service: ResourceRef): ResourceRef[] | undefined {
  let providers = asArray(service.resource.Properties?.CapacityProviderStrategy).map((item) => ({ template: service.template, expr: item?.CapacityProvider }));
  if (providers.length === 0) {
    const cluster = templates.resolveResource(service.template, service.resource.Properties?.Cluster);
    if (!cluster) return undefined;
    providers = templates.resourcesOfType('AWS::ECS::ClusterCapacityProviderAssociations')
      .filter((a) => sameResource(templates.resolveResource(a.template, a.resource.Properties?.Cluster), cluster))
      .flatMap((a) => asArray(a.resource.Properties?.CapacityProviders).map((expr) => ({ template: a.template, expr })));
  }
  if (providers.length === 0) return undefined;
  const groups: ResourceRef[] = [];
  for (const { template, expr } of providers) {
    const provider = templates.resolveResource(template, expr);
    if (!provider || provider.resource.Type !== 'AWS::ECS::CapacityProvider') return undefined;
    const asg = templates.resolveResource(provider.template, provider.resource.Properties?.AutoScalingGroupProvider?.AutoScalingGroupArn);
    if (!asg || asg.resource.Type !== 'AWS::AutoScaling::AutoScalingGroup') return undefined;
    groups.push(asg);
  }
  return groups;
}

/** The security groups the groups' instances get, or undefined when any of them is not in the app. */
function instanceSecurityGroups(templates: TemplateSet, groups: ResourceRef[]): ResourceRef[] | undefined {
  const found = new Map<string, ResourceRef>();
  for (const asg of groups) {
    const props = asg.resource.Properties ?? {};
    const launchTemplateSpec = props.LaunchTemplate ?? props.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
    const exprs: Array<{ template: ResourceRef['template']; expr: unknown }> = [];
    if (launchTemplateSpec) {
      const lt = templates.resolveResource(asg.template, launchTemplateSpec.LaunchTemplateId ?? launchTemplateSpec.LaunchTemplateName);
      if (!lt || lt.resource.Type !== 'AWS::EC2::LaunchTemplate') return undefined;
      const data = lt.resource.Properties?.LaunchTemplateData ?? {};
      for (const expr of [...asArray(data.SecurityGroupIds), ...asArray(data.NetworkInterfaces).flatMap((ni) => asArray(ni?.Groups))]) exprs.push({ template: lt.template, expr });
    } else if (props.LaunchConfigurationName) {
      const lc = templates.resolveResource(asg.template, props.LaunchConfigurationName);
      if (!lc || lc.resource.Type !== 'AWS::AutoScaling::LaunchConfiguration') return undefined;
      for (const expr of asArray(lc.resource.Properties?.SecurityGroups)) exprs.push({ template: lc.template, expr });
    }
    for (const { template, expr } of exprs) {
      const sg = templates.resolveResource(template, expr);
      if (!sg || sg.resource.Type !== 'AWS::EC2::SecurityGroup') return undefined;
      found.set(keyOf(sg), sg);
    }
  }
  return found.size > 0 ? [...found.values()] : undefined;
}

/** The tcp port intervals on which the instances' groups admit traffic coming from the instances themselves. */
function admittedFromInstances(templates: TemplateSet, securityGroups: ResourceRef[], ingress: Map<string, IngressRule[]>): PortInterval[] {
  const own = new Set(securityGroups.map(keyOf));
  const intervals: PortInterval[] = [];
  for (const sg of securityGroups) {
    for (const { template, rule } of ingress.get(keyOf(sg)) ?? []) {
      const source = rule.SourceSecurityGroupId !== undefined
        ? own.has(keyOf(templates.resolveResource(template, rule.SourceSecurityGroupId)))
        : rule.SourcePrefixListId !== undefined || (rule.CidrIp !== undefined && cidrMayHoldInstances(templates.literal(template, rule.CidrIp)));
      const ports = source ? portsOf(templates, template, rule) : undefined;
      if (ports) intervals.push(ports);
    }
  }
  return intervals;
}

/**
 * Whether a CIDR rule may admit the instances: a deploy-time CIDR (typically the VPC's `CidrBlock`), 0.0.0.0/0, or a
 * private range; a public literal (an office range) does not.
 */
function cidrMayHoldInstances(cidr: string | number | boolean | undefined): boolean {
  if (typeof cidr !== 'string') return true;
  const [address, bits] = cidr.split('/');
  const octets = address.split('.').map(Number);
  if (Number(bits) === 0) return true;
  return octets[0] === 10 || (octets[0] === 172 && octets[1] >= 16 && octets[1] <= 31) || (octets[0] === 192 && octets[1] === 168);
}

function sameResource(a: ResourceRef | undefined, b: ResourceRef | undefined): boolean {
  return !!a && !!b && keyOf(a) === keyOf(b);
}
