import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import fc from 'fast-check';
import { FleetCluster, FleetLoadBalancer, FleetService, WeekDays } from '../../lib';
import { capacityShortfall, DEFAULT_CPU_PERCENT, isTimeZone, planScaling } from '../../lib/scaling/plan';
import { testStack } from '../support/fixtures';

function setup(scaling?: ConstructorParameters<typeof FleetService>[2]['scaling'], route = false) {
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0 });
  const service = new FleetService(stack, 'web', { cluster, image: 'nginx:1.27', containerPort: 80, scaling });
  if (route) new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc, accessLogs: false }).route(service, { path: '/*' });
  return { stack, cluster, service, template: () => Template.fromStack(stack) };
}

describe('FleetService scaling', () => {
  test('a service that scales has no DesiredCount, so a deploy never resets it; a fixed one keeps DesiredCount 2', () => {
    const scaled = setup({ maxTasks: 10 }).template();
    scaled.hasResourceProperties('AWS::ECS::Service', { DesiredCount: Match.absent() });
    scaled.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2, MaxCapacity: 10, ScalableDimension: 'ecs:service:DesiredCount', ServiceNamespace: 'ecs',
      RoleARN: Match.stringLikeRegexp(':role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService$'),
    });
    setup().template().hasResourceProperties('AWS::ECS::Service', { DesiredCount: 2 });
    setup().template().resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
  });

  test(`with no target given it tracks CPU at ${DEFAULT_CPU_PERCENT} %, scaling out after 1 minute and in after 5`, () => {
    const t = setup({ minTasks: 2, maxTasks: 6 }).template();
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 1);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, TargetValue: DEFAULT_CPU_PERCENT,
        ScaleInCooldown: 300, ScaleOutCooldown: 60,
      },
    });
  });

  test('memory, requests per target of each route and response time are targets of their own', () => {
    const t = setup({ maxTasks: 10, cpuPercent: 60, memoryPercent: 75, requestsPerTarget: 1000, responseTime: Duration.millis(400) }, true).template();
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', { TargetTrackingScalingPolicyConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageMemoryUtilization' }, TargetValue: 75 } });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: { 'Fn::Join': ['', Match.arrayWith([Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['LoadBalancerFullName']) })])] } },
        TargetValue: 1000,
      },
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: { CustomizedMetricSpecification: Match.objectLike({ MetricName: 'TargetResponseTime', Namespace: 'AWS/ApplicationELB', Statistic: 'Average' }), TargetValue: 0.4 },
    });
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 4);
  });

  test('response time only adds tasks (no data without requests would hold a quiet service at its peak); CPU removes them', () => {
    const t = setup({ maxTasks: 10, responseTime: Duration.millis(300) }, true).template();
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', { TargetTrackingScalingPolicyConfiguration: { CustomizedMetricSpecification: Match.objectLike({ MetricName: 'TargetResponseTime' }), DisableScaleIn: true } });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', { TargetTrackingScalingPolicyConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, TargetValue: DEFAULT_CPU_PERCENT } });
  });

  test('queue scaling on a cluster without Container Insights fails: the backlog per task would have no data', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, containerInsights: false });
    const queue = new sqs.Queue(stack, 'Jobs', { enforceSSL: true });
    expect(() => new FleetService(stack, 'worker', { cluster, image: 'busybox:1.36', scaling: { minTasks: 1, maxTasks: 5, queue: { queue, messagesPerTask: 10 } } }))
      .toThrow(/scaling.queue: scales on the backlog per running task.*Container Insights off.*Fix: turn containerInsights on/);
  });

  test('request and response-time targets wait for a route: an unrouted service has none', () => {
    setup({ maxTasks: 10, requestsPerTarget: 1000 }).template().resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 0);
  });

  test('a queue backlog per task is tracked with metric math: visible messages over running tasks', () => {
    const { stack, cluster } = setup();
    const queue = new sqs.Queue(stack, 'Jobs', { enforceSSL: true });
    new FleetService(stack, 'worker', { cluster, image: 'busybox:1.36', scaling: { minTasks: 1, maxTasks: 20, queue: { queue, messagesPerTask: 50 } } });
    Template.fromStack(stack).hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 50,
        CustomizedMetricSpecification: {
          Metrics: [
            Match.objectLike({ Id: 'visible', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ApproximateNumberOfMessagesVisible' }), Stat: 'Sum' }) }),
            Match.objectLike({ Id: 'running', MetricStat: Match.objectLike({ Metric: Match.objectLike({ Namespace: 'ECS/ContainerInsights', MetricName: 'RunningTaskCount' }) }) }),
            { Id: 'backlog', Expression: 'visible / running', Label: 'visible messages per running task', ReturnData: true },
          ],
        },
      },
    });
  });

  test('schedules become scheduled actions in their time zone, weekdays only when asked', () => {
    const t = setup({ maxTasks: 10, schedules: [{ hour: 7, minTasks: 4, weekDays: WeekDays.WEEKDAYS, timeZone: 'Europe/Berlin' }, { hour: 20, minute: 30, minTasks: 1 }] }).template();
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScheduledActions: [
        { ScalableTargetAction: { MinCapacity: 4, MaxCapacity: 10 }, Schedule: 'cron(0 7 ? * MON-FRI *)', ScheduledActionName: 'Schedule1', Timezone: 'Europe/Berlin' },
        { ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 10 }, Schedule: 'cron(30 20 * * ? *)', ScheduledActionName: 'Schedule2', Timezone: 'UTC' },
      ],
    });
  });

  test.each([
    [{ minTasks: 5, maxTasks: 3 }, /scaling.minTasks: 5 is more than maxTasks \(3\).*Fix: raise maxTasks/],
    [{ maxTasks: 0 }, /scaling.maxTasks: 0 is not a whole number from 1 to 5000/],
    [{ maxTasks: 4, cpuPercent: 120 }, /scaling.cpuPercent: 120 is not a percentage/],
    [{ maxTasks: 4, schedules: [{ hour: 24, minTasks: 1 }] }, /scaling.schedules\[0\].hour: 24/],
    [{ maxTasks: 4, schedules: [{ hour: 7, minTasks: 1, timeZone: 'Mars/Olympus' }] }, /'Mars\/Olympus' is not an IANA time zone/],
  ])('bad settings fail at synth with the path and the fix: %j', (scaling, message) => {
    expect(() => setup(scaling as any)).toThrow(message);
    expect(() => setup(scaling as any)).toThrow(/^Test\/web: /);
  });

  test('scaling on a queue needs at least one task', () => {
    const { stack, cluster } = setup();
    const queue = new sqs.Queue(stack, 'Jobs', { enforceSSL: true });
    expect(() => new FleetService(stack, 'worker', { cluster, image: 'busybox:1.36', scaling: { minTasks: 0, maxTasks: 5, queue: { queue, messagesPerTask: 10 } } }))
      .toThrow(/minTasks: is 0 while scaling on a queue.*Fix: give minTasks of at least 1/);
  });

  test('a warning when the largest task counts cannot fit the cluster\'s maximum capacity, none when they can', () => {
    const small = (services: Array<[string, number]>) => {
      const stack = testStack();
      const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, instanceType: new ec2.InstanceType('t3.small'), minCapacity: 1, maxCapacity: 2 });
      for (const [name, memoryLimitMiB] of services) new FleetService(stack, name, { cluster, image: 'nginx:1.27', cpu: 512, memoryLimitMiB, scaling: { maxTasks: 4 } });
      return stack;
    };
    // 2 × t3.small: 4,096 CPU units and 4,096 MiB. web alone at 4 × (512, 512) fits; with api at 4 × (512, 1024) it cannot.
    Annotations.fromStack(small([['web', 512]])).hasNoWarning('*', Match.stringLikeRegexp('PROVISIONING'));
    Annotations.fromStack(small([['web', 512], ['api', 1024]])).hasWarning('/Test/Cluster', Match.stringLikeRegexp('at their largest counts \\(Test/web 4, Test/api 4\\).*more than 2 instances can hold.*Raise the cluster\'s maxCapacity'));
  });
});

describe('scaling plan (pure)', () => {
  test('defaults: min from desiredCount, CPU 70 only when no target is given, cooldowns 300/60', () => {
    expect(planScaling({ maxTasks: 5 }, 2).plan).toMatchObject({ minTasks: 2, maxTasks: 5, cpuPercent: 70, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 });
    expect(planScaling({ maxTasks: 5, requestsPerTarget: 100 }, 2).plan.cpuPercent).toBeUndefined();
  });

  test('time zones: IANA names pass, others do not', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  test('property: what fits never uses more instances than given; one task bigger than an instance never fits', () => {
    const instance = { cpu: 2048, memoryMiB: 4096 };
    fc.assert(fc.property(fc.array(fc.record({ count: fc.integer({ min: 0, max: 20 }), cpu: fc.integer({ min: 1, max: 2048 }), memoryMiB: fc.integer({ min: 1, max: 4096 }) }), { maxLength: 4 }),
      fc.integer({ min: 1, max: 10 }), (ds, max) => {
        const demands = ds.map((d, i) => ({ ...d, name: `s${i}` }));
        const totalCpu = demands.reduce((s, d) => s + d.count * d.cpu, 0);
        const totalMem = demands.reduce((s, d) => s + d.count * d.memoryMiB, 0);
        const problem = capacityShortfall(instance, max, demands);
        // Whatever the packing, more than the instances hold in total can never fit.
        if (totalCpu > max * instance.cpu || totalMem > max * instance.memoryMiB) expect(problem).toBeDefined();
        // One task per instance always fits when there are enough instances.
        if (demands.reduce((s, d) => s + d.count, 0) <= max) expect(problem).toBeUndefined();
      }));
    expect(capacityShortfall(instance, 100, [{ name: 'big', count: 1, cpu: 4096, memoryMiB: 1 }])).toBeDefined();
  });
});
