import { HEALTH_CHECK_REACHABILITY } from '../../lib/preflight/rules/health-check-reachability';
import { CfnTemplateJson } from '../../lib/preflight/template-set';
import { oneStack } from './support';

/** An internet-facing load balancer with one security group and a Route 53 HTTP health check of its DNS name on port 80. */
function checkedLoadBalancer(ingress: Record<string, unknown>[], options: { scheme?: string; port?: number } = {}): NonNullable<CfnTemplateJson['Resources']> {
  return {
    LbSg: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'lb', SecurityGroupIngress: ingress } },
    Lb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Scheme: options.scheme ?? 'internet-facing', SecurityGroups: [{ 'Fn::GetAtt': ['LbSg', 'GroupId'] }] } },
    Check: {
      Type: 'AWS::Route53::HealthCheck',
      Properties: { HealthCheckConfig: { Type: 'HTTP', Port: options.port ?? 80, ResourcePath: '/', FullyQualifiedDomainName: { 'Fn::GetAtt': ['Lb', 'DNSName'] } } },
    },
  };
}
const tcp = (port: number, source: Record<string, unknown>) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, ...source });

describe('Preflight-HealthCheckReachability', () => {
  test('passes a load balancer open to 0.0.0.0/0 on the checked port', () => {
    expect(HEALTH_CHECK_REACHABILITY.check(oneStack(checkedLoadBalancer([tcp(80, { CidrIp: '0.0.0.0/0' })])))).toEqual([]);
  });

  test('passes a load balancer admitting a prefix list (the Route 53 health checkers\' one) on the checked port', () => {
    expect(HEALTH_CHECK_REACHABILITY.check(oneStack(checkedLoadBalancer([tcp(80, { SourcePrefixListId: 'pl-0123abcd' })])))).toEqual([]);
  });

  test('finds a load balancer admitting only an office CIDR, naming it, the port and the fix', () => {
    const [f, ...rest] = HEALTH_CHECK_REACHABILITY.check(oneStack(checkedLoadBalancer([tcp(80, { CidrIp: '198.18.0.0/24' })])));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ ruleId: 'Preflight-HealthCheckReachability', logicalId: 'Check', location: 'Properties.HealthCheckConfig' });
    expect(f.message).toMatch(/checks Stack Lb on port 80, but its security groups admit only 198\.18\.0\.0\/24 there.*answers with all of them/);
    expect(f.fix).toMatch(/route53-healthchecks prefix list/);
  });

  test('finds a check on a port the load balancer only opens elsewhere', () => {
    expect(HEALTH_CHECK_REACHABILITY.check(oneStack(checkedLoadBalancer([tcp(443, { CidrIp: '0.0.0.0/0' })])))).toHaveLength(1);
  });

  test('finds a check of an internal load balancer', () => {
    const [f] = HEALTH_CHECK_REACHABILITY.check(oneStack(checkedLoadBalancer([tcp(80, { CidrIp: '0.0.0.0/0' })], { scheme: 'internal' })));
    expect(f.message).toMatch(/internal load balancer/);
  });

  test('reads the load balancer inside a dualstack Fn::Join and ignores checks of other targets', () => {
    const resources = checkedLoadBalancer([tcp(80, { CidrIp: '198.18.0.0/24' })]);
    const config = resources.Check.Properties!.HealthCheckConfig;
    resources.Check = { Type: 'AWS::Route53::HealthCheck', Properties: { HealthCheckConfig: { ...config, FullyQualifiedDomainName: { 'Fn::Join': ['', ['dualstack.', { 'Fn::GetAtt': ['Lb', 'DNSName'] }]] } } } };
    expect(HEALTH_CHECK_REACHABILITY.check(oneStack(resources))).toHaveLength(1);
    resources.Check = { Type: 'AWS::Route53::HealthCheck', Properties: { HealthCheckConfig: { ...config, FullyQualifiedDomainName: 'status.example.org' } } };
    expect(HEALTH_CHECK_REACHABILITY.check(oneStack(resources))).toEqual([]);
  });
});
