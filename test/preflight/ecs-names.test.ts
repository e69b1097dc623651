import { clientAliasProblem, ECS_NAMES, ecsResourceNameProblem, serviceConnectNameProblem } from '../../lib/preflight/rules/ecs-names';
import { oneStack } from './support';

describe('ECS name rules', () => {
  test.each(['web', 'api-v2', 'a_b', '_x', 'p80', 'a'.repeat(64)])('accepts the Service Connect name %s', (name) => {
    expect(serviceConnectNameProblem(name)).toBeUndefined();
  });

  test.each([
    ['Web-80', /lowercase/],
    ['api.v2-8080', /lowercase/],
    ['-web', /start with -/],
    ['a'.repeat(65), /65 characters \(at most 64\)/],
    ['', /empty/],
  ])('rejects the Service Connect name %s', (name, problem) => {
    expect(serviceConnectNameProblem(name)).toMatch(problem);
  });

  test('accepts dotted client aliases and rejects uppercase, a leading hyphen and over 127 characters', () => {
    expect(clientAliasProblem('api.v2')).toBeUndefined();
    expect(clientAliasProblem('Web')).toMatch(/lowercase/);
    expect(clientAliasProblem('-web')).toMatch(/start with -/);
    expect(clientAliasProblem('a.'.repeat(64) + 'a')).toMatch(/at most 127/);
    expect(clientAliasProblem('a..b')).toMatch(/valid DNS name/);
  });

  test('accepts mixed-case ECS resource names and rejects dots and over 255 characters', () => {
    expect(ecsResourceNameProblem('Qa-feature_X')).toBeUndefined();
    expect(ecsResourceNameProblem('feature/x')).toMatch(/letters, digits, _ and -/);
    expect(ecsResourceNameProblem('a'.repeat(256))).toMatch(/at most 255/);
  });
});

describe('Preflight-EcsNames', () => {
  const taskDefinition = (portName: string) => ({
    Type: 'AWS::ECS::TaskDefinition',
    Properties: { ContainerDefinitions: [{ Name: 'web', PortMappings: [{ ContainerPort: 80, Name: portName }] }] },
  });
  const service = (sc: Record<string, unknown>, props: Record<string, unknown> = {}) => ({
    Type: 'AWS::ECS::Service',
    Properties: { TaskDefinition: { Ref: 'TaskDef' }, ServiceConnectConfiguration: { Enabled: true, Services: [sc] }, ...props },
  });

  test('passes a service whose Service Connect names ECS accepts and whose port name exists', () => {
    const set = oneStack({ TaskDef: taskDefinition('web-80'), Service: service({ PortName: 'web-80', DiscoveryName: 'web-80', ClientAliases: [{ DnsName: 'web', Port: 80 }] }) });
    expect(ECS_NAMES.check(set)).toEqual([]);
  });

  test('finds a compose-style name with uppercase in the port mapping, the port name and the discovery name', () => {
    const set = oneStack({ TaskDef: taskDefinition('Web-80'), Service: service({ PortName: 'Web-80', DiscoveryName: 'Web-80' }) });
    expect(ECS_NAMES.check(set).map((f) => `${f.logicalId} ${f.location}`)).toEqual([
      'TaskDef Properties.ContainerDefinitions.0.PortMappings.0.Name',
      'Service Properties.ServiceConnectConfiguration.Services.0.PortName',
      'Service Properties.ServiceConnectConfiguration.Services.0.DiscoveryName',
    ]);
  });

  test('finds a client alias with a leading hyphen', () => {
    const set = oneStack({ TaskDef: taskDefinition('web'), Service: service({ PortName: 'web', ClientAliases: [{ DnsName: '-web', Port: 80 }] }) });
    expect(ECS_NAMES.check(set).map((f) => f.message)).toEqual([expect.stringMatching(/client alias "-web" must not start with -/)]);
  });

  test('finds a Service Connect port name that no port mapping of the task definition has', () => {
    const set = oneStack({ TaskDef: taskDefinition('p80'), Service: service({ PortName: 'web' }) });
    const [f] = ECS_NAMES.check(set);
    expect(f.message).toMatch(/port name "web" matches no port mapping .*\("p80"\)/);
  });

  test('finds service, cluster, family and container names with characters ECS rejects', () => {
    const set = oneStack({
      Cluster: { Type: 'AWS::ECS::Cluster', Properties: { ClusterName: 'qa.feature' } },
      TaskDef: { Type: 'AWS::ECS::TaskDefinition', Properties: { Family: 'api.v2', ContainerDefinitions: [{ Name: 'api.v2' }] } },
      Service: { Type: 'AWS::ECS::Service', Properties: { ServiceName: 'api v2' } },
    });
    expect(ECS_NAMES.check(set).map((f) => f.location)).toEqual(['Properties.ClusterName', 'Properties.Family', 'Properties.ContainerDefinitions.0.Name', 'Properties.ServiceName']);
  });

  test('does not judge names only known at deploy time', () => {
    const set = oneStack({ Service: { Type: 'AWS::ECS::Service', Properties: { ServiceName: { 'Fn::GetAtt': ['X', 'Name'] } } } });
    expect(ECS_NAMES.check(set)).toEqual([]);
  });

  describe('in one Service Connect namespace', () => {
    const scService = (sc: Record<string, unknown>, namespace: unknown = { 'Fn::GetAtt': ['Namespace', 'Arn'] }) => ({
      Type: 'AWS::ECS::Service', Properties: { ServiceConnectConfiguration: { Enabled: true, Namespace: namespace, Services: [sc] } },
    });
    const namespace = { Type: 'AWS::ServiceDiscovery::HttpNamespace', Properties: { Name: 'qa' } };

    test('finds two services whose discovery names default to the same port name, on both', () => {
      const set = oneStack({ Namespace: namespace, Login: scService({ PortName: 'p80' }), Publish: scService({ PortName: 'p80' }) });
      const findings = ECS_NAMES.check(set);
      expect(findings.map((f) => f.logicalId)).toEqual(['Login', 'Publish']);
      expect(findings[0].message).toMatch(/discovery name "p80" is also used in the same Service Connect namespace by Stack Publish/);
    });

    test('finds the same client alias name and port twice', () => {
      const set = oneStack({
        Namespace: namespace,
        A: scService({ PortName: 'a', ClientAliases: [{ DnsName: 'web', Port: 80 }] }),
        B: scService({ PortName: 'b', ClientAliases: [{ DnsName: 'web', Port: 80 }] }),
      });
      expect(ECS_NAMES.check(set).map((f) => f.location)).toEqual(['Properties.ServiceConnectConfiguration.Services.0.ClientAliases.0', 'Properties.ServiceConnectConfiguration.Services.0.ClientAliases.0']);
    });

    test('passes distinct names, the same alias on another port, and the same names in different namespaces', () => {
      expect(ECS_NAMES.check(oneStack({
        Namespace: namespace,
        A: scService({ PortName: 'a', ClientAliases: [{ DnsName: 'web', Port: 80 }] }),
        B: scService({ PortName: 'b', ClientAliases: [{ DnsName: 'web', Port: 8080 }] }),
        C: scService({ PortName: 'a' }, 'other-namespace'),
      }))).toEqual([]);
    });
  });
});
