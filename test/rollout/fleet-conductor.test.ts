import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { CleanSlate } from '../../lib/rollout/clean-slate';
import { FleetConductor } from '../../lib/rollout/fleet-conductor';
import { RegionalEndpoint } from '../../lib/rollout/regional-endpoint';
import { SCENARIOS, simulate } from '../../bench/conductor-sim';
import { unitTestApp } from '../support/app';

const ACCOUNT = '111111111111';
const LATENCY = { 'eu-west-1': { 'us-east-1': 70, 'ap-southeast-2': 280 }, 'us-east-1': { 'ap-southeast-2': 200 } };

function region(app: App, name: string, nightly = false) {
  const stack = new Stack(app, `Production-${name}`, { env: { account: ACCOUNT, region: name } });
  const cluster = new FleetCluster(stack, 'Cluster');
  const cleanSlate = new CleanSlate(stack, 'CleanSlate', { cluster, nightly });
  const lb = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc });
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
  const endpoint = new RegionalEndpoint(stack, 'Endpoint', { zone, recordName: 'app.example.com', loadBalancer: lb.loadBalancer, healthCheckPath: '/health' });
  return { stack, cleanSlate, endpoint };
}

/** The state machine's definition, with references replaced by 'X'. */
function definitionOf(t: Template): any {
  const sm = Object.values(t.findResources('AWS::StepFunctions::StateMachine'))[0] as any;
  const parts = sm.Properties.DefinitionString['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : 'X'));
  return JSON.parse(parts.join(''));
}

describe('FleetConductor', () => {
  let app: App;
  let home: Stack;
  let regions: Array<ReturnType<typeof region>>;
  let conductor: FleetConductor;
  let t: Template;
  let definition: any;

  beforeAll(() => {
    app = unitTestApp();
    regions = ['eu-west-1', 'us-east-1', 'ap-southeast-2'].map((r) => region(app, r));
    home = new Stack(app, 'ProductionConductor', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    conductor = new FleetConductor(home, 'Conductor', { fleetName: 'production', regions: regions.map(({ cleanSlate, endpoint }) => ({ cleanSlate, endpoint })), latencyMs: LATENCY });
    t = Template.fromStack(home);
    definition = definitionOf(t);
  });

  test('exactly one nightly trigger for the fleet, in its own schedule group, and none per region', () => {
    t.resourceCountIs('AWS::Scheduler::Schedule', 1);
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 0 * * ? *)',
      GroupName: Match.stringLikeRegexp('^ProductionConductor-ScheduleGroup'),
      Target: Match.objectLike({ Input: JSON.stringify({ trigger: 'schedule' }) }),
    });
    for (const r of regions) Template.fromStack(r.stack).resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  test('the chain: open, lock, plan, then per region withdraw, drain, clean slate, health, restore, watch, advance', () => {
    expect(definition.StartAt).toBe('Open');
    const next = (s: string) => definition.States[s].Next;
    expect([next('Open'), next('Lock'), next('Plan')]).toEqual(['Lock', 'Plan', 'NextRegion?']);
    expect(definition.States['NextRegion?']).toMatchObject({ Choices: [{ Variable: '$.night.done', BooleanEquals: true, Next: 'Finish' }], Default: 'Withdraw' });
    expect([next('Withdraw'), next('Drain'), next('StartCleanSlate'), next('CleanSlateWait'), next('CheckCleanSlate')])
      .toEqual(['Drain', 'StartCleanSlate', 'CleanSlateWait', 'CheckCleanSlate', 'CleanSlateDone?']);
    expect(definition.States['CleanSlateDone?']).toMatchObject({ Choices: [{ StringEquals: 'RUNNING', Next: 'CleanSlateWait' }, { StringEquals: 'SUCCEEDED', Next: 'CheckHealth' }], Default: 'RegionFailed' });
    expect(definition.States['Healthy?']).toMatchObject({ Choices: [{ StringEquals: 'healthy', Next: 'Restore' }, { StringEquals: 'pending', Next: 'HealthWait' }], Default: 'RegionFailed' });
    expect([next('Restore'), next('SettleWait'), next('Watch')]).toEqual(['SettleWait', 'Watch', 'Settled?']);
    expect(definition.States['Settled?']).toMatchObject({ Choices: [{ StringEquals: 'settled', Next: 'Advance' }, { StringEquals: 'watching', Next: 'SettleWait' }], Default: 'RegionFailed' });
    expect(next('Advance')).toBe('NextRegion?');
    expect([next('RegionFailed'), next('UnlockAfterFailure')]).toEqual(['UnlockAfterFailure', 'Halted']);
    expect(definition.States.Halted).toMatchObject({ Type: 'Fail', Error: 'Conductor.Halted' });
    // Drain = the slowest region's health-check detection (3 × 30 s) + alias TTL 60 s + 30 s for the change to reach the checkers.
    expect(definition.States.Drain).toMatchObject({ Seconds: 180 });
  });

  test('the simulation walks exactly this state machine: every state it enters exists, and every state is entered', async () => {
    const entered = new Set<string>();
    for (const s of SCENARIOS) (await simulate(s)).states.forEach((x) => entered.add(x));
    expect([...entered].sort()).toEqual(Object.keys(definition.States).sort());
  });

  test('every task after the lock halts through RegionFailed on any error; throttling is retried first', () => {
    for (const s of ['Plan', 'Withdraw', 'StartCleanSlate', 'CheckCleanSlate', 'CheckHealth', 'Restore', 'Watch', 'Advance', 'Finish']) {
      expect(definition.States[s].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.night.caught', Next: 'RegionFailed' }]);
      expect(definition.States[s].Retry.flatMap((r: any) => r.ErrorEquals)).toEqual(expect.arrayContaining(['ThrottlingException', 'Throttling']));
    }
  });

  test('the fleet lock is a conditional DynamoDB write; a second night is refused without touching anything', () => {
    expect(definition.States.Lock).toMatchObject({
      Resource: 'arn:X:states:::dynamodb:putItem',
      Parameters: { ConditionExpression: 'attribute_not_exists(#lock) OR #expiresAt < :now', Item: { holder: { 'S.$': '$.night.execution' }, expiresAt: { 'N.$': '$.night.lease.until' } } },
      Catch: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: 'AlreadyRunning' }],
    });
    expect(definition.States.Unlock.Parameters).toMatchObject({ ConditionExpression: '#holder = :me' });
  });

  test('the conductor reaches every region: exact parameters, state machines and executions; GetMetricData alone on *', () => {
    const policy = Object.entries(t.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('ConductorFunctionRole'))![1] as any;
    const rendered = JSON.stringify(home.resolve(policy.Properties.PolicyDocument.Statement));
    for (const r of regions) {
      const name = r.cleanSlate.stateMachineName;
      expect(rendered).toContain(`:ssm:${r.stack.region}:${ACCOUNT}:parameter/cdk-container-fleet/production/conductor/${r.stack.region}`);
      expect(rendered).toContain(`:states:${r.stack.region}:${ACCOUNT}:stateMachine:${name}"`);
      expect(rendered).toContain(`:states:${r.stack.region}:${ACCOUNT}:execution:${name}:*`);
    }
    const star = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Resource === '*');
    expect(star).toEqual([{ Action: 'cloudwatch:GetMetricData', Effect: 'Allow', Resource: '*' }]);
    t.hasResourceProperties('AWS::IAM::Role', { RoleName: 'production-fleet-conductor' });
    const ssmActions = policy.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()).filter((a: string) => a.startsWith('ssm:'));
    expect([...new Set(ssmActions)].sort()).toEqual(['ssm:GetParameter', 'ssm:PutParameter']);
  });

  test('alarm gate: DescribeAlarms on each region\'s alarms only, and each region publishes its alarm topic', () => {
    const policy = Object.entries(t.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('ConductorFunctionRole'))![1] as any;
    const statements = home.resolve(policy.Properties.PolicyDocument.Statement).filter((s: any) => s.Action === 'cloudwatch:DescribeAlarms');
    // One statement (policies merge), each region's alarms by ARN, never every region's.
    expect(statements.flatMap((s: any) => [s.Resource].flat()).sort()).toEqual(regions.map((r) => `arn:aws:cloudwatch:${r.stack.region}:${ACCOUNT}:alarm:*`).sort());
    for (const r of regions) {
      const value = Template.fromStack(r.stack).findResources('AWS::SSM::Parameter', { Properties: { Name: `/cdk-container-fleet/production/conductor/${r.stack.region}` } });
      const rendered = JSON.stringify(Object.values(value)[0]);
      expect(rendered).toContain('alarmTopicArn');
      expect(rendered).toMatch(/ClusterAlarmsTopic/);
    }
  });

  test('alarm gate: alarmGate false publishes no topic and grants no DescribeAlarms', () => {
    const app2 = unitTestApp();
    const r = region(app2, 'eu-west-1');
    const home2 = new Stack(app2, 'ProductionConductor', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    new FleetConductor(home2, 'Conductor', { fleetName: 'production', regions: [{ cleanSlate: r.cleanSlate, endpoint: r.endpoint, alarmGate: false }] });
    expect(JSON.stringify(Template.fromStack(home2).findResources('AWS::IAM::Policy'))).not.toContain('cloudwatch:DescribeAlarms');
    const param = Template.fromStack(r.stack).findResources('AWS::SSM::Parameter', { Properties: { Name: '/cdk-container-fleet/production/conductor/eu-west-1' } });
    expect(JSON.stringify(Object.values(param)[0])).toContain('\\"alarmTopicArn\\":\\"\\"');
  });

  test('each region publishes its target and grants its own health check, and deploys after the conductor', () => {
    for (const r of regions) {
      const rt = Template.fromStack(r.stack);
      rt.hasResourceProperties('AWS::SSM::Parameter', { Name: `/cdk-container-fleet/production/conductor/${r.stack.region}` });
      rt.hasResourceProperties('AWS::IAM::Policy', {
        // Its own name per region: an inline policy name is unique per role, and every region attaches one to this role.
        PolicyName: `conductor-health-check-${r.stack.region}`,
        Roles: ['production-fleet-conductor'],
        PolicyDocument: { Statement: [{
          Action: ['route53:GetHealthCheck', 'route53:GetHealthCheckStatus', 'route53:UpdateHealthCheck'], Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:aws:route53:::healthcheck/', { Ref: Match.stringLikeRegexp('EndpointHealthCheck') }]] },
        }] },
      });
      expect(r.stack.dependencies).toContain(home);
    }
  });

  test('alarms when a night halts, is refused, times out or is aborted; keeps last night\'s record', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { Metrics: Match.arrayWith([Match.objectLike({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)' })]) });
    t.hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdk-container-fleet/production/last-night' });
    expect(conductor.recordParameter).toBeDefined();
  });

  test('the handler knows the regions, the timings and the window', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({
        REGIONS: JSON.stringify(['eu-west-1', 'us-east-1', 'ap-southeast-2']), LATENCY_MS: JSON.stringify(LATENCY),
        WINDOW_SECONDS: '28800', SETTLE_SECONDS: '600', POLL_SECONDS: '60', DRAIN_SECONDS: '180',
        STEP_BUDGET_SECONDS: String(7200 + 180 + 600 + 600 + 120),
      }) },
    });
  });

  test('schedule, pause, window, settle and alarm topic are honoured', () => {
    const a = unitTestApp();
    const rs = [region(a, 'eu-west-1'), region(a, 'us-east-1')];
    const h = new Stack(a, 'Home', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    new FleetConductor(h, 'Conductor', {
      fleetName: 'staging', regions: rs.map(({ cleanSlate, endpoint }) => ({ cleanSlate, endpoint })),
      schedule: scheduler.ScheduleExpression.cron({ hour: '1', minute: '30' }), enabled: false,
      window: Duration.hours(6), settle: Duration.minutes(5), healthTimeout: Duration.minutes(5), pollInterval: Duration.seconds(30),
      alarmTopic: new sns.Topic(h, 'Pager', { enforceSSL: true }),
    });
    const ht = Template.fromStack(h);
    ht.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(30 1 * * ? *)', State: 'DISABLED' });
    ht.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('Pager') }] });
    ht.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ WINDOW_SECONDS: '21600', SETTLE_SECONDS: '300', HEALTH_TIMEOUT_SECONDS: '300', POLL_SECONDS: '30' }) } });
    expect(definitionOf(ht).TimeoutSeconds).toBe(21600 + 1800);
  });

  test('a region without a public name: no DNS withdrawal, no health-check grant; the load from the given load balancer', () => {
    const a = unitTestApp();
    const withDns = region(a, 'eu-west-1');
    const stack = new Stack(a, 'Production-us-east-1', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const cluster = new FleetCluster(stack, 'Cluster');
    const cleanSlate = new CleanSlate(stack, 'CleanSlate', { cluster, nightly: false });
    const lb = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc });
    const h = new Stack(a, 'Home', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    new FleetConductor(h, 'Conductor', { fleetName: 'production', regions: [{ cleanSlate: withDns.cleanSlate, endpoint: withDns.endpoint }, { cleanSlate, loadBalancer: lb.loadBalancer }] });
    const rt = Template.fromStack(stack);
    expect(Object.values(rt.findResources('AWS::IAM::Policy')).filter((p: any) => JSON.stringify(p).includes('route53:'))).toEqual([]);
    const target = Object.values(rt.findResources('AWS::SSM::Parameter'))[0] as any;
    expect(JSON.stringify(target.Properties.Value)).toContain('\\"healthCheckId\\":\\"\\"');
    expect(stack.dependencies).toContain(h);
  });

  describe('bad input', () => {
    test.each([
      ['a region that keeps its own nightly schedule', { nightly: true }, /has its own nightly schedule.*Fix: create it with nightly: false/],
      ['a bad fleet name', { fleetName: 'my fleet' }, /fleetName 'my fleet' is not valid/],
      ['a window shorter than one step', { window: Duration.hours(1) }, /longer than the 1 hour window/],
      ['a latency for a region not in the fleet', { latencyMs: { 'eu-west-1': { 'sa-east-1': 100 } } }, /latency matrix names region 'sa-east-1'/],
    ])('%s', (_, opts: any, message) => {
      const a = unitTestApp();
      const rs = [region(a, 'eu-west-1', opts.nightly ?? false), region(a, 'us-east-1')];
      const h = new Stack(a, 'Home', { env: { account: ACCOUNT, region: 'eu-west-1' } });
      expect(() => new FleetConductor(h, 'Conductor', {
        fleetName: opts.fleetName ?? 'production', regions: rs.map(({ cleanSlate, endpoint }) => ({ cleanSlate, endpoint })), window: opts.window, latencyMs: opts.latencyMs,
      })).toThrow(message);
    });
  });
});
