import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { FleetServiceProps } from '../../lib/service/fleet-service';
import { ServicePlacement } from '../../lib/service/placement';
import { serviceNameProblem } from '../../lib/service/service-identity';
import { absolutePathProblem } from '../../lib/service/volumes';
import { FleetNetworkMode } from '../../lib/service/networking';
import { bootService, testStack } from '../support/fixtures';

function serviceWith(overrides: Partial<FleetServiceProps> | ((stack: Stack) => Partial<FleetServiceProps>)) {
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster');
  const service = bootService(stack, cluster, typeof overrides === 'function' ? overrides(stack) : overrides);
  return { stack, cluster, service, template: () => Template.fromStack(stack) };
}

describe('FleetService placement', () => {
  test('defaults to spreading over zones, then instances', () => {
    serviceWith({}).template().hasResourceProperties('AWS::ECS::Service', {
      PlacementStrategies: [{ Type: 'spread', Field: 'attribute:ecs.availability-zone' }, { Type: 'spread', Field: 'instanceId' }],
      SchedulingStrategy: 'REPLICA',
    });
  });

  test.each<[ServicePlacement, object[]]>([
    [ServicePlacement.BINPACK_MEMORY, [{ Type: 'spread', Field: 'attribute:ecs.availability-zone' }, { Type: 'binpack', Field: 'MEMORY' }]],
    [ServicePlacement.BINPACK_CPU, [{ Type: 'spread', Field: 'attribute:ecs.availability-zone' }, { Type: 'binpack', Field: 'CPU' }]],
    [ServicePlacement.RANDOM, [{ Type: 'random' }]],
  ])('%s places with its strategies, still on the capacity provider', (placement, strategies) => {
    serviceWith({ placement }).template().hasResourceProperties('AWS::ECS::Service', {
      PlacementStrategies: strategies,
      CapacityProviderStrategy: [Match.objectLike({ Weight: 1 })],
      LaunchType: Match.absent(),
    });
  });

  test('DAEMON: one task per instance with the EC2 launch type, no capacity provider strategy, no count, 100 % maximum', () => {
    serviceWith({ placement: ServicePlacement.DAEMON }).template().hasResourceProperties('AWS::ECS::Service', {
      SchedulingStrategy: 'DAEMON',
      LaunchType: 'EC2',
      CapacityProviderStrategy: Match.absent(),
      PlacementStrategies: Match.absent(),
      DesiredCount: Match.absent(),
      DeploymentConfiguration: Match.objectLike({ MaximumPercent: 100, MinimumHealthyPercent: 50 }),
    });
  });

  test('DAEMON services still go before the cluster at teardown', () => {
    const { template } = serviceWith({ placement: ServicePlacement.DAEMON });
    const services = template().findResources('AWS::ECS::Service');
    expect(JSON.stringify(Object.values(services)[0].DependsOn)).toMatch(/ClusterEcsCluster/);
  });

  test.each<[string, Partial<FleetServiceProps>, RegExp]>([
    ['a desiredCount', { desiredCount: 3 }, /desiredCount \(3\) cannot be set/],
    ['scaling', { scaling: { minTasks: 1, maxTasks: 4 } }, /the task count cannot scale/],
    ['a maxHealthyPercent above 100', { maxHealthyPercent: 200 }, /maxHealthyPercent must be 100/],
    ['a minHealthyPercent of 100', { minHealthyPercent: 100 }, /minHealthyPercent 100/],
  ])('DAEMON refuses %s', (_name, overrides, message) => {
    expect(() => serviceWith({ placement: ServicePlacement.DAEMON, ...overrides })).toThrow(message);
  });

  test('DAEMON accepts maxHealthyPercent 100 and a lower minimum', () => {
    expect(() => serviceWith({ placement: ServicePlacement.DAEMON, maxHealthyPercent: 100, minHealthyPercent: 0 })).not.toThrow();
  });
});

describe('FleetService serviceName', () => {
  test('sets the ECS service name and warns that a fixed name blocks replacement', () => {
    const { stack, template } = serviceWith({ serviceName: 'orders_api-v2' });
    // Annotations first: each of the two synthesizes the stack.
    Annotations.fromStack(stack).hasWarning('/Test/boot', Match.stringLikeRegexp('CloudFormation cannot replace a resource with a custom name'));
    template().hasResourceProperties('AWS::ECS::Service', { ServiceName: 'orders_api-v2' });
  });

  test('without it the name is generated and nothing is warned', () => {
    const { stack, template } = serviceWith({});
    Annotations.fromStack(stack).hasNoWarning('/Test/boot', Match.stringLikeRegexp('custom name'));
    template().hasResourceProperties('AWS::ECS::Service', { ServiceName: Match.absent() });
  });

  test.each([
    ['', /is empty/],
    ['orders.api', /other than letters, digits, hyphens and underscores/],
    ['orders api', /other than letters/],
    ['a'.repeat(256), /256 characters long/],
  ])('refuses %j', (name, message) => {
    expect(serviceNameProblem(name)).toMatch(message);
    expect(() => serviceWith({ serviceName: name })).toThrow(/serviceName/);
  });

  test('accepts 255 characters of the allowed set', () => {
    expect(serviceNameProblem('A-z_0'.repeat(51))).toBeUndefined();
  });
});

describe('FleetService environmentFiles', () => {
  const { template } = serviceWith((stack) => ({
    environmentFiles: [ecs.EnvironmentFile.fromBucket(s3.Bucket.fromBucketName(stack, 'Config', 'my-config-bucket'), 'orders/app.env')],
  }));

  test('passes the files to the container', () => {
    template().hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ EnvironmentFiles: [{ Type: 's3', Value: 'arn:aws:s3:::my-config-bucket/orders/app.env' }] })],
    });
  });

  test('lets the execution role read exactly those objects, and nothing else of the bucket', () => {
    const execution = Object.entries(template().findResources('AWS::IAM::Role')).find(([id]) => /ExecutionRole/.test(id))![0];
    template().hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: execution }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: 's3:GetObject', Effect: 'Allow', Resource: 'arn:aws:s3:::my-config-bucket/orders/app.env' },
          { Action: 's3:GetBucketLocation', Effect: 'Allow', Resource: 'arn:aws:s3:::my-config-bucket' },
        ]),
      },
    });
    expect(JSON.stringify(template().findResources('AWS::IAM::Policy'))).not.toContain('my-config-bucket/*');
  });

  test('without files the execution role gets no S3 statement', () => {
    expect(JSON.stringify(serviceWith({}).template().findResources('AWS::IAM::Policy'))).not.toContain('s3:GetObject');
  });
});

describe('FleetService efsVolumes', () => {
  function withEfs(volume: (fs: efs.FileSystem, stack: Stack) => Partial<FleetServiceProps>) {
    return serviceWith((stack) => {
      const vpc = new ec2.Vpc(stack, 'DataVpc', { maxAzs: 2 });
      const fileSystem = new efs.FileSystem(stack, 'Data', { vpc });
      return volume(fileSystem, stack);
    });
  }

  test('mounts the file system with transit encryption and IAM authorization by default', () => {
    withEfs((fileSystem) => ({ efsVolumes: [{ fileSystem, containerPath: '/data' }] })).template().hasResourceProperties('AWS::ECS::TaskDefinition', {
      Volumes: [{ Name: 'efs-0', EFSVolumeConfiguration: { FilesystemId: Match.anyValue(), TransitEncryption: 'ENABLED', AuthorizationConfig: { IAM: 'ENABLED' } } }],
      ContainerDefinitions: [Match.objectLike({ MountPoints: [{ SourceVolume: 'efs-0', ContainerPath: '/data', ReadOnly: false }] })],
    });
  });

  test('grants the task role ClientMount and ClientWrite on that file system through that access point', () => {
    const { template } = withEfs((fileSystem) => ({
      efsVolumes: [{ fileSystem, containerPath: '/data', accessPoint: fileSystem.addAccessPoint('Orders', { path: '/orders' }) }],
    }));
    template().hasResourceProperties('AWS::ECS::TaskDefinition', {
      Volumes: [Match.objectLike({ EFSVolumeConfiguration: Match.objectLike({ AuthorizationConfig: { AccessPointId: Match.anyValue(), IAM: 'ENABLED' } }) })],
    });
    const taskRole = Object.keys(template().findResources('AWS::IAM::Role')).find((id) => /TaskDefinitionTaskRole/.test(id))!;
    template().hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: taskRole }],
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Data'), 'Arn'] },
          Condition: {
            Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
            StringEquals: { 'elasticfilesystem:AccessPointArn': Match.anyValue() },
          },
        }]),
      },
    });
  });

  test('read-only: the mount is read-only and the task role may only mount', () => {
    const { template } = withEfs((fileSystem) => ({ efsVolumes: [{ fileSystem, containerPath: '/data', readOnly: true }] }));
    template().hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ MountPoints: [Match.objectLike({ ReadOnly: true })] })],
    });
    template().hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'elasticfilesystem:ClientMount' })]) },
    });
    expect(JSON.stringify(template().findResources('AWS::IAM::Policy'))).not.toContain('ClientWrite');
  });

  test('opens the file system to the cluster instances on NFS (2049)', () => {
    withEfs((fileSystem) => ({ efsVolumes: [{ fileSystem, containerPath: '/data' }] })).template().hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataEfsSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterInstanceSecurityGroup'), 'GroupId'] },
    });
  });

  test('an awsvpc service mounts from its own interface: the file system admits the service\'s security group too', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster');
    const fileSystem = new efs.FileSystem(stack, 'Data', { vpc: cluster.vpc });
    bootService(stack, cluster, { networkMode: FleetNetworkMode.AWS_VPC, efsVolumes: [{ fileSystem, containerPath: '/data' }] });
    const ingress = Object.values<any>(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroupIngress'))
      .filter((r) => r.Properties.FromPort === 2049).map((r) => r.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]);
    expect(ingress).toEqual(expect.arrayContaining([expect.stringMatching(/^ClusterInstanceSecurityGroup/), expect.stringMatching(/^bootSecurityGroup|^boot.*SecurityGroup/)]));
  });

  test('without IAM authorization (and without encryption) grants nothing', () => {
    const { template } = withEfs((fileSystem) => ({ efsVolumes: [{ fileSystem, containerPath: '/data', transitEncryption: false }] }));
    template().hasResourceProperties('AWS::ECS::TaskDefinition', {
      Volumes: [{ Name: 'efs-0', EFSVolumeConfiguration: { FilesystemId: Match.anyValue(), TransitEncryption: 'DISABLED' } }],
    });
    expect(JSON.stringify(template().findResources('AWS::IAM::Policy'))).not.toContain('elasticfilesystem:Client');
  });

  test.each<[string, (fs: efs.FileSystem) => Partial<FleetServiceProps>, RegExp]>([
    ['a relative container path', (fileSystem) => ({ efsVolumes: [{ fileSystem, containerPath: 'data' }] }), /efsVolumes\[0\].containerPath 'data' is not absolute/],
    ['an access point without transit encryption', (fileSystem) => ({ efsVolumes: [{ fileSystem, containerPath: '/data', transitEncryption: false, accessPoint: fileSystem.addAccessPoint('Ap') }] }), /access point needs transit encryption/],
    ['IAM authorization without transit encryption', (fileSystem) => ({ efsVolumes: [{ fileSystem, containerPath: '/data', transitEncryption: false, iamAuthorization: true }] }), /IAM authorization needs transit encryption/],
    ['two volumes at one path', (fileSystem) => ({ efsVolumes: [{ fileSystem, containerPath: '/data' }], hostVolumes: [{ sourcePath: '/srv/x', containerPath: '/data/' }] }), /hostVolumes\[0\] mounts at \/data, where efsVolumes\[0\] is already mounted/],
  ])('refuses %s', (_name, volume, message) => {
    expect(() => withEfs(volume)).toThrow(message);
  });
});

describe('FleetService hostVolumes', () => {
  test('bind-mounts the instance folder', () => {
    serviceWith({ hostVolumes: [{ sourcePath: '/srv/cache', containerPath: '/cache', readOnly: true }] }).template().hasResourceProperties('AWS::ECS::TaskDefinition', {
      Volumes: [{ Name: 'host-0', Host: { SourcePath: '/srv/cache' } }],
      ContainerDefinitions: [Match.objectLike({ MountPoints: [{ SourceVolume: 'host-0', ContainerPath: '/cache', ReadOnly: true }] })],
    });
  });

  test.each([
    [{ sourcePath: 'cache', containerPath: '/cache' }, /hostVolumes\[0\].sourcePath 'cache' is not absolute/],
    [{ sourcePath: '/srv/../etc', containerPath: '/cache' }, /sourcePath '\/srv\/..\/etc' contains '..'/],
    [{ sourcePath: '/srv/cache', containerPath: './cache' }, /containerPath '.\/cache' is not absolute/],
  ])('refuses %j', (volume, message) => {
    expect(() => serviceWith({ hostVolumes: [volume] })).toThrow(message);
  });

  test('absolute paths pass the pure check', () => {
    expect(absolutePathProblem('/var/lib/agent')).toBeUndefined();
  });
});
