import { ALB_QUOTAS_RULE, conditionValues } from '../../lib/preflight/rules/alb-quotas';
import { CfnTemplateJson, TemplateSet } from '../../lib/preflight/template-set';
import { nestedTemplate, oneStack, stackTemplate } from './support';

type Resources = NonNullable<CfnTemplateJson['Resources']>;

/** A load balancer with one listener and `n` path rules, each forwarding to its own target group. */
function loadBalancer(n: number, rule: (i: number) => Record<string, unknown> = () => ({})): Resources {
  const resources: Resources = {
    Lb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Scheme: 'internet-facing' } },
    Listener: { Type: 'AWS::ElasticLoadBalancingV2::Listener', Properties: { LoadBalancerArn: { Ref: 'Lb' }, Port: 80, DefaultActions: [{ Type: 'fixed-response' }] } },
  };
  for (let i = 0; i < n; i++) {
    resources[`Tg${i}`] = { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup' };
    resources[`Rule${i}`] = {
      Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
      Properties: {
        ListenerArn: { Ref: 'Listener' }, Priority: i + 1,
        Actions: [{ Type: 'forward', TargetGroupArn: { Ref: `Tg${i}` } }],
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/s${i}/*`] } }],
        ...rule(i),
      },
    };
  }
  return resources;
}

describe('Preflight-AlbQuotas', () => {
  test('passes 100 rules and 100 target groups on one load balancer', () => {
    expect(ALB_QUOTAS_RULE.check(oneStack(loadBalancer(100)))).toEqual([]);
  });

  test('finds 101 rules and 101 target groups on one load balancer, naming the quotas', () => {
    const findings = ALB_QUOTAS_RULE.check(oneStack(loadBalancer(101)));
    expect(findings.map((f) => `${f.logicalId}: ${f.message}`)).toEqual([
      expect.stringMatching(/^Lb: .*101 listener rules \(excluding default rules\) on this load balancer; the quota is 100/),
      expect.stringMatching(/^Lb: .*101 target groups on this load balancer; the quota is 100/),
    ]);
    expect(findings[1].fix).toMatch(/cannot be raised/);
  });

  test('counts rules of nested stacks against the load balancer of the parent', () => {
    const { Lb, Listener, ...rules } = loadBalancer(101);
    const parent = stackTemplate('Parent', { Lb, Listener, Nested: { Type: 'AWS::CloudFormation::Stack', Properties: { Parameters: { ListenerRef: { Ref: 'Listener' } } } } });
    const child = nestedTemplate(parent, 'Nested', {
      Resources: Object.fromEntries(Object.entries(rules).map(([id, r]) => [id, r.Type.endsWith('ListenerRule')
        ? { ...r, Properties: { ...r.Properties, ListenerArn: { Ref: 'ListenerRef' } } } : r])),
    });
    expect(ALB_QUOTAS_RULE.check(new TemplateSet([parent, child])).map((f) => f.logicalId)).toEqual(['Lb', 'Lb']);
  });

  test('finds a rule with more than 5 condition values', () => {
    const findings = ALB_QUOTAS_RULE.check(oneStack(loadBalancer(1, () => ({
      Conditions: [
        { Field: 'host-header', HostHeaderConfig: { Values: ['a.example.com', 'b.example.com', 'c.example.com'] } },
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/a', '/b', '/c'] } },
      ],
    }))));
    expect(findings.map((f) => `${f.logicalId} ${f.location}: ${f.message}`)).toEqual([expect.stringMatching(/^Rule0 Properties.Conditions: .*6 condition values in one rule; the quota is 5/)]);
  });

  test('finds a rule with more than 5 wildcards', () => {
    const findings = ALB_QUOTAS_RULE.check(oneStack(loadBalancer(1, () => ({
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/a/*/*', '/b/*/*', '/c/*/?'] } }],
    }))));
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/6 wildcards/)]);
  });

  test('finds a forward action to more than 5 target groups', () => {
    const findings = ALB_QUOTAS_RULE.check(oneStack({
      ...loadBalancer(6),
      Weighted: {
        Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
        Properties: { ListenerArn: { Ref: 'Listener' }, Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [0, 1, 2, 3, 4, 5].map((i) => ({ TargetGroupArn: { Ref: `Tg${i}` } })) } }] },
      },
    }));
    expect(findings.map((f) => `${f.logicalId} ${f.location}`)).toEqual(['Weighted Properties.Actions.0.ForwardConfig.TargetGroups']);
  });

  test('finds more than 25 non-default certificates on one load balancer', () => {
    const certs = Array.from({ length: 26 }, (_, i) => ({ CertificateArn: `arn:aws:acm:eu-west-1:210987654321:certificate/c${i}` }));
    const findings = ALB_QUOTAS_RULE.check(oneStack({
      ...loadBalancer(0),
      Https: { Type: 'AWS::ElasticLoadBalancingV2::Listener', Properties: { LoadBalancerArn: { Ref: 'Lb' }, Certificates: [certs[0]] } },
      More: { Type: 'AWS::ElasticLoadBalancingV2::ListenerCertificate', Properties: { ListenerArn: { Ref: 'Https' }, Certificates: certs } },
    }));
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/26 non-default certificates/)]);
  });

  test('ignores network load balancers', () => {
    const resources = loadBalancer(101);
    resources.Lb = { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Type: 'network' } };
    expect(ALB_QUOTAS_RULE.check(oneStack(resources))).toEqual([]);
  });

  test('conditionValues() reads every condition spelling, a query-string pair as one value', () => {
    expect(conditionValues({ Field: 'host-header', Values: ['a'] })).toEqual(['a']);
    expect(conditionValues({ Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'v', Value: '1' }, { Value: '*x' }] } }))
      .toEqual([{ 'Fn::Join': ['=', ['v', '1']] }, '*x']);
  });
});
