import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { FleetCluster, FleetLoadBalancer, FleetService } from '../../lib';
import { cpuHighPercent, latencyHighSeconds, memoryHighPercent, routeAlarmSpecs, serviceAlarmSpecs } from '../../lib/observability/thresholds';
import { testStack } from '../support/fixtures';

function routed(opts: { alarms?: boolean; topic?: boolean } = {}) {
  const stack = testStack();
  const alarmTopic = opts.topic ? new sns.Topic(stack, 'Pager', { enforceSSL: true }) : undefined;
  const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, alarmTopic });
  const service = new FleetService(stack, 'web', { cluster, image: 'nginx:1.27', containerPort: 80, alarms: opts.alarms });
  new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc, accessLogs: false }).route(service, { path: '/*' });
  return { stack, template: Template.fromStack(stack) };
}

const alarmNames = (template: Template) => Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties.AlarmName);

describe('alarms by default', () => {
  const { template } = routed();

  test('a routed service gets CPU, memory and running-task alarms, and 5xx, unhealthy and p99 alarms of its route, with fixed names', () => {
    const names = alarmNames(template);
    for (const kind of ['cpu-high', 'memory-high', 'tasks-below-desired', 'target-5xx', 'unhealthy-targets', 'latency-p99']) {
      expect(names.filter((n) => typeof n === 'string' && n.endsWith(`-${kind}`))).toHaveLength(1);
    }
    // Plus the environment's tasks-not-placed alarm.
    expect(names.filter((n) => n.endsWith('-tasks-not-placed'))).toHaveLength(1);
    expect(names.every((n) => typeof n === 'string' && n.length <= 255)).toBe(true);
  });

  test('every alarm notifies the environment topic on ALARM and OK', () => {
    const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    for (const alarm of Object.values<any>(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topics[0] }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topics[0] }]);
    }
  });

  test('the topic is encrypted with a rotated customer key CloudWatch may use, and admits only this account\'s alarms', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } } })]) },
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish',
        Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' }, ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:*' } },
      })]) },
    });
  });

  test('the route\'s alarms roll deployments back; names are strings, and the service waits for the alarms', () => {
    const names = alarmNames(template).filter((n) => /-(target-5xx|unhealthy-targets|latency-p99)$/.test(n));
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({ Alarms: { AlarmNames: names, Enable: true, Rollback: true }, DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
    });
    const [service] = Object.values<any>(template.findResources('AWS::ECS::Service'));
    const alarmIds = Object.entries<any>(template.findResources('AWS::CloudWatch::Alarm')).filter(([, a]) => names.includes(a.Properties.AlarmName)).map(([id]) => id);
    expect(service.DependsOn).toEqual(expect.arrayContaining(alarmIds));
  });

  test('the 5xx alarm ignores minutes with fewer than 10 requests', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('-target-5xx$'), Threshold: 5, EvaluationPeriods: 5, DatapointsToAlarm: 3,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'IF(FILL(requests, 0) >= 10, 100 * FILL(errors, 0) / requests, 0)' })]),
    });
  });

  test('alarms: false leaves the service without alarms and without deployment alarms', () => {
    const { template: t } = routed({ alarms: false });
    expect(alarmNames(t)).toEqual([]);
    t.hasResourceProperties('AWS::ECS::Service', { DeploymentConfiguration: Match.objectLike({ Alarms: Match.absent() }) });
  });

  test('the cluster\'s own alarmTopic receives every alarm and no topic is made', () => {
    const { template: t } = routed({ topic: true });
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.resourceCountIs('AWS::KMS::Key', 0);
    for (const alarm of Object.values<any>(t.findResources('AWS::CloudWatch::Alarm'))) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: Match.stringLikeRegexp('Pager') as any }].map(() => expect.objectContaining({ Ref: expect.stringMatching(/^Pager/) })));
  });

  test('two services in one stack have distinct alarm names', () => {
    const stack: Stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0 });
    new FleetService(stack, 'a', { cluster, image: 'nginx:1.27' });
    new FleetService(stack, 'b', { cluster, image: 'nginx:1.27' });
    const names = alarmNames(Template.fromStack(stack));
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('deployment alarms and Container Insights (deploy-time review)', () => {
  test('a service routed by two load balancers rolls back on the alarms of both routes', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0 });
    const service = new FleetService(stack, 'web', { cluster, image: 'nginx:1.27', containerPort: 80 });
    new FleetLoadBalancer(stack, 'LbA', { vpc: cluster.vpc, accessLogs: false }).route(service, { path: '/*' });
    new FleetLoadBalancer(stack, 'LbB', { vpc: cluster.vpc, accessLogs: false }).route(service, { path: '/*' });
    const t = Template.fromStack(stack);
    const routeAlarms = alarmNames(t).filter((n) => /-(target-5xx|unhealthy-targets|latency-p99)$/.test(n));
    expect(routeAlarms).toHaveLength(6);
    const [svc] = Object.values<any>(t.findResources('AWS::ECS::Service'));
    expect([...svc.Properties.DeploymentConfiguration.Alarms.AlarmNames].sort()).toEqual([...routeAlarms].sort());
  });

  test('without Container Insights the tasks-below-desired alarm is left out, with a warning', () => {
    const build = () => {
      const stack = testStack();
      const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, containerInsights: false });
      new FleetService(stack, 'web', { cluster, image: 'nginx:1.27' });
      return stack;
    };
    const names = alarmNames(Template.fromStack(build()));
    expect(names.filter((n) => n.endsWith('-tasks-below-desired'))).toEqual([]);
    expect(names.filter((n) => n.endsWith('-cpu-high'))).toHaveLength(1);
    Annotations.fromStack(build()).hasWarning('/Test/web', Match.stringLikeRegexp('no tasks-below-desired alarm: it reads Container Insights'));
  });
});

describe('thresholds (pure)', () => {
  test('CPU: 90 without scaling; 25 points above the scaling target, at most 95', () => {
    expect(cpuHighPercent()).toBe(90);
    expect(cpuHighPercent(60)).toBe(85);
    expect(cpuHighPercent(80)).toBe(95);
  });

  test('memory: 90 % of the hard limit, in ECS\'s terms (relative to the reservation)', () => {
    expect(memoryHighPercent(512)).toBe(90);
    expect(memoryHighPercent(1024, 512)).toBe(180);
    expect(memoryHighPercent(512, 1024)).toBe(90);
  });

  test('unhealthy targets: the health check\'s own time to call a target unhealthy, and a minute more', () => {
    const unhealthy = routeAlarmSpecs({ healthCheckIntervalSeconds: 15, unhealthyThresholdCount: 3 }).find((s) => s.kind === 'unhealthy-targets')!;
    expect(unhealthy.evaluationPeriods).toBe(2);
    expect(routeAlarmSpecs({ healthCheckIntervalSeconds: 30, unhealthyThresholdCount: 5 }).find((s) => s.kind === 'unhealthy-targets')!.evaluationPeriods).toBe(4);
  });

  test('latency: 3 s, or four times the response-time target', () => {
    expect(latencyHighSeconds()).toBe(3);
    expect(latencyHighSeconds(0.25)).toBe(1);
  });

  test('only route alarms roll deployments back; every alarm says why', () => {
    expect(serviceAlarmSpecs({ memoryLimitMiB: 512 }).some((s) => s.rollsBackDeployments)).toBe(false);
    expect(routeAlarmSpecs({ healthCheckIntervalSeconds: 15, unhealthyThresholdCount: 3 }).every((s) => s.rollsBackDeployments)).toBe(true);
    for (const s of [...serviceAlarmSpecs({ memoryLimitMiB: 512 }), ...routeAlarmSpecs({ healthCheckIntervalSeconds: 15, unhealthyThresholdCount: 3 })]) expect(s.why.length).toBeGreaterThan(20);
  });
});

describe('deployment alarms of several routes', () => {
  test('a service routed by two load balancers rolls back on the alarms of both routes (aws-cdk-lib keeps only the first enableDeploymentAlarms call)', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0 });
    const service = new FleetService(stack, 'web', { cluster, image: 'nginx:1.27', containerPort: 80 });
    new FleetLoadBalancer(stack, 'Public', { vpc: cluster.vpc, accessLogs: false }).route(service, { path: '/*' });
    new FleetLoadBalancer(stack, 'Internal', { vpc: cluster.vpc, accessLogs: false, internetFacing: false }).route(service, { path: '/*' });
    const ecsService = Object.values(Template.fromStack(stack).findResources('AWS::ECS::Service'))[0] as any;
    const names: string[] = ecsService.Properties.DeploymentConfiguration.Alarms.AlarmNames;
    expect(names.filter((n) => n.includes('-RoutedByPublic-'))).toHaveLength(3);
    expect(names.filter((n) => n.includes('-RoutedByInternal-'))).toHaveLength(3);
  });
});
