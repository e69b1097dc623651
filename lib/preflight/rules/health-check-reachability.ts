import { acknowledgeHint, finding, PreflightFinding, IPreflightRule } from '../rule';
import { asArray, isObject, ResourceRef, TemplateSet } from '../template-set';
import { covers, ingressBySecurityGroup, keyOf, PortInterval, portsOf } from './security-groups';

const ID = 'Preflight-HealthCheckReachability';

/** Default ports of endpoint health check types. */
const DEFAULT_PORTS: Record<string, number> = { HTTP: 80, HTTP_STR_MATCH: 80, HTTPS: 443, HTTPS_STR_MATCH: 443 };

/**
 * Route 53 health checks of a load balancer that the health checkers cannot reach: they connect from Route 53's
 * published public ranges, so a load balancer that is internal, or whose security groups admit only some CIDRs (an
 * office range) on the checked port, looks unhealthy everywhere, and with every endpoint unhealthy Route 53 answers
 * with all of them: failover is silently off.
 */
export const HEALTH_CHECK_REACHABILITY: IPreflightRule = {
  id: ID,
  summary: 'Route 53 health checks of a load balancer that the health checkers cannot reach (internal, or admitting only some CIDRs)',
  check(templates: TemplateSet): PreflightFinding[] {
    const findings: PreflightFinding[] = [];
    let ingress: ReturnType<typeof ingressBySecurityGroup> | undefined;
    for (const check of templates.resourcesOfType('AWS::Route53::HealthCheck')) {
      const config = check.resource.Properties?.HealthCheckConfig ?? {};
      const type = templates.literal(check.template, config.Type);
      if (typeof type !== 'string' || !['HTTP', 'HTTPS', 'HTTP_STR_MATCH', 'HTTPS_STR_MATCH', 'TCP'].includes(type)) continue;
      const lb = referencedLoadBalancer(templates, check.template, config.FullyQualifiedDomainName);
      if (!lb) continue;
      const port = Number(templates.literal(check.template, config.Port) ?? DEFAULT_PORTS[type]);
      if (!Number.isFinite(port)) continue;
      const fix = (what: string) => `${what} ${acknowledgeHint(ID)}`;
      if (templates.literal(lb.template, lb.resource.Properties?.Scheme) === 'internal') {
        findings.push(finding(ID, check, 'Properties.HealthCheckConfig',
          `checks the internal load balancer ${lb.template.displayName} ${lb.logicalId}, which Route 53 health checkers (on the internet) cannot reach; ` +
          'the check always fails, and with every endpoint unhealthy Route 53 answers with all of them',
          fix('Check an internet-facing endpoint, or base the health check on a CloudWatch alarm.')));
        continue;
      }
      const groups = asArray(lb.resource.Properties?.SecurityGroups).map((g) => templates.resolveResource(lb.template, g));
      if (groups.length === 0 || groups.some((g) => !g || g.resource.Type !== 'AWS::EC2::SecurityGroup')) continue;
      ingress ??= ingressBySecurityGroup(templates);
      const admitted: PortInterval[] = [];
      const others: string[] = [];
      for (const group of groups as ResourceRef[]) {
        for (const { template, rule } of ingress.get(keyOf(group)) ?? []) {
          const ports = portsOf(templates, template, rule);
          if (!ports) continue;
          const cidr = rule.CidrIp !== undefined ? templates.literal(template, rule.CidrIp) : undefined;
          if (rule.SourcePrefixListId !== undefined || (rule.CidrIp !== undefined && (cidr === undefined || cidr === '0.0.0.0/0'))) admitted.push(ports);
          else if (typeof cidr === 'string') others.push(cidr);
        }
      }
      if (covers(admitted, { from: port, to: port })) continue;
      findings.push(finding(ID, check, 'Properties.HealthCheckConfig',
        `checks ${lb.template.displayName} ${lb.logicalId} on port ${port}, but its security groups admit ${others.length ? `only ${[...new Set(others)].join(', ')}` : 'no CIDR'} there; ` +
        'Route 53 health checkers connect from their own public ranges, so the check fails, and with every endpoint unhealthy Route 53 answers with all of them',
        fix(`Admit Route 53 health checkers on port ${port} (the com.amazonaws.<region>.route53-healthchecks prefix list, or the ROUTE53_HEALTHCHECKS ranges), or open the port to 0.0.0.0/0.`)));
    }
    return findings;
  },
};

/** The load balancer whose DNS name an expression uses (`Fn::GetAtt [Lb, DNSName]`, also inside `Fn::Join`). */
function referencedLoadBalancer(templates: TemplateSet, template: ResourceRef['template'], expr: unknown): ResourceRef | undefined {
  const direct = templates.resolveResource(template, expr);
  if (direct) return direct.resource.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer' ? direct : undefined;
  if (isObject(expr) && Array.isArray(expr['Fn::Join']?.[1])) {
    for (const part of expr['Fn::Join'][1]) {
      const lb = referencedLoadBalancer(templates, template, part);
      if (lb) return lb;
    }
  }
  return undefined;
}
