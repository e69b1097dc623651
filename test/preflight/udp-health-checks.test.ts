import { UDP_TARGET_GROUP_HEALTH_CHECK } from '../../lib/preflight/rules/udp-health-checks';
import { oneStack } from './support';

const stack = (o: { hostPort?: number; healthCheckPort?: string; protocol?: string; networkMode?: string; mappingProtocol?: string } = {}) => oneStack({
  TaskDef: {
    Type: 'AWS::ECS::TaskDefinition',
    Properties: {
      ...(o.networkMode ? { NetworkMode: o.networkMode } : {}),
      ContainerDefinitions: [{ Name: 'dns', PortMappings: [{ ContainerPort: 5353, Protocol: o.mappingProtocol ?? 'udp', ...(o.hostPort !== undefined ? { HostPort: o.hostPort } : {}) }] }],
    },
  },
  Tg: {
    Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
    Properties: { Protocol: o.protocol ?? 'UDP', Port: 5353, TargetType: 'instance', ...(o.healthCheckPort ? { HealthCheckPort: o.healthCheckPort } : {}) },
  },
  Service: {
    Type: 'AWS::ECS::Service',
    Properties: { TaskDefinition: { Ref: 'TaskDef' }, LoadBalancers: [{ TargetGroupArn: { Ref: 'Tg' }, ContainerName: 'dns', ContainerPort: 5353 }] },
  },
});

describe('Preflight-UdpTargetGroupHealthCheck', () => {
  test('finds a UDP target group on a dynamic host port, checked on the traffic port, naming the rollback and the fix', () => {
    const [f, ...rest] = UDP_TARGET_GROUP_HEALTH_CHECK.check(stack());
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ ruleId: 'Preflight-UdpTargetGroupHealthCheck', logicalId: 'Service', location: 'Properties.LoadBalancers.0' });
    expect(f.message).toMatch(/UDP target group Tg receives container dns port 5353\/udp on a dynamic host port and checks health \(TCP\) on that port.*rolls the stack back/);
    expect(f.fix).toMatch(/Do not publish the UDP port/);
  });

  test('HostPort 0 is dynamic too; bridge mode given explicitly is the same', () => {
    expect(UDP_TARGET_GROUP_HEALTH_CHECK.check(stack({ hostPort: 0, networkMode: 'bridge' }))).toHaveLength(1);
  });

  test('passes a TCP target group, a fixed host port, a health check on a fixed port, and awsvpc tasks', () => {
    expect(UDP_TARGET_GROUP_HEALTH_CHECK.check(stack({ protocol: 'TCP', mappingProtocol: 'tcp' }))).toEqual([]);
    expect(UDP_TARGET_GROUP_HEALTH_CHECK.check(stack({ hostPort: 5353 }))).toEqual([]);
    expect(UDP_TARGET_GROUP_HEALTH_CHECK.check(stack({ healthCheckPort: '8080' }))).toEqual([]);
    expect(UDP_TARGET_GROUP_HEALTH_CHECK.check(stack({ networkMode: 'awsvpc' }))).toEqual([]);
  });
});
