import { PREFLIGHT_RULES, runPreflightRules } from '../../lib/preflight/rules';
import { PreflightRule } from '../../lib/preflight/rule';
import { oneStack } from './support';

describe('the preflight rule set', () => {
  test('has unique ids of the form Preflight-<Name>', () => {
    const ids = PREFLIGHT_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^Preflight-[A-Z][A-Za-z]+$/);
  });

  test('runs every rule over the templates and returns their findings together', () => {
    const set = oneStack({
      Fn: { Type: 'AWS::Lambda::Function', Properties: { ReservedConcurrentExecutions: 1 } },
      Tg: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Name: 't'.repeat(33) } },
    });
    expect(runPreflightRules(set).map((f) => f.ruleId)).toEqual(['Preflight-LambdaReservedConcurrency', 'Preflight-NameLength']);
  });

  test('does not fail on templates with intrinsics where lists or objects are expected', () => {
    const set = oneStack({
      Service: { Type: 'AWS::ECS::Service', Properties: { ServiceConnectConfiguration: { 'Fn::If': ['C', {}, {}] }, Cluster: { Ref: 'AWS::NoValue' } } },
      Listener: { Type: 'AWS::ElasticLoadBalancingV2::Listener', Properties: { Certificates: { 'Fn::If': ['C', [], []] }, DefaultActions: { Ref: 'Actions' } } },
      Rule: { Type: 'AWS::ElasticLoadBalancingV2::ListenerRule', Properties: { Conditions: [null, 'x', { 'Fn::If': ['C', {}, {}] }], Actions: [null] } },
      Record: { Type: 'AWS::Route53::RecordSet', Properties: { Name: { 'Fn::Sub': ['${X}.example.com', { X: 'a' }] }, Type: 'A', HostedZoneName: 'example.com' } },
      Role: { Type: 'AWS::IAM::Role', Properties: { Tags: [null, { Key: { Ref: 'K' } }], RoleName: { 'Fn::Select': [5, ['a']] } } },
      User: { Type: 'AWS::IAM::User', Properties: { UserName: { 'Fn::Join': { Ref: 'Parts' } } } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::Select': { Ref: 'Parts' } } } },
      Check: { Type: 'AWS::Route53::HealthCheck', Properties: { HealthCheckConfig: { Type: 'HTTP', FullyQualifiedDomainName: { 'Fn::GetAtt': 'Lb.DNSName' } } } },
      Lb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { SecurityGroups: { Ref: 'Groups' } } },
    });
    expect(() => runPreflightRules(set)).not.toThrow();
  });

  test('names the rule when a rule fails', () => {
    const broken: PreflightRule = { id: 'Preflight-Broken', summary: 'throws', check: () => { throw new Error('boom'); } };
    expect(() => runPreflightRules(oneStack({}), [broken])).toThrow(/preflight rule Preflight-Broken failed: boom/);
  });
});
