import { CfnParameter, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { FleetPreflightChecks } from '../../lib/preflight/plugin';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { FleetDeploymentStrategy } from '../../lib/service/blue-green';
import { FleetCapacity } from '../../lib/service/fleet-capacity';
import { FleetService, FleetServiceProps } from '../../lib/service/fleet-service';
import { FleetNetworkMode } from '../../lib/service/networking';
import { ServicePlacement } from '../../lib/service/placement';
import { validatedApp } from '../support/app';
import { testStack } from '../support/fixtures';

function fargateStack(overrides: Partial<FleetServiceProps> = {}, clusterProps: ConstructorParameters<typeof FleetCluster>[2] = {}) {
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster', clusterProps);
  const service = new FleetService(stack, 'Api', { cluster, image: 'nginx:1.27', containerPort: 80, capacity: FleetCapacity.FARGATE, ...overrides });
  return { stack, cluster, service, get template() { return Template.fromStack(stack); } };
}

/** A Fargate service whose props may use tokens of its stack. */
function fargateStackWith(props: (stack: Stack) => Partial<FleetServiceProps>) {
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster');
  new FleetService(stack, 'Api', { cluster, image: 'nginx:1.27', containerPort: 80, capacity: FleetCapacity.FARGATE, ...props(stack) });
  return { stack, get template() { return Template.fromStack(stack); } };
}

function associations(template: Template): Array<{ CapacityProviders: unknown[]; DefaultCapacityProviderStrategy: unknown[] }> {
  return Object.values(template.findResources('AWS::ECS::ClusterCapacityProviderAssociations')).map((r) => r.Properties);
}

describe('FleetService on Fargate', () => {
  test('is a FargateService placed with the FARGATE capacity provider (no launch type), on the latest platform, in awsvpc mode behind its own security group', () => {
    const { template, service } = fargateStack();
    expect(service.service).toBeInstanceOf(ecs.FargateService);
    expect(service.taskDefinition).toBeInstanceOf(ecs.FargateTaskDefinition);
    expect(service.networkMode).toBe(FleetNetworkMode.AWS_VPC);
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: Match.absent(),
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
      PlatformVersion: 'LATEST',
      PlacementStrategies: Match.absent(),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED', SecurityGroups: [Match.anyValue()] }) },
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'], NetworkMode: 'awsvpc', Cpu: '256', Memory: '512',
      // No hard limit of its own: the task's memory is the limit Fargate enforces; the reservation sizes the task.
      ContainerDefinitions: [Match.objectLike({ Cpu: 256, Memory: Match.absent(), MemoryReservation: 512, PortMappings: [{ ContainerPort: 80, Protocol: 'tcp' }] })],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: 'Tasks of Test/Api (awsvpc)' });
    expect(service.connections.securityGroups).toEqual([service.securityGroup]);
  });

  test('Fargate Spot places on FARGATE_SPOT, and with an on-demand base keeps that many tasks on FARGATE first', () => {
    fargateStack({ capacity: FleetCapacity.FARGATE_SPOT }).template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    });
    fargateStack({ capacity: FleetCapacity.FARGATE_SPOT, fargate: { onDemandBase: 2 } }).template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Base: 2, Weight: 0 }, { CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    });
    expect(() => fargateStack({ fargate: { onDemandBase: 2 } })).toThrow(/onDemandBase keeps tasks on demand beside Fargate Spot.*Fix: set capacity: FleetCapacity.FARGATE_SPOT/);
  });

  test('the task size is the smallest Fargate size that holds every container, sidecars added later included', () => {
    const big = fargateStack({ cpu: 700, memoryLimitMiB: 3000 });
    big.template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '1024', Memory: '3072' });
    const grown = fargateStack();
    grown.service.taskDefinition.addContainer('sidecar', { image: ecs.ContainerImage.fromRegistry('busybox:1.36'), memoryLimitMiB: 64, essential: false });
    grown.template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '256', Memory: '1024' });
  });

  test('an explicit task size is taken, and the container shares the whole task unless told otherwise', () => {
    fargateStack({ fargate: { taskCpu: 1024, taskMemoryMiB: 4096 } }).template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024', Memory: '4096', ContainerDefinitions: [Match.objectLike({ Cpu: Match.absent(), Memory: Match.absent(), MemoryReservation: Match.absent() })],
    });
    fargateStack({ cpu: 256, memoryLimitMiB: 1024, fargate: { taskCpu: 1024, taskMemoryMiB: 4096 } }).template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024', Memory: '4096', ContainerDefinitions: [Match.objectLike({ Cpu: 256, Memory: 1024 })],
    });
  });

  test('the memory alarm is at 90 % of the task memory, which is what ECS measures a Fargate service against', () => {
    const thresholdOf = (overrides: Partial<FleetServiceProps>) => {
      const alarms = fargateStack(overrides).template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'MemoryUtilization' } });
      return Object.values(alarms).map((a) => a.Properties.Threshold);
    };
    expect(thresholdOf({})).toEqual([90]);
    expect(thresholdOf({ memoryLimitMiB: 2048, memoryReservationMiB: 1024 })).toEqual([90]);
  });

  test('a reservation without a hard limit is no error on Fargate', () => {
    fargateStack({ memoryReservationMiB: 1024 }).template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '256', Memory: '1024' });
  });

  test('a task size Fargate does not offer is refused, naming the valid ones', () => {
    expect(() => fargateStack({ fargate: { taskCpu: 256, taskMemoryMiB: 4096 } }))
      .toThrow(/Test\/Api: capacity FARGATE: Fargate runs a task of 256 CPU units with 512, 1024 or 2048 MiB, not 4096 MiB. Fix: give taskMemoryMiB 512, 1024 or 2048 \(or taskCpu 512 with taskMemoryMiB 4096\)/);
    expect(() => fargateStack({ fargate: { taskCpu: 300, taskMemoryMiB: 1024 } })).toThrow(/300 CPU units is not a Fargate task size.*Fix: give taskCpu 512/);
    expect(() => fargateStack({ fargate: { taskCpu: 512 } })).toThrow(/fargate.taskCpu is given without fargate.taskMemoryMiB/);
  });

  test('containers that outgrow an explicit task size fail the synth with the size that holds them', () => {
    const { stack, service } = fargateStack({ memoryLimitMiB: 1024, fargate: { taskCpu: 256, taskMemoryMiB: 1024 } });
    service.taskDefinition.addContainer('sidecar', { image: ecs.ContainerImage.fromRegistry('busybox:1.36'), memoryLimitMiB: 64, essential: false });
    expect(() => Template.fromStack(stack)).toThrow(/containers together need 1088 MiB \(the task has 1024\), more than the Fargate task size.*Fix: give fargate: \{ taskCpu: 256, taskMemoryMiB: 2048 \}/);
  });

  test('a cpu or memory token needs an explicit task size: without one the task would silently be the largest (16 vCPU, 120 GiB)', () => {
    const cpu = (stack: Stack, id = 'Cpu') => new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;
    expect(() => fargateStackWith((stack) => ({ cpu: cpu(stack) })))
      .toThrow(/Test\/Api: capacity FARGATE: cpu is a token, so the Fargate task size .* not known at synth. Fix: give fargate.taskCpu and fargate.taskMemoryMiB when cpu or memory are tokens/);
    expect(() => fargateStackWith((stack) => ({ memoryLimitMiB: cpu(stack, 'Limit'), memoryReservationMiB: cpu(stack, 'Reservation') })))
      .toThrow(/memoryLimitMiB and memoryReservationMiB are tokens/);
    fargateStackWith((stack) => ({ cpu: cpu(stack), fargate: { taskCpu: 1024, taskMemoryMiB: 2048 } })).template
      .hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '1024', Memory: '2048', ContainerDefinitions: [Match.objectLike({ Cpu: { Ref: 'Cpu' } })] });
  });

  test('a sidecar whose memory is a token fails the synth unless the task size is given', () => {
    const withSidecar = (fargate?: FleetServiceProps['fargate']) => {
      const { stack, service } = fargateStack({ fargate });
      const memory = new CfnParameter(stack, 'Memory', { type: 'Number' }).valueAsNumber;
      service.taskDefinition.addContainer('sidecar', { image: ecs.ContainerImage.fromRegistry('busybox:1.36'), memoryLimitMiB: memory, essential: false });
      return () => Template.fromStack(stack);
    };
    expect(withSidecar()).toThrow(/Test\/Api: a container's cpu or memory is a token.*Fix: give fargate.taskCpu and fargate.taskMemoryMiB when cpu or memory are tokens/);
    expect(withSidecar({ taskCpu: 512, taskMemoryMiB: 2048 })().toJSON().Resources).toBeDefined();
  });

  test('a container larger than the largest Fargate task fails the synth', () => {
    const { stack } = fargateStack({ cpu: 16_384, memoryLimitMiB: 130_000 });
    expect(() => Template.fromStack(stack)).toThrow(/more than the largest Fargate task \(16384 units, 122880 MiB\)/);
  });

  test.each<[string, Partial<FleetServiceProps>, RegExp]>([
    ['bridge networking', { networkMode: FleetNetworkMode.BRIDGE }, /Fargate runs every task in awsvpc mode.*Fix: leave networkMode out/],
    ['a privileged container', { privileged: true }, /Fargate runs no privileged container. Fix: drop privileged/],
    ['capabilities other than SYS_PTRACE', { addCapabilities: [ecs.Capability.SYS_PTRACE, ecs.Capability.NET_ADMIN] }, /adds no capability but SYS_PTRACE, and addCapabilities has NET_ADMIN/],
    ['host volumes', { hostVolumes: [{ sourcePath: '/srv/cache', containerPath: '/cache' }] }, /does not support hostVolumes.*Fix: leave hostVolumes out \(use efsVolumes/],
    ['devices', { devices: [{ hostPath: '/dev/fuse' }] }, /does not support devices/],
    ['shared memory size', { sharedMemoryMiB: 256 }, /does not support sharedMemoryMiB/],
    ['tmpfs', { tmpfs: [{ containerPath: '/tmp', size: 64 }] }, /does not support tmpfs/],
    ['swap', { maxSwapMiB: 0 }, /does not support maxSwapMiB/],
    ['GPUs', { gpuCount: 1 }, /does not support gpuCount/],
    ['/etc/hosts entries', { extraHosts: { db: '10.0.0.5' } }, /does not support extraHosts/],
    ['a host name', { hostname: 'api' }, /does not support hostname/],
    ['placement strategies', { placement: ServicePlacement.BINPACK_MEMORY }, /takes no placement strategy.*placement is binpack-memory/],
    ['DAEMON', { placement: ServicePlacement.DAEMON }, /takes no placement strategy.*placement is daemon/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => fargateStack(props)).toThrow(message);
  });

  test('the compliant counterparts synthesize: awsvpc named, SYS_PTRACE, EFS, no placement', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster');
    const fileSystem = new efs.FileSystem(stack, 'Data', { vpc: cluster.vpc });
    const service = new FleetService(stack, 'Api', {
      cluster, image: 'nginx:1.27', capacity: FleetCapacity.FARGATE, networkMode: FleetNetworkMode.AWS_VPC,
      addCapabilities: [ecs.Capability.SYS_PTRACE], init: true, systemControls: { 'net.core.somaxconn': '1024' },
      efsVolumes: [{ fileSystem, containerPath: '/data' }],
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Volumes: [Match.objectLike({ EFSVolumeConfiguration: Match.objectLike({ TransitEncryption: 'ENABLED' }) })],
      ContainerDefinitions: [Match.objectLike({ LinuxParameters: Match.objectLike({ Capabilities: { Add: ['SYS_PTRACE'] } }) })],
    });
    // Fargate tasks mount EFS from their own interface: the file system admits the tasks' group, not the instances'.
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 2049, SourceSecurityGroupId: stack.resolve(service.securityGroup!.securityGroupId),
    });
    template.resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', { FromPort: 2049, SourceSecurityGroupId: stack.resolve(cluster.securityGroup.securityGroupId) }, 0);
  });

  test('a capacity that is not a FleetCapacity value (plain JavaScript, other languages) is refused, not run on EC2', () => {
    for (const capacity of ['FARGATE', 'Fargate', 'spot', '']) {
      expect(() => fargateStack({ capacity: capacity as FleetCapacity }))
        .toThrow(new RegExp(`^Test/Api: capacity "${capacity}" is not a FleetCapacity \\(allowed: 'ec2', 'fargate', 'fargate-spot'\\). Fix: use FleetCapacity.EC2, FARGATE or FARGATE_SPOT`));
    }
    expect(fargateStack({ capacity: 'fargate-spot' as FleetCapacity }).service.service).toBeInstanceOf(ecs.FargateService);
    expect(fargateStack({ capacity: undefined }).service.capacity).toBe(FleetCapacity.EC2);
  });

  test('fargate options without Fargate capacity are refused', () => {
    expect(() => fargateStack({ capacity: FleetCapacity.EC2, fargate: { assignPublicIp: true } })).toThrow(/fargate options are given, but the capacity is EC2/);
  });

  test('a VPC without private subnets is refused unless the tasks get public IP addresses', () => {
    expect(() => fargateStack({}, { natGateways: 0 })).toThrow(/VPC has no private subnets.*Fix: give the cluster NAT gateways \(natGateways: 1\), or set fargate: \{ assignPublicIp: true \}/);
    fargateStack({ fargate: { assignPublicIp: true } }, { natGateways: 0 }).template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
    });
  });

  test('skips the instance checks: a task larger than the instances and more tasks than their ENIs raise nothing', () => {
    const { stack } = fargateStack({ cpu: 4096, memoryLimitMiB: 16_384, desiredCount: 20 }, { instanceType: new ec2.InstanceType('t3.small'), maxCapacity: 2 });
    // One synthesis per stack: aws-cdk-lib's capacity provider association aspect is not idempotent.
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('ENI|network interfaces'))).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  test('scaled Fargate services do not count against the cluster instances in the capacity warning', () => {
    const { stack } = fargateStack({ cpu: 2048, memoryLimitMiB: 4096, scaling: { maxTasks: 50, cpuPercent: 60 } }, { instanceType: new ec2.InstanceType('t3.small'), maxCapacity: 2 });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('PROVISIONING'))).toEqual([]);
  });
});

describe('the cluster and Fargate capacity providers', () => {
  test('a FleetCluster has FARGATE and FARGATE_SPOT from the start, so removing its last Fargate service never takes them out of the association', () => {
    const providersOf = (services: FleetCapacity[]) => {
      const stack = testStack();
      const cluster = new FleetCluster(stack, 'Cluster');
      services.forEach((capacity, i) => new FleetService(stack, `S${i}`, { cluster, image: 'nginx:1.27', capacity }));
      const [association, ...others] = associations(Template.fromStack(stack));
      expect(others).toEqual([]);
      expect(association.DefaultCapacityProviderStrategy).toEqual([{ CapacityProvider: stack.resolve(cluster.capacityProviderName), Weight: 1 }]);
      return { providers: association.CapacityProviders, group: stack.resolve(cluster.capacityProviderName) };
    };
    // The same list with no service, EC2 services only, and Fargate services (added once): the association never flips.
    for (const services of [[], [FleetCapacity.EC2], [FleetCapacity.FARGATE, FleetCapacity.FARGATE_SPOT, FleetCapacity.EC2]]) {
      const { providers, group } = providersOf(services);
      expect(providers).toEqual([group, 'FARGATE', 'FARGATE_SPOT']);
    }
  });

  test('fargateCapacityProviders: false keeps only the group provider, and a Fargate service on that cluster fails the synth with the fix', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { fargateCapacityProviders: false });
    expect(cluster.fargateCapacityProviders).toBe(false);
    new FleetService(stack, 'Ec2', { cluster, image: 'nginx:1.27' });
    expect(associations(Template.fromStack(stack))[0].CapacityProviders).toEqual([stack.resolve(cluster.capacityProviderName)]);
    expect(() => new FleetService(stack, 'Api', { cluster, image: 'nginx:1.27', capacity: FleetCapacity.FARGATE_SPOT }))
      .toThrow(/^Test\/Api: the cluster Test\/Cluster is made with fargateCapacityProviders: false.*Fix: set fargateCapacityProviders: true on Test\/Cluster \(the default\)/);
    expect(new FleetCluster(testStack(), 'Cluster').fargateCapacityProviders).toBe(true);
  });

  test('the Fargate service waits for the association (it depends on the cluster, the association included)', () => {
    const { template } = fargateStack();
    const [id] = Object.keys(template.findResources('AWS::ECS::ClusterCapacityProviderAssociations'));
    const service = Object.values(template.findResources('AWS::ECS::Service'))[0];
    expect(service.DependsOn).toEqual(expect.arrayContaining([id]));
  });

  test('an imported cluster warns unless it is declared to have the Fargate providers', () => {
    const make = (fargateCapacityProviders?: boolean) => {
      const stack = testStack();
      const vpc = new ec2.Vpc(stack, 'Vpc');
      const cluster = FleetCluster.fromClusterAttributes(stack, 'Platform', {
        clusterName: 'platform', vpc, capacityProviderName: 'platform-asg', fargateCapacityProviders,
        instanceSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678'),
      });
      new FleetService(stack, 'Api', { cluster, image: 'nginx:1.27', capacity: FleetCapacity.FARGATE });
      Template.fromStack(stack).hasResourceProperties('AWS::ECS::Service', { Cluster: 'platform', CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }] });
      return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('FARGATE and FARGATE_SPOT capacity providers'));
    };
    expect(make()).toHaveLength(1);
    expect(make(true)).toEqual([]);
  });
});

describe('Fargate services routed, blue/green and on Service Connect', () => {
  test('a FleetLoadBalancer routes a Fargate service to an IP target group on the container port', () => {
    const { stack, cluster, service } = fargateStack();
    const lb = new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc });
    lb.route(service, { path: '/api/*' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { TargetType: 'ip', Port: 80 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 80, ToPort: 80, GroupId: stack.resolve(service.securityGroup!.securityGroupId), SourceSecurityGroupId: stack.resolve(lb.securityGroup.securityGroupId),
    });
    template.hasResourceProperties('AWS::ECS::Service', { LoadBalancers: [Match.objectLike({ ContainerName: 'app', ContainerPort: 80 })] });
  });

  test('an imported listener routes a Fargate service on an imported cluster to an IP target group, admitting the listener to the task port', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const cluster = FleetCluster.fromClusterAttributes(stack, 'Platform', {
      clusterName: 'platform', vpc, capacityProviderName: 'platform-asg', fargateCapacityProviders: true,
      instanceSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'InstanceSg', 'sg-0123456789abcdef1'),
    });
    const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Listener', {
      listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:493827162534:listener/app/shared/0123456789abcdef/0123456789abcdef',
      securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'AlbSg', 'sg-0123456789abcdef2'),
    });
    const service = new FleetService(stack, 'Api', { cluster, image: 'nginx:1.27', containerPort: 8080, capacity: FleetCapacity.FARGATE_SPOT });
    FleetLoadBalancer.fromListener(stack, 'Shared', { listener, priorityRange: { from: 1000, to: 1999 } }).route(service, { host: 'shop.example.com' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { TargetType: 'ip', Port: 8080 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 8080, ToPort: 8080, GroupId: stack.resolve(service.securityGroup!.securityGroupId), SourceSecurityGroupId: 'sg-0123456789abcdef2',
    });
    template.hasResourceProperties('AWS::ECS::Service', { Cluster: 'platform', CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }] });
    template.resourceCountIs('AWS::ECS::ClusterCapacityProviderAssociations', 0);
  });

  test('deploys blue/green on Fargate between two IP target groups', () => {
    const { stack, cluster, service } = fargateStack({ deploymentStrategy: FleetDeploymentStrategy.BLUE_GREEN });
    new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc }).route(service, { path: '/api/*' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
      DeploymentConfiguration: Match.objectLike({ Strategy: 'BLUE_GREEN' }),
      LoadBalancers: [Match.objectLike({ AdvancedConfiguration: Match.objectLike({ AlternateTargetGroupArn: Match.anyValue() }) })],
    });
    template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', { TargetType: 'ip' }, 2);
  });

  test('joins Service Connect: published ports admit the cluster instances and other awsvpc services, as on EC2', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster');
    const namespace = new servicediscovery.PrivateDnsNamespace(stack, 'Ns', { name: 'internal', vpc: cluster.vpc });
    const service = new FleetService(stack, 'Api', {
      cluster, image: 'nginx:1.27', containerPort: 8080, containerPortName: 'http', capacity: FleetCapacity.FARGATE,
      serviceConnect: { namespace, services: [{ portMappingName: 'http', port: 8080 }] },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::Service', { ServiceConnectConfiguration: Match.objectLike({ Enabled: true }) });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 8080, GroupId: stack.resolve(service.securityGroup!.securityGroupId), SourceSecurityGroupId: stack.resolve(cluster.securityGroup.securityGroupId),
    });
  });
});

test('a Fargate, a Fargate Spot and a routed blue/green Fargate service on Service Connect synthesize with built-in validation (strict), cdk-nag and the preflight checks clean', () => {
  const app = validatedApp();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new FleetPreflightChecks());
  const stack = new Stack(app, 'Fargate', { env: { account: '493827162534', region: 'eu-west-1' } });
  const cluster = new FleetCluster(stack, 'Cluster');
  const lb = new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc });
  const fileSystem = new efs.FileSystem(stack, 'Data', { vpc: cluster.vpc });
  const api = new FleetService(stack, 'Api', {
    cluster, image: 'nginx:1.27', containerPort: 80, capacity: FleetCapacity.FARGATE, deploymentStrategy: FleetDeploymentStrategy.BLUE_GREEN,
    efsVolumes: [{ fileSystem, accessPoint: fileSystem.addAccessPoint('Api', { path: '/api' }), containerPath: '/data' }],
  });
  lb.route(api, { path: '/api/*' });
  const namespace = new servicediscovery.PrivateDnsNamespace(stack, 'Ns', { name: 'internal', vpc: cluster.vpc });
  new FleetService(stack, 'Worker', {
    cluster, image: 'busybox:1.36', containerPort: 8080, containerPortName: 'http', capacity: FleetCapacity.FARGATE_SPOT, fargate: { onDemandBase: 1 },
    serviceConnect: { namespace, services: [{ portMappingName: 'http', port: 8080 }] },
  });
  new FleetService(stack, 'Bridge', { cluster, image: 'nginx:1.27', serviceConnect: { namespace } });
  expect(() => app.synth()).not.toThrow();
});
