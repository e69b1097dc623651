import { mentionsHost, SERVICE_CONNECT_ORDER } from '../../lib/preflight/rules/service-connect-order';
import { CfnTemplateJson } from '../../lib/preflight/template-set';
import { oneStack } from './support';

type Resources = NonNullable<CfnTemplateJson['Resources']>;

/** A `publish` server and a `login` caller whose environment holds `loginEnv`, in one namespace. */
function composeLike(loginEnv: string, loginDependsOn?: string[]): Resources {
  const taskDef = (env: string) => ({ Type: 'AWS::ECS::TaskDefinition', Properties: { ContainerDefinitions: [{ Name: 'c', Environment: [{ Name: 'PUBLISH_URL', Value: env }] }] } });
  const namespace = { 'Fn::GetAtt': ['Namespace', 'Arn'] };
  return {
    Namespace: { Type: 'AWS::ServiceDiscovery::HttpNamespace', Properties: { Name: 'qa' } },
    PublishTask: taskDef('unused'),
    Publish: {
      Type: 'AWS::ECS::Service',
      Properties: { TaskDefinition: { Ref: 'PublishTask' }, ServiceConnectConfiguration: { Enabled: true, Namespace: namespace, Services: [{ PortName: 'p80', ClientAliases: [{ DnsName: 'publish', Port: 80 }] }] } },
    },
    LoginTask: taskDef(loginEnv),
    Login: {
      Type: 'AWS::ECS::Service',
      DependsOn: loginDependsOn,
      Properties: { TaskDefinition: { Ref: 'LoginTask' }, ServiceConnectConfiguration: { Enabled: true, Namespace: namespace, Services: [{ PortName: 'p80', ClientAliases: [{ DnsName: 'login', Port: 80 }] }] } },
    },
  };
}

describe('Preflight-ServiceConnectOrder', () => {
  test('finds a caller created in parallel with the server it calls, naming the use and the fix', () => {
    const [f, ...rest] = SERVICE_CONNECT_ORDER.check(oneStack(composeLike('http://publish:80')));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ ruleId: 'Preflight-ServiceConnectOrder', logicalId: 'Login', location: 'DependsOn' });
    expect(f.message).toMatch(/calls publish \(environment PUBLISH_URL: "http:\/\/publish:80"\) served by Stack Publish/);
    expect(f.fix).toMatch(/addDependency\(server\).*depends_on/);
  });

  test('passes a caller that depends on the server, directly or through another resource', () => {
    expect(SERVICE_CONNECT_ORDER.check(oneStack(composeLike('http://publish:80', ['Publish'])))).toEqual([]);
    const resources = composeLike('http://publish:80', ['Rule']);
    resources.Rule = { Type: 'AWS::ElasticLoadBalancingV2::ListenerRule', DependsOn: ['Publish'] };
    expect(SERVICE_CONNECT_ORDER.check(oneStack(resources))).toEqual([]);
  });

  test('passes services that do not call each other', () => {
    expect(SERVICE_CONNECT_ORDER.check(oneStack(composeLike('https://api.example.com/publish-things')))).toEqual([]);
  });

  test('mentionsHost() sees URLs, host:port and whole values, not words inside other names', () => {
    expect(mentionsHost('http://publish:80/x', 'publish')).toBe(true);
    expect(mentionsHost('publish:5432', 'publish')).toBe(true);
    expect(mentionsHost('publish', 'publish')).toBe(true);
    expect(mentionsHost('http://publisher:80', 'publish')).toBe(false);
    expect(mentionsHost('publish.example.com', 'publish')).toBe(false);
    expect(mentionsHost('no-publish', 'publish')).toBe(false);
  });
});
