import { PREFLIGHT_RULES, PreflightRules, runPreflightRules } from '../../lib/preflight/rules';
import { clientAliasProblem, ecsResourceNameProblem, serviceConnectNameProblem } from '../../lib/preflight/rules/ecs-names';
import { NAME_LIMITS } from '../../lib/preflight/rules/name-lengths';
import { placeholderReason } from '../../lib/preflight/rules/placeholders';
import { tagProblem } from '../../lib/preflight/rules/tag-values';
import { IPreflightRule } from '../../lib/preflight/rule';
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
    const broken: IPreflightRule = { id: 'Preflight-Broken', summary: 'throws', check: () => { throw new Error('boom'); } };
    expect(() => runPreflightRules(oneStack({}), [broken])).toThrow(/preflight rule Preflight-Broken failed: boom/);
  });
});

// PreflightRules is the preflight API for every CDK language (jsii has no module functions or constants): each static
// member must give what its TypeScript counterpart gives.
describe('PreflightRules: the rule set and name checks as static members', () => {
  const set = oneStack({
    Fn: { Type: 'AWS::Lambda::Function', Properties: { ReservedConcurrentExecutions: 1 } },
    Tg: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Name: 't'.repeat(33) } },
  });

  test('ALL and NAME_LIMITS hold the same rules and limits as PREFLIGHT_RULES and NAME_LIMITS', () => {
    expect(PreflightRules.ALL.map((r) => r.id)).toEqual(PREFLIGHT_RULES.map((r) => r.id));
    expect(PreflightRules.ALL).toHaveLength(14);
    expect(PreflightRules.NAME_LIMITS).toEqual(NAME_LIMITS);
    expect(PreflightRules.NAME_LIMITS).toContainEqual({ type: 'AWS::S3::Bucket', property: 'BucketName', max: 63 });
  });

  test('run runs every rule by default, or the rules given', () => {
    expect(PreflightRules.run(set)).toEqual(runPreflightRules(set));
    expect(PreflightRules.run(set).map((f) => f.ruleId)).toEqual(['Preflight-LambdaReservedConcurrency', 'Preflight-NameLength']);
    const nameLength = PreflightRules.ALL.filter((r) => r.id === 'Preflight-NameLength');
    expect(PreflightRules.run(set, nameLength).map((f) => f.ruleId)).toEqual(['Preflight-NameLength']);
    expect(PreflightRules.run(oneStack({}))).toEqual([]);
  });

  test('the name checks answer as the functions do: a problem for a bad name, undefined for a good one', () => {
    for (const name of ['api', 'Web', '-x', 'a'.repeat(65), '']) {
      expect(PreflightRules.serviceConnectNameProblem(name)).toBe(serviceConnectNameProblem(name));
      expect(PreflightRules.clientAliasProblem(name)).toBe(clientAliasProblem(name));
      expect(PreflightRules.ecsResourceNameProblem(name)).toBe(ecsResourceNameProblem(name));
    }
    expect(PreflightRules.serviceConnectNameProblem('api')).toBeUndefined();
    expect(PreflightRules.serviceConnectNameProblem('Web')).toBe('may only contain lowercase letters, digits, _ and -');
    expect(PreflightRules.clientAliasProblem('a..b')).toMatch(/not a valid DNS name/);
    expect(PreflightRules.ecsResourceNameProblem('api.v2')).toBe('may only contain letters, digits, _ and -');
    expect(PreflightRules.ecsResourceNameProblem('api-v2')).toBeUndefined();
  });

  test('placeholderReason and tagProblem answer as the functions do', () => {
    for (const id of ['123456789012', 'Z0123456789ABCDEFGHIJ', 'Z2FDTNDATAQYW2']) expect(PreflightRules.placeholderReason(id)).toBe(placeholderReason(id));
    expect(PreflightRules.placeholderReason('123456789012')).toBe('is a documentation example account id');
    expect(PreflightRules.placeholderReason('Z2FDTNDATAQYW2')).toBeUndefined();
    expect(PreflightRules.tagProblem('qa-branch', 'fix#12')).toBe(tagProblem('qa-branch', 'fix#12'));
    expect(PreflightRules.tagProblem('qa-branch', 'fix#12')).toMatch(/contains "#"/);
    expect(PreflightRules.tagProblem('qa-branch', 'fix-12')).toBeUndefined();
  });
});
