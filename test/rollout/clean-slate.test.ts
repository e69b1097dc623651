import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { CleanSlate } from '../../lib/rollout/clean-slate';
import { RegionalEndpoint } from '../../lib/rollout/regional-endpoint';
import { unitTestApp } from '../support/app';

const env = { account: '111111111111', region: 'eu-west-1' };

describe('CleanSlate', () => {
  let defaults: Template;
  let tuned: Template;
  let definition: any;

  beforeAll(() => {
    // Two bundlings in all: one stack with the defaults, one with every option.
    const app = unitTestApp();
    const a = new Stack(app, 'Defaults', { env });
    new CleanSlate(a, 'CleanSlate', { cluster: new FleetCluster(a, 'Cluster') });
    const b = new Stack(app, 'Tuned', { env });
    new CleanSlate(b, 'CleanSlate', {
      cluster: new FleetCluster(b, 'Cluster'),
      schedule: scheduler.ScheduleExpression.cron({ hour: '2', minute: '30' }),
      enabled: false,
      minHealthyPercentage: 90,
      maxHealthyPercentage: 110,
      timeout: Duration.hours(3),
      pollInterval: Duration.seconds(30),
      maxInstanceLifetime: Duration.days(7),
      alarmTopic: new sns.Topic(b, 'Pager', { enforceSSL: true }),
    });
    defaults = Template.fromStack(a);
    tuned = Template.fromStack(b);
    const sm = Object.values(defaults.findResources('AWS::StepFunctions::StateMachine'))[0] as any;
    const parts = sm.Properties.DefinitionString['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : 'X'));
    definition = JSON.parse(parts.join(''));
  });

  test('runs at midnight UTC by default, starting the state machine through EventBridge Scheduler, in its own schedule group', () => {
    defaults.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    defaults.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 0 * * ? *)',
      State: 'ENABLED',
      GroupName: Match.stringLikeRegexp('^Defaults-CleanSlate-ScheduleGroup-'),
      Target: { Arn: { Ref: Match.stringLikeRegexp('CleanSlateStateMachine') }, RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 1800 } },
    });
  });

  test('enabled: false pauses the schedule; a custom schedule is used as given', () => {
    tuned.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(30 2 * * ? *)', State: 'DISABLED' });
  });

  test('no reserved concurrency (it fails on accounts whose quota is 10); the handler knows its cluster, group and limits', () => {
    defaults.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      ReservedConcurrentExecutions: Match.absent(),
      Environment: { Variables: {
        CLUSTER_NAME: { Ref: Match.stringLikeRegexp('ClusterEcsCluster') },
        ASG_NAME: { Ref: Match.stringLikeRegexp('ClusterCapacityASG') },
        MIN_HEALTHY_PERCENTAGE: '100', MAX_HEALTHY_PERCENTAGE: '150', TIMEOUT_SECONDS: '7200',
      } },
    });
    tuned.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ MIN_HEALTHY_PERCENTAGE: '90', MAX_HEALTHY_PERCENTAGE: '110', TIMEOUT_SECONDS: '10800' }) } });
  });

  test('IAM: writes only to this cluster\'s services and this group; ListServices is pinned by the ecs:cluster condition', () => {
    const policy = Object.entries(defaults.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('CleanSlateFunction'))![1] as any;
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CleanSlateFunctionLogs/), 'Arn'] } },
      { Action: 'ecs:ListServices', Effect: 'Allow', Resource: '*', Condition: { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/^ClusterEcsCluster/), 'Arn'] } } } },
      { Action: ['ecs:DescribeServices', 'ecs:UpdateService'], Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:aws:ecs:eu-west-1:111111111111:service/', { Ref: expect.stringMatching(/^ClusterEcsCluster/) }, '/*']] } },
      { Action: 'autoscaling:StartInstanceRefresh', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:*:autoScalingGroupName/', { Ref: expect.stringMatching(/^ClusterCapacityASG/) }]] } },
      { Action: 'autoscaling:DescribeInstanceRefreshes', Effect: 'Allow', Resource: '*' },
      { Action: 'states:ListExecutions', Effect: 'Allow', Resource: expect.stringMatching(/^arn:aws:states:eu-west-1:111111111111:stateMachine:Defaults-CleanSlate-/) },
    ]);
  });

  test('the state machine: lock, start, then wait and check until stable; only the oldest of concurrent runs goes on', () => {
    expect(definition.StartAt).toBe('Lock');
    expect(definition.States.Lock).toMatchObject({ Parameters: { Payload: { action: 'lock', 'execution.$': '$$.Execution.Id', 'startedAt.$': '$$.Execution.StartTime', 'stateMachine.$': '$$.StateMachine.Id' } } });
    expect(definition.States['Alone?'].Choices[0]).toEqual({ Variable: '$.lock.oldest', BooleanEquals: false, Next: 'AlreadyRunning' });
    expect(definition.States.AlreadyRunning).toMatchObject({ Type: 'Fail', Error: 'CleanSlate.AlreadyRunning' });
    expect(definition.States.Start.Next).toBe('Settle');
    expect(definition.States.Settle).toEqual({ Type: 'Wait', Seconds: 60, Next: 'Check' });
    expect(definition.States['Stable?']).toMatchObject({ Choices: [{ Variable: '$.check.result.stable', BooleanEquals: true, Next: 'Stable' }], Default: 'Settle' });
    // The handler's own errors are final: retrying a failed refresh or a late run would hide it.
    const retried = definition.States.Check.Retry.flatMap((r: any) => r.ErrorEquals);
    expect(retried).not.toContain('CleanSlateFailed');
    expect(retried).not.toContain('CleanSlateTimedOut');
    expect(definition.TimeoutSeconds).toBe(7200 + 900);
  });

  test('the state machine logs every event with execution data and traces with X-Ray (AwsSolutions-SF1, SF2)', () => {
    defaults.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      TracingConfiguration: { Enabled: true },
    });
  });

  test('only the handler may list the state machine\'s executions (the lock), and only its own', () => {
    const policy = (prefix: string) => Object.entries(defaults.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith(prefix))![1] as any;
    const sm = Object.values(defaults.findResources('AWS::StepFunctions::StateMachine'))[0] as any;
    const states = (p: any) => p.Properties.PolicyDocument.Statement.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('states:')));
    expect(states(policy('CleanSlateFunction'))).toEqual([{ Action: 'states:ListExecutions', Effect: 'Allow', Resource: `arn:aws:states:eu-west-1:111111111111:stateMachine:${sm.Properties.StateMachineName}` }]);
    expect(states(policy('CleanSlateStateMachineRole'))).toEqual([]);
  });

  test('nightly: false creates no schedule, for a region a FleetConductor drives; schedule props then are an error', () => {
    const stack = new Stack(unitTestApp(), 'Driven', { env });
    const cluster = new FleetCluster(stack, 'Cluster');
    const cs = new CleanSlate(stack, 'CleanSlate', { cluster, nightly: false });
    expect(cs.schedule).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::Scheduler::Schedule', 0);
    Template.fromStack(stack).resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
    expect(() => new CleanSlate(stack, 'Other', { cluster, nightly: false, enabled: true })).toThrow(/schedule or enabled was given with nightly: false/);
  });

  test('alarms on failed, timed-out and aborted runs; pages the topic when one is given', () => {
    defaults.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)' })]),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: Match.absent(),
    });
    tuned.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('Pager') }] });
  });

  test('maxInstanceLifetime sets the group\'s maximum instance lifetime; absent by default', () => {
    tuned.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MaxInstanceLifetime: 604800 });
    defaults.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MaxInstanceLifetime: Match.absent() });
  });

  describe('bad input', () => {
    const build = (props: Record<string, unknown>) => {
      const stack = new Stack(unitTestApp(), 'S', { env });
      return () => new CleanSlate(stack, 'CleanSlate', { cluster: new FleetCluster(stack, 'Cluster'), ...props });
    };
    test.each([
      [{ minHealthyPercentage: 120 }, /S\/CleanSlate: minHealthyPercentage 120 is not valid\. Fix: use a whole percentage from 0 to 100/],
      [{ maxHealthyPercentage: 250 }, /maxHealthyPercentage 250 is not valid/],
      [{ minHealthyPercentage: 0, maxHealthyPercentage: 150 }, /maxHealthyPercentage 150 is more than 100 above minHealthyPercentage 0/],
      [{ timeout: Duration.minutes(1) }, /timeout 1 minute is not valid\. Fix: use 5 minutes to 1 day/],
      [{ pollInterval: Duration.seconds(1) }, /pollInterval 1 second is not valid/],
      [{ maxInstanceLifetime: Duration.hours(2) }, /maxInstanceLifetime 2 hours is not valid\. Fix: use whole seconds, 1 day to 365 days/],
    ])('%j', (props, message) => {
      expect(build(props)).toThrow(message);
    });
  });
});

describe('RegionalEndpoint', () => {
  const build = (props: Record<string, unknown> = {}, stackEnv: any = env) => {
    const stack = new Stack(unitTestApp(), 'S', { env: stackEnv });
    const cluster = new FleetCluster(stack, 'Cluster');
    // Access logs need a concrete region; the region-agnostic case is about the endpoint's own error.
    const lb = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc, accessLogs: stackEnv.region ? undefined : false });
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
    const endpoint = new RegionalEndpoint(stack, 'Endpoint', { zone, recordName: 'app.example.com', loadBalancer: lb.loadBalancer, ...props });
    return { stack, endpoint, template: () => Template.fromStack(stack) };
  };

  test('a latency record for the region, aliased to the load balancer with target health, tied to a health check', () => {
    const t = build({ healthCheckPath: '/health' }).template();
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'app.example.com.',
      Type: 'A',
      Region: 'eu-west-1',
      SetIdentifier: 'eu-west-1',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      HealthCheckId: { Ref: Match.stringLikeRegexp('EndpointHealthCheck') },
      AliasTarget: Match.objectLike({ EvaluateTargetHealth: true, DNSName: Match.anyValue() }),
    });
    t.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({
        Type: 'HTTP', ResourcePath: '/health', Port: 80, FailureThreshold: 3, RequestInterval: 30,
        FullyQualifiedDomainName: { 'Fn::GetAtt': [Match.stringLikeRegexp('LoadBalancer'), 'DNSName'] },
        // The conductor's flag: a value here would be written back by a deployment during a night (issue 22 item 7).
        Inverted: Match.absent(),
      }),
    });
  });

  test('HTTPS health checks on 443 for a load balancer that only redirects HTTP', () => {
    build({ healthCheckProtocol: elbv2.ApplicationProtocol.HTTPS, healthCheckInterval: Duration.seconds(10) }).template()
      .hasResourceProperties('AWS::Route53::HealthCheck', { HealthCheckConfig: Match.objectLike({ Type: 'HTTPS', Port: 443, RequestInterval: 10 }) });
  });

  test("healthCheckProtocol is elbv2.ApplicationProtocol, whose values are the old strings: a JavaScript caller's 'HTTPS' still means HTTPS", () => {
    expect([elbv2.ApplicationProtocol.HTTP, elbv2.ApplicationProtocol.HTTPS]).toEqual(['HTTP', 'HTTPS']);
    build({ healthCheckProtocol: 'HTTPS' as elbv2.ApplicationProtocol }).template()
      .hasResourceProperties('AWS::Route53::HealthCheck', { HealthCheckConfig: Match.objectLike({ Type: 'HTTPS', Port: 443 }) });
  });

  test.each([
    [{ healthCheckPath: 'health' }, env, /healthCheckPath 'health' does not start with '\/'/],
    [{ healthCheckInterval: Duration.seconds(20) }, env, /healthCheckInterval 20 seconds is not valid/],
    [{ failureThreshold: 0 }, env, /failureThreshold 0 is not valid/],
    [{}, {}, /the stack has no concrete region/],
  ])('bad input %j', (props, stackEnv, message) => {
    expect(() => build(props, stackEnv)).toThrow(message);
  });
});
