import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { dnsNameProblem, extraHostEntries, portNameProblem, serviceConnectProblems } from '../../lib/service/container-options';
import { FleetService, FleetServiceProps } from '../../lib/service/fleet-service';
import { bootService, testStack } from '../support/fixtures';

function synth(props: Partial<FleetServiceProps>): Template {
  const s = testStack();
  bootService(s, new FleetCluster(s, 'Cluster'), props, 'svc');
  return Template.fromStack(s);
}
const container = (t: Template) => Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0].Properties.ContainerDefinitions[0];

describe('FleetService container options', () => {
  test('containerPortName and additionalPorts become named port mappings on dynamic host ports', () => {
    const t = synth({ containerPortName: 'http', additionalPorts: [{ containerPort: 9090, name: 'metrics' }, { containerPort: 53, protocol: ecs.Protocol.UDP }] });
    expect(container(t).PortMappings).toEqual([
      { ContainerPort: 8080, HostPort: 0, Protocol: 'tcp', Name: 'http' },
      { ContainerPort: 9090, HostPort: 0, Protocol: 'tcp', Name: 'metrics' },
      { ContainerPort: 53, HostPort: 0, Protocol: 'udp' },
    ]);
  });

  test('user, working directory, hostname, labels and the boolean switches are set on the container', () => {
    const t = synth({
      user: '1000:1000', workingDirectory: '/app', hostname: 'web1', dockerLabels: { team: 'a' }, privileged: true,
      readonlyRootFilesystem: true, interactive: true, pseudoTerminal: true, stopTimeout: Duration.seconds(90), gpuCount: 1,
    });
    expect(container(t)).toMatchObject({
      User: '1000:1000', WorkingDirectory: '/app', Hostname: 'web1', DockerLabels: { team: 'a' }, Privileged: true,
      ReadonlyRootFilesystem: true, Interactive: true, PseudoTerminal: true, StopTimeout: 90,
      ResourceRequirements: [{ Type: 'GPU', Value: '1' }],
    });
  });

  test('linux parameters: init, shared memory, swap, capabilities, devices and tmpfs', () => {
    const t = synth({
      init: true, sharedMemoryMiB: 256, swappiness: 10, maxSwapMiB: 512, addCapabilities: [ecs.Capability.NET_ADMIN], dropCapabilities: [ecs.Capability.ALL],
      devices: [{ hostPath: '/dev/fuse' }], tmpfs: [{ containerPath: '/run', size: 64, mountOptions: [ecs.TmpfsMountOption.NOEXEC] }],
    });
    expect(container(t).LinuxParameters).toEqual({
      InitProcessEnabled: true, SharedMemorySize: 256, Swappiness: 10, MaxSwap: 512,
      Capabilities: { Add: ['NET_ADMIN'], Drop: ['ALL'] },
      Devices: [{ HostPath: '/dev/fuse' }],
      Tmpfs: [{ ContainerPath: '/run', Size: 64, MountOptions: ['noexec'] }],
    });
  });

  test('system controls, ulimits and a host with several addresses (one ExtraHosts entry per address)', () => {
    const t = synth({
      systemControls: { 'net.core.somaxconn': '1024' }, ulimits: [{ name: ecs.UlimitName.NOFILE, softLimit: 1024, hardLimit: 4096 }],
      extraHosts: { myhost: ['0.0.0.1', '0.0.0.2'], db: '10.0.0.5' },
    });
    expect(container(t)).toMatchObject({
      SystemControls: [{ Namespace: 'net.core.somaxconn', Value: '1024' }],
      Ulimits: [{ Name: 'nofile', SoftLimit: 1024, HardLimit: 4096 }],
      ExtraHosts: [{ Hostname: 'myhost', IpAddress: '0.0.0.1' }, { Hostname: 'myhost', IpAddress: '0.0.0.2' }, { Hostname: 'db', IpAddress: '10.0.0.5' }],
    });
  });

  test('a log driver replaces the default awslogs configuration', () => {
    const t = synth({ logDriver: new ecs.GenericLogDriver({ logDriver: 'syslog', options: { 'syslog-address': 'udp://10.0.0.9:514' } }) });
    expect(container(t).LogConfiguration).toEqual({ LogDriver: 'syslog', Options: { 'syslog-address': 'udp://10.0.0.9:514' } });
  });

  test('Service Connect publishes named ports and admits the cluster instances to each other on the ephemeral host ports', () => {
    const s = testStack();
    const cluster = new FleetCluster(s, 'Cluster');
    const namespace = new servicediscovery.HttpNamespace(s, 'Ns', { name: 'ns' });
    new FleetService(s, 'db', {
      cluster, image: 'postgres:16', containerPort: 5432, containerPortName: 'p5432',
      serviceConnect: { namespace, services: [{ portMappingName: 'p5432', discoveryName: 'db-5432', dnsName: 'db', port: 5432 }] },
    });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::ECS::Service', {
      ServiceConnectConfiguration: { Enabled: true, Services: [{ PortName: 'p5432', DiscoveryName: 'db-5432', ClientAliases: [{ DnsName: 'db', Port: 5432 }] }] },
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp', FromPort: 32768, ToPort: 65535,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClusterInstanceSecurityGroup'), 'GroupId'] },
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClusterInstanceSecurityGroup'), 'GroupId'] },
    });
  });

  test('without Service Connect the instances do not admit each other', () => {
    const t = synth({});
    expect(Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).filter((r: any) => r.Properties.FromPort === 32768
      && JSON.stringify(r.Properties.SourceSecurityGroupId).includes('ClusterInstance'))).toEqual([]);
  });

  describe('rejects bad container options, naming the value and the fix', () => {
    test.each([
      [{ containerPortName: 'Web-80' }, /containerPort: port name 'Web-80' holds characters ECS rejects/],
      [{ containerPortName: 'p', additionalPorts: [{ containerPort: 9090, name: 'p' }] }, /containerPort: port name 'p' is also used by additionalPorts\[0\]/],
      [{ additionalPorts: [{ containerPort: 8080 }] }, /additionalPorts\[0\]: port 8080\/tcp is already mapped by containerPort/],
      [{ containerPort: undefined, containerPortName: 'x' }, /containerPortName 'x' is given without a containerPort/],
      [{ workingDirectory: 'app' }, /workingDirectory 'app' is not absolute/],
      [{ swappiness: 101 }, /swappiness 101 is not valid\. Fix: use a whole number from 0 to 100/],
      [{ maxSwapMiB: -1 }, /maxSwapMiB -1 is not valid/],
      [{ tmpfs: [{ containerPath: 'tmp', size: 1 }] }, /tmpfs\[0\]: containerPath 'tmp' is not absolute/],
      [{ tmpfs: [{ containerPath: '/tmp', size: 0 }] }, /tmpfs\[0\].size 0 is not valid/],
      [{ systemControls: { 'net.core.somaxconn': '' } }, /systemControls: 'net.core.somaxconn' has no value/],
      [{ extraHosts: { myhost: '0.0.0.1,0.0.0.2' } }, /extraHosts: '0.0.0.1,0.0.0.2' \(for myhost\) is not an IPv4 or IPv6 address/],
      [{ stopTimeout: Duration.minutes(5) }, /stopTimeout 5 minutes is not valid\. Fix: use 0 seconds to 2 minutes \(the most ECS waits/],
      [{ ulimits: [{ name: ecs.UlimitName.NOFILE, softLimit: 10, hardLimit: 5 }] }, /ulimits\[0\] \(nofile\): the soft limit 10 is above the hard limit 5/],
      [{ gpuCount: 0 }, /gpuCount 0 is not valid/],
    ])('%j', (props, message) => {
      expect(() => synth(props as Partial<FleetServiceProps>)).toThrow(message);
    });

    test('a Service Connect service naming a port no mapping has is an error', () => {
      const s = testStack();
      const namespace = new servicediscovery.HttpNamespace(s, 'Ns', { name: 'ns' });
      expect(() => bootService(s, new FleetCluster(s, 'Cluster'), { serviceConnect: { namespace, services: [{ portMappingName: 'nope' }] } }, 'svc'))
        .toThrow(/serviceConnect: services\[0\] publishes port 'nope', which no port mapping is named/);
    });
  });
});

describe('container option rules (pure)', () => {
  test('extraHostEntries gives one entry per address', () => {
    expect(extraHostEntries({ a: ['1.1.1.1', '2.2.2.2'], b: '3.3.3.3' })).toEqual([
      { hostname: 'a', ipAddress: '1.1.1.1' }, { hostname: 'a', ipAddress: '2.2.2.2' }, { hostname: 'b', ipAddress: '3.3.3.3' },
    ]);
  });

  test('port names follow the ECS rule: lowercase, digits, _ and -, not starting with -, at most 64', () => {
    expect(portNameProblem('db-5432')).toBeUndefined();
    expect(portNameProblem('_x')).toBeUndefined();
    expect(portNameProblem('-x')).toMatch(/not starting with -/);
    expect(portNameProblem('Web-80')).toMatch(/rejects/);
    expect(portNameProblem('api.v2-8080')).toMatch(/rejects/);
    expect(portNameProblem('a'.repeat(65))).toMatch(/65 characters/);
  });

  test('client aliases also allow dots, up to 127 characters', () => {
    expect(dnsNameProblem('api.v2')).toBeUndefined();
    expect(dnsNameProblem('Web')).toMatch(/rejects/);
    expect(dnsNameProblem('a'.repeat(128))).toMatch(/128 characters/);
  });

  test('serviceConnectProblems finds duplicate discovery names', () => {
    expect(serviceConnectProblems([{ portMappingName: 'a', discoveryName: 'x' }, { portMappingName: 'b', discoveryName: 'x' }], new Set(['a', 'b'])))
      .toEqual([expect.objectContaining({ problem: "services[1]: discovery name 'x' is used twice" })]);
  });
});
