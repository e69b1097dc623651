import { covers } from '../../lib/preflight/rules/security-groups';
import { SERVICE_CONNECT_REACHABILITY } from '../../lib/preflight/rules/service-connect-reachability';
import { CfnTemplateJson, TemplateSet } from '../../lib/preflight/template-set';
import { nestedTemplate, oneStack, stackTemplate } from './support';

const sgId = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });

/** A cluster on one Auto Scaling group (launch template, one instance security group) and a Service Connect server. */
function cluster(options: { ingress?: Record<string, unknown>[]; maxSize?: string; networkMode?: string; ingressPortOverride?: number } = {}): NonNullable<CfnTemplateJson['Resources']> {
  return {
    Cluster: { Type: 'AWS::ECS::Cluster' },
    Associations: { Type: 'AWS::ECS::ClusterCapacityProviderAssociations', Properties: { Cluster: { Ref: 'Cluster' }, CapacityProviders: [{ Ref: 'Provider' }] } },
    Provider: { Type: 'AWS::ECS::CapacityProvider', Properties: { AutoScalingGroupProvider: { AutoScalingGroupArn: { Ref: 'Asg' } } } },
    Asg: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { MaxSize: options.maxSize ?? '2', MinSize: '1', LaunchTemplate: { LaunchTemplateId: { Ref: 'LaunchTemplate' } } } },
    LaunchTemplate: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { NetworkInterfaces: [{ DeviceIndex: 0, Groups: [sgId('InstanceSg')] }] } } },
    InstanceSg: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'instances', SecurityGroupIngress: options.ingress ?? [] } },
    LbSg: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'lb' } },
    FromLb: { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { GroupId: sgId('InstanceSg'), SourceSecurityGroupId: sgId('LbSg'), IpProtocol: 'tcp', FromPort: 32768, ToPort: 65535 } },
    TaskDef: { Type: 'AWS::ECS::TaskDefinition', Properties: { NetworkMode: options.networkMode ?? 'bridge', ContainerDefinitions: [{ Name: 'web', PortMappings: [{ ContainerPort: 80, Name: 'web' }] }] } },
    Service: {
      Type: 'AWS::ECS::Service',
      Properties: {
        Cluster: { Ref: 'Cluster' }, TaskDefinition: { Ref: 'TaskDef' },
        ServiceConnectConfiguration: { Enabled: true, Services: [{ PortName: 'web', ClientAliases: [{ DnsName: 'web', Port: 80 }], IngressPortOverride: options.ingressPortOverride }] },
      },
    },
  };
}

const selfOn = (from: number, to: number, protocol = 'tcp') => ({ IpProtocol: protocol, FromPort: from, ToPort: to, SourceSecurityGroupId: sgId('InstanceSg') });

describe('Preflight-ServiceConnectReachability', () => {
  test('finds a bridge-mode server whose instances admit only the load balancer, naming the security group and the range', () => {
    const [f, ...rest] = SERVICE_CONNECT_REACHABILITY.check(oneStack(cluster()));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ logicalId: 'Service', location: 'Properties.ServiceConnectConfiguration.Services.0' });
    expect(f.message).toMatch(/security group \(InstanceSg\) does not admit the instances themselves on tcp ports 32768-65535/);
    expect(f.fix).toMatch(/allowInternally\(ec2\.Port\.tcpRange\(32768, 65535\)\).*ingressPortOverride/);
  });

  test('passes when the instance group admits itself on the ephemeral range', () => {
    expect(SERVICE_CONNECT_REACHABILITY.check(oneStack(cluster({ ingress: [selfOn(32768, 65535)] })))).toEqual([]);
  });

  test('passes when the instance group admits itself on all traffic', () => {
    expect(SERVICE_CONNECT_REACHABILITY.check(oneStack(cluster({ ingress: [{ IpProtocol: '-1', SourceSecurityGroupId: sgId('InstanceSg') }] })))).toEqual([]);
  });

  test('passes when two rules together cover the range', () => {
    expect(SERVICE_CONNECT_REACHABILITY.check(oneStack(cluster({ ingress: [selfOn(32768, 49152), selfOn(49153, 65535)] })))).toEqual([]);
  });

  test('finds a range that only covers the older 49153-65535 default', () => {
    expect(SERVICE_CONNECT_REACHABILITY.check(oneStack(cluster({ ingress: [selfOn(49153, 65535)] })))).toHaveLength(1);
  });

  test('passes when the VPC CIDR (a deploy-time value) is admitted on the range', () => {
    const ingress = [{ IpProtocol: 'tcp', FromPort: 32768, ToPort: 65535, CidrIp: { 'Fn::GetAtt': ['Vpc', 'CidrBlock'] } }];
    expect(SERVICE_CONNECT_REACHABILITY.check(oneStack(cluster({ ingress })))).toEqual([]);
  });

  test('finds a range admitted only from a public office CIDR', () => {
    const ingress = [{ IpProtocol: 'tcp', FromPort: 32768, ToPort: 65535, CidrIp: '203.0.113.0/24' }];
    expect(SERVICE_CONNECT_REACHABILITY.check(oneStack(cluster({ ingress })))).toHaveLength(1);
  });

  test('checks the ingress port override instead of the ephemeral range when it is set', () => {
    expect(SERVICE_CONNECT_REACHABILITY.check(oneStack(cluster({ ingressPortOverride: 15000, ingress: [selfOn(15000, 15000)] })))).toEqual([]);
    const [f] = SERVICE_CONNECT_REACHABILITY.check(oneStack(cluster({ ingressPortOverride: 15000, ingress: [selfOn(32768, 65535)] })));
    expect(f.message).toMatch(/tcp port 15000/);
  });

  test('ignores awsvpc services and single-instance groups', () => {
    expect(SERVICE_CONNECT_REACHABILITY.check(oneStack(cluster({ networkMode: 'awsvpc' })))).toEqual([]);
    expect(SERVICE_CONNECT_REACHABILITY.check(oneStack(cluster({ maxSize: '1' })))).toEqual([]);
  });

  test('follows a service in a nested stack to the cluster in its parent', () => {
    const { Service, TaskDef, ...parentResources } = cluster();
    const parent = stackTemplate('Parent', { ...parentResources, Services: { Type: 'AWS::CloudFormation::Stack', Properties: { Parameters: { ClusterRef: { Ref: 'Cluster' } } } } });
    const child = nestedTemplate(parent, 'Services', {
      Parameters: { ClusterRef: { Type: 'String' } },
      Resources: { TaskDef, Service: { ...Service, Properties: { ...Service.Properties, Cluster: { Ref: 'ClusterRef' } } } },
    });
    const findings = SERVICE_CONNECT_REACHABILITY.check(new TemplateSet([parent, child]));
    expect(findings.map((f) => `${f.templateFile} ${f.logicalId}`)).toEqual([`${child.templateFile} Service`]);
  });

  test('covers() joins adjacent intervals and sees gaps', () => {
    expect(covers([{ from: 1, to: 5 }, { from: 6, to: 10 }], { from: 2, to: 9 })).toBe(true);
    expect(covers([{ from: 1, to: 5 }, { from: 7, to: 10 }], { from: 2, to: 9 })).toBe(false);
  });
});
