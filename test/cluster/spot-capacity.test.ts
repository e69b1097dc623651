import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FleetCluster, FleetClusterProps } from '../../lib/cluster/fleet-cluster';
import { FleetService } from '../../lib/service/fleet-service';
import { bootService, testStack } from '../support/fixtures';

const t = (name: string) => new ec2.InstanceType(name);

function clusterWith(props: FleetClusterProps) {
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster', props);
  return { stack, cluster };
}

describe('FleetCluster Spot and mixed instance types', () => {
  test('spot: an on-demand base of minCapacity, Spot above it (price-capacity-optimized), capacity rebalancing', () => {
    const { stack } = clusterWith({ instanceType: t('m6i.large'), additionalInstanceTypes: [t('m5.large'), t('m6a.large')], spot: {} });
    Template.fromStack(stack).hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      LaunchTemplate: Match.absent(),
      CapacityRebalance: true,
      MixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: Match.objectLike({ LaunchTemplateId: Match.anyValue() }),
          Overrides: [{ InstanceType: 'm6i.large' }, { InstanceType: 'm5.large' }, { InstanceType: 'm6a.large' }],
        },
        InstancesDistribution: {
          OnDemandAllocationStrategy: 'prioritized',
          OnDemandBaseCapacity: 2,
          OnDemandPercentageAboveBaseCapacity: 0,
          SpotAllocationStrategy: 'price-capacity-optimized',
        },
      },
    });
  });

  test('spot keeps managed draining on, which drains interrupted Spot instances', () => {
    const { stack } = clusterWith({ additionalInstanceTypes: [t('t3a.medium')], spot: {} });
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::CapacityProvider', {
      AutoScalingGroupProvider: Match.objectLike({ ManagedDraining: 'ENABLED', ManagedTerminationProtection: 'DISABLED' }),
    });
  });

  test('spot takes an explicit base and on-demand share', () => {
    const { stack } = clusterWith({ additionalInstanceTypes: [t('t3a.medium')], spot: { onDemandBaseCapacity: 1, onDemandPercentageAboveBaseCapacity: 25 } });
    Template.fromStack(stack).hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MixedInstancesPolicy: Match.objectLike({
        InstancesDistribution: Match.objectLike({ OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 25 }),
      }),
    });
  });

  test('additional instance types alone: a mixed on-demand group, no Spot, no rebalancing', () => {
    const { stack } = clusterWith({ additionalInstanceTypes: [t('t3a.medium')] });
    Template.fromStack(stack).hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      CapacityRebalance: Match.absent(),
      MixedInstancesPolicy: {
        LaunchTemplate: Match.objectLike({ Overrides: [{ InstanceType: 't3.medium' }, { InstanceType: 't3a.medium' }] }),
        InstancesDistribution: { OnDemandAllocationStrategy: 'prioritized', OnDemandPercentageAboveBaseCapacity: 100 },
      },
    });
  });

  test('without either, the group keeps its plain launch template (existing groups do not change)', () => {
    const { stack } = clusterWith({});
    Template.fromStack(stack).hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      LaunchTemplate: Match.objectLike({ LaunchTemplateId: Match.anyValue() }),
      MixedInstancesPolicy: Match.absent(),
      CapacityRebalance: Match.absent(),
    });
  });

  test('the instances still join the cluster through the launch template user data', () => {
    const { stack } = clusterWith({ additionalInstanceTypes: [t('t3a.medium')], spot: {} });
    const templates = Template.fromStack(stack).findResources('AWS::EC2::LaunchTemplate');
    expect(JSON.stringify(Object.values(templates))).toContain('ECS_CLUSTER=');
  });

  test('the mixed policy\'s launch template keeps the encrypted gp3 root volume (why cdk-nag EC26 is acknowledged there)', () => {
    const { stack } = clusterWith({ additionalInstanceTypes: [t('t3a.medium')], spot: {} });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: true, VolumeType: 'gp3' }) }],
      }),
    });
  });

  test('exposes every instance type, instanceType first', () => {
    const { cluster } = clusterWith({ instanceType: t('m6i.large'), additionalInstanceTypes: [t('m5.large')] });
    expect(cluster.instanceTypes!.map(String)).toEqual(['m6i.large', 'm5.large']);
  });

  test('warns that Spot with one instance type draws on a single pool; not with several', () => {
    const one = clusterWith({ spot: {} });
    Annotations.fromStack(one.stack).hasWarning('/Test/Cluster', Match.stringLikeRegexp('single instance type'));
    const several = clusterWith({ additionalInstanceTypes: [t('t3a.medium')], spot: {} });
    Annotations.fromStack(several.stack).hasNoWarning('/Test/Cluster', Match.stringLikeRegexp('single instance type'));
  });

  test.each<[string, FleetClusterProps, RegExp]>([
    ['a base at maxCapacity', { maxCapacity: 3, spot: { onDemandBaseCapacity: 3 } }, /onDemandBaseCapacity 3 is not below maxCapacity 3/],
    ['an on-demand share of 100 %', { spot: { onDemandPercentageAboveBaseCapacity: 100 } }, /is 100, so no instance would ever be Spot/],
    ['a share above 100 %', { spot: { onDemandPercentageAboveBaseCapacity: 150 } }, /onDemandPercentageAboveBaseCapacity/],
    ['a negative base', { spot: { onDemandBaseCapacity: -1 } }, /onDemandBaseCapacity/],
    ['a repeated type', { additionalInstanceTypes: [t('t3.medium')] }, /lists t3.medium twice/],
    ['another architecture', { additionalInstanceTypes: [t('t4g.medium')] }, /t4g.medium is arm64 but instanceType t3.medium is x86_64/],
    ['more than 40 types', { additionalInstanceTypes: Array.from({ length: 40 }, (_, i) => t(`m5.${i + 2}xlarge`)) }, /at most 39 additional types/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => clusterWith(props)).toThrow(message);
  });

  test('accepts a base below maxCapacity, a share below 100 % and same-architecture types', () => {
    expect(() => clusterWith({ maxCapacity: 3, additionalInstanceTypes: [t('t3a.medium'), t('m5.large')], spot: { onDemandBaseCapacity: 2, onDemandPercentageAboveBaseCapacity: 99 } })).not.toThrow();
  });
});

describe('FleetService fits the smallest instance type of a mixed cluster', () => {
  test('a task that fits the primary type but not an additional, smaller one is refused, naming that type', () => {
    const { stack, cluster } = clusterWith({ instanceType: t('m6i.xlarge'), additionalInstanceTypes: [t('m6i.large')], spot: {} });
    expect(() => bootService(stack, cluster, { cpu: 3072, memoryLimitMiB: 1024 })).toThrow(/more than a m6i.large instance has/);
  });

  test('a task that fits every type is accepted', () => {
    const { stack, cluster } = clusterWith({ instanceType: t('m6i.xlarge'), additionalInstanceTypes: [t('m6i.large')], spot: {} });
    expect(() => bootService(stack, cluster, { cpu: 2048, memoryLimitMiB: 4096 })).not.toThrow();
  });

  test('containers added later are checked against every type too', () => {
    const { stack, cluster } = clusterWith({ instanceType: t('r6i.large'), additionalInstanceTypes: [t('c6i.large')] });
    const service = new FleetService(stack, 'Svc', { cluster, image: 'nginx:1.27', memoryLimitMiB: 3000 });
    service.taskDefinition.addContainer('sidecar', { image: ecs.ContainerImage.fromRegistry('busybox:1.36'), memoryLimitMiB: 2000 });
    expect(() => Template.fromStack(stack)).toThrow(/more than a c6i.large instance has/);
  });
});

describe('the scaling capacity check of a mixed cluster', () => {
  test('counts every instance as the smallest type: a smaller additional type turns a fitting plan into a warning', () => {
    const plan = (additionalInstanceTypes: ec2.InstanceType[]) => {
      const stack = testStack();
      const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, instanceType: t('r6i.large'), additionalInstanceTypes, minCapacity: 1, maxCapacity: 2 });
      new FleetService(stack, 'web', { cluster, image: 'nginx:1.27', cpu: 512, memoryLimitMiB: 3000, scaling: { maxTasks: 4 } });
      return stack;
    };
    // 2 × r6i.large (16 GiB each) hold 4 × 3,000 MiB; 2 × c6i.large (4 GiB each) hold only 2.
    Annotations.fromStack(plan([])).hasNoWarning('*', Match.stringLikeRegexp('PROVISIONING'));
    Annotations.fromStack(plan([t('c6i.large')])).hasWarning('/Test/Cluster', Match.stringLikeRegexp('PROVISIONING'));
  });
});
