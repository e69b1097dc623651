import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import * as fc from 'fast-check';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { FleetService } from '../../lib/service/fleet-service';
import { awsvpcTasksPerInstance, eniLimitProblem, FleetNetworkMode, maxNetworkInterfaces } from '../../lib/service/networking';
import { testStack } from '../support/fixtures';

describe('ENI table', () => {
  test('knows the network interfaces of the burstable and Nitro c/m/r sizes (EC2 instance type specifications)', () => {
    expect(maxNetworkInterfaces('t3.nano')).toBe(2);
    expect(maxNetworkInterfaces('t3.small')).toBe(3);
    expect(maxNetworkInterfaces('t3.medium')).toBe(3);
    expect(maxNetworkInterfaces('t3a.xlarge')).toBe(4);
    expect(maxNetworkInterfaces('t4g.2xlarge')).toBe(4);
    expect(maxNetworkInterfaces('t2.small')).toBe(2);
    expect(maxNetworkInterfaces('m5.4xlarge')).toBe(8);
    expect(maxNetworkInterfaces('m5.16xlarge')).toBe(15);
    expect(maxNetworkInterfaces('c6g.medium')).toBe(2);
    expect(maxNetworkInterfaces('r7i.large')).toBe(3);
  });

  test('knows nothing of other families, older generations and metal', () => {
    for (const type of ['m4.large', 'x2idn.large', 'c5.metal', 'p4d.24xlarge', 'nonsense']) expect(maxNetworkInterfaces(type)).toBeUndefined();
  });

  test('an instance runs one awsvpc task fewer than it has interfaces: its primary one is its own', () => {
    expect(awsvpcTasksPerInstance('t3.medium')).toBe(2);
    expect(awsvpcTasksPerInstance('m5.large')).toBe(2);
    expect(awsvpcTasksPerInstance('m4.large')).toBeUndefined();
  });

  test('the limit problem appears exactly when the tasks exceed (ENIs - 1) x instances', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 5 }), (instances, counts) => {
      const services = counts.map((tasks, i) => ({ path: `S${i}`, tasks }));
      const problem = eniLimitProblem('t3.medium', instances, services);
      const total = counts.reduce((a, b) => a + b, 0);
      expect(problem !== undefined).toBe(total > 2 * instances);
    }));
  });

  test('the problem names every service and the arithmetic', () => {
    expect(eniLimitProblem('t3.medium', 2, [{ path: 'A', tasks: 3 }, { path: 'B', tasks: 2 }])).toMatch(/up to 5 tasks \(A 3, B 2\).*2 t3\.medium instances hold at most 4.*2 per instance: 3 network interfaces/);
  });
});

describe('awsvpc FleetService', () => {
  function awsvpcStack(overrides: Record<string, unknown> = {}) {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { instanceType: new ec2.InstanceType('t3.medium'), maxCapacity: 4 });
    const service = new FleetService(stack, 'Api', { cluster, image: 'nginx:1.27', containerPort: 80, networkMode: FleetNetworkMode.AWS_VPC, ...overrides });
    return { stack, cluster, service };
  }

  test('runs its tasks in awsvpc mode with the container port as host port, in private subnets, behind its own security group', () => {
    const { stack, service, cluster } = awsvpcStack();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      NetworkMode: 'awsvpc',
      ContainerDefinitions: [Match.objectLike({ PortMappings: [{ ContainerPort: 80, Protocol: 'tcp' }] })],
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED', SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiSecurityGroup'), 'GroupId'] }], Subnets: Match.arrayWith([{ Ref: Match.stringLikeRegexp('PrivateSubnet1') }]) } },
    });
    expect(service.networkMode).toBe(FleetNetworkMode.AWS_VPC);
    expect(service.securityGroup).toBeDefined();
    expect(service.connections).not.toBe(cluster.connections);
  });

  test('a bridge service has no security group of its own and keeps dynamic host ports', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster');
    const service = new FleetService(stack, 'Api', { cluster, image: 'nginx:1.27', containerPort: 80 });
    expect(service.networkMode).toBe(FleetNetworkMode.BRIDGE);
    expect(service.securityGroup).toBeUndefined();
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::Service', { NetworkConfiguration: Match.absent() });
  });

  test('a route registers the tasks by IP and admits the load balancer on the container port only', () => {
    const { stack, cluster, service } = awsvpcStack();
    new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc }).route(service, { path: '/api/*' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { TargetType: 'ip', Port: 80 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiSecurityGroup'), 'GroupId'] }, FromPort: 80, ToPort: 80,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LbSecurityGroup'), 'GroupId'] },
    });
    expect(template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { FromPort: 32768 } })).toEqual({});
  });

  test('refuses a VPC without private subnets: awsvpc tasks on EC2 get no public address', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0 });
    expect(() => new FleetService(stack, 'Api', { cluster, image: 'nginx:1.27', networkMode: FleetNetworkMode.AWS_VPC }))
      .toThrow(/Test\/Api: awsvpc tasks on EC2 get no public IP.*Fix: give the cluster NAT gateways/);
  });

  test('warns when the awsvpc tasks outgrow the instances\' network interfaces without trunking', () => {
    // t3.medium: 2 awsvpc tasks per instance, 4 instances: 8. 5 tasks at 200 % during a deployment: 10.
    const { stack } = awsvpcStack({ desiredCount: 5 });
    Annotations.fromStack(stack).hasWarning('/Test/Api', Match.stringLikeRegexp('up to 10 tasks.*hold at most 8 without ENI trunking.*awsvpcTrunking'));
  });

  test('does not warn while the tasks fit', () => {
    const { stack } = awsvpcStack({ desiredCount: 4 });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('ENI trunking'))).toHaveLength(0);
  });

  test('counts every awsvpc service of the cluster together', () => {
    const { stack, cluster } = awsvpcStack({ desiredCount: 2 });
    new FleetService(stack, 'Worker', { cluster, image: 'nginx:1.27', desiredCount: 3, networkMode: FleetNetworkMode.AWS_VPC });
    // 4 + 6 tasks during deployments > 8.
    Annotations.fromStack(stack).hasWarning('/Test/Worker', Match.stringLikeRegexp('Test/Api 4, Test/Worker 6'));
  });

  test('Service Connect: the server admits the instances and the other awsvpc services on its published port', () => {
    const { stack, cluster } = awsvpcStack({ containerPortName: 'http' });
    const namespace = new servicediscovery.PrivateDnsNamespace(stack, 'Ns', { name: 'internal', vpc: cluster.vpc });
    new FleetService(stack, 'Server', {
      cluster, image: 'nginx:1.27', containerPort: 8080, containerPortName: 'web', networkMode: FleetNetworkMode.AWS_VPC,
      serviceConnect: { namespace, services: [{ portMappingName: 'web' }] },
    });
    new FleetService(stack, 'Client', { cluster, image: 'nginx:1.27', networkMode: FleetNetworkMode.AWS_VPC, serviceConnect: { namespace } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ServerSecurityGroup'), 'GroupId'] }, FromPort: 8080, ToPort: 8080,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClientSecurityGroup'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ServerSecurityGroup'), 'GroupId'] }, FromPort: 8080, ToPort: 8080,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterInstanceSecurityGroup|^ClusterSecurityGroup'), 'GroupId'] },
    });
    // The client reaches bridge-mode servers on the instances' dynamic host ports.
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 32768, ToPort: 65535, SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClientSecurityGroup'), 'GroupId'] },
    });
  });
});
