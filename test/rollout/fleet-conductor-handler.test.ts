import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetHealthCheckCommand, GetHealthCheckStatusCommand, Route53Client, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import { DescribeExecutionCommand, ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, resetClients } from '../../lambda/fleet-conductor/index';
import { manualClock, resetClock, setClock } from '../../lambda/shared/clock';
import { NightState } from '../../lib/rollout/conductor-logic';

const ssm = mockClient(SSMClient);
const cw = mockClient(CloudWatchClient);
const r53 = mockClient(Route53Client);
const sfn = mockClient(SFNClient);

const ACCOUNT = '111111111111';
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
const smArn = (region: string) => `arn:aws:states:${region}:${ACCOUNT}:stateMachine:ProductionCleanSlate-${region}`;
const EXEC = `arn:aws:states:eu-west-1:${ACCOUNT}:execution:ProductionConductorStateMachine:night-1`;
const T0 = '2026-11-24T00:00:00.000Z';
const throttling = (name = 'Throttling') => Object.assign(new Error('Rate exceeded'), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });

/** GetParameter as documented: the region's target, a JSON String parameter. */
const topicArn = (region: string) => `arn:aws:sns:${region}:${ACCOUNT}:Production-ClusterAlarmsTopic-AbCdEf123456`;

function parameter(region: string): any {
  return {
    Parameter: {
      Name: `/cdk-container-fleet/production/conductor/${region}`, Type: 'String', Version: 1, DataType: 'text',
      Value: JSON.stringify({
        stateMachineArn: smArn(region), healthCheckId: `abcdef11-2222-3333-4444-${region.replace(/-/g, '').padEnd(12, '0').slice(0, 12)}`, loadBalancer: `app/Produ-LoadB-${region}/50dc6c495c0c9188`,
        alarmTopicArn: topicArn(region),
      }),
      LastModifiedDate: new Date('2026-11-20T10:00:00Z'), ARN: `arn:aws:ssm:${region}:${ACCOUNT}:parameter/cdk-container-fleet/production/conductor/${region}`,
    },
  };
}

/** GetMetricData as documented: one result, timestamps newest or oldest first per ScanBy, StatusCode Complete. */
function metrics(perMinute: number, minutes = 30, token?: string): any {
  const end = Date.parse(T0);
  const Timestamps = Array.from({ length: minutes }, (_, i) => new Date(end - (minutes - i) * 60_000));
  return { MetricDataResults: [{ Id: 'requests', Label: 'RequestCount', Timestamps, Values: Timestamps.map(() => perMinute), StatusCode: 'Complete' }], NextToken: token, Messages: [] };
}

/** A metric alarm as DescribeAlarms returns it. */
function metricAlarm(name: string, region: string, state: 'OK' | 'ALARM'): any {
  return {
    AlarmName: name, AlarmArn: `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${name}`, ActionsEnabled: true,
    AlarmActions: [topicArn(region)], OKActions: [topicArn(region)], StateValue: state, StateReason: 'Threshold Crossed: 3 out of the last 5 datapoints were greater than the threshold (5.0).',
    StateUpdatedTimestamp: new Date(T0), MetricName: undefined, Threshold: 5, EvaluationPeriods: 5, DatapointsToAlarm: 3, ComparisonOperator: 'GreaterThanThreshold',
  };
}

/** GetHealthCheckStatus with every checker succeeding. */
const allHealthy: any = { HealthCheckObservations: Array.from({ length: 8 }, (_, i) => ({ Region: 'us-east-1', IPAddress: `15.177.2.${i}`, StatusReport: { Status: 'Success: HTTP Status Code 200, OK', CheckedTime: new Date(T0) } })) };

function healthCheck(inverted: boolean): any {
  return { HealthCheck: { Id: 'hc', CallerReference: 'ref', HealthCheckVersion: 3, HealthCheckConfig: { Type: 'HTTP', FullyQualifiedDomainName: 'lb.example.com', ResourcePath: '/', Port: 80, RequestInterval: 30, FailureThreshold: 3, Inverted: inverted, Disabled: false } } };
}

async function planned(): Promise<NightState> {
  const open = await handler({ action: 'open', execution: EXEC, startedAt: T0, input: { trigger: 'schedule' } }) as NightState;
  ssm.on(GetParameterCommand).callsFake((input) => parameter(input.Name.split('/').pop()));
  cw.on(GetMetricDataCommand).callsFake(() => metrics(100));
  r53.on(GetHealthCheckCommand).resolves(healthCheck(false));
  // No alarm in ALARM, unless a test says otherwise.
  cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
  return handler({ action: 'plan', night: open }) as Promise<NightState>;
}

beforeAll(() => {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1', REGIONS: JSON.stringify(REGIONS), PARAMETER_PREFIX: '/cdk-container-fleet/production/conductor',
    RECORD_PARAMETER: '/cdk-container-fleet/production/last-night', LATENCY_MS: JSON.stringify({ 'eu-west-1': { 'us-east-1': 70, 'ap-southeast-2': 280 }, 'us-east-1': { 'ap-southeast-2': 200 } }),
    DRAIN_SECONDS: '180', POLL_SECONDS: '60', HEALTH_TIMEOUT_SECONDS: '600', SETTLE_SECONDS: '600', STEP_BUDGET_SECONDS: '8700', WINDOW_SECONDS: '28800', LEASE_SECONDS: '32400',
  });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

// The night is planned at T0, so the handler's clock is T0 too: the outcome never depends on the day the suite runs.
const clock = manualClock(T0);

beforeEach(() => {
  for (const m of [ssm, cw, r53, sfn]) m.reset();
  resetClients();
  clock.set(T0);
  setClock(clock);
});

afterAll(() => resetClock());

/** A planned night whose first region is rebuilt: waiting for its health check, or back in DNS and watched. */
async function rebuilt(phase: 'health' | 'watch'): Promise<NightState> {
  const n = await planned();
  const region = n.steps[0].region;
  const current = phase === 'health'
    ? { region, withdrawn: true, startedAt: T0, cleanSlate: 'SUCCEEDED', health: 'pending', healthDeadline: '2099-01-01T00:00:00.000Z' }
    : { region, withdrawn: true, startedAt: T0, cleanSlate: 'SUCCEEDED', health: 'healthy', watch: 'watching', watchUntil: '2026-11-24T02:00:00.000Z' };
  return { ...n, current: current as NightState['current'], out: phase === 'health' ? region : null };
}

describe('fleet-conductor handler', () => {
  test('open: the lease of the lock covers the window plus the backstop, as DynamoDB number strings', async () => {
    const n = await handler({ action: 'open', execution: EXEC, startedAt: T0, input: { trigger: 'schedule' } }) as NightState;
    expect(n.lease).toEqual({ now: String(Date.parse(T0) / 1000), until: String(Date.parse(T0) / 1000 + 32400) });
    expect(n.deadline).toBe('2026-11-24T08:00:00.000Z');
  });

  test('plan: reads each region\'s parameter and RequestCount (Sum per minute, its load balancer) in that region', async () => {
    cw.on(GetMetricDataCommand).callsFake(() => metrics(100));
    const n = await planned();
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input.Name)).toEqual(REGIONS.map((r) => `/cdk-container-fleet/production/conductor/${r}`));
    const q = cw.commandCalls(GetMetricDataCommand)[0].args[0].input;
    expect(q.MetricDataQueries![0].MetricStat).toEqual({
      Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [{ Name: 'LoadBalancer', Value: 'app/Produ-LoadB-eu-west-1/50dc6c495c0c9188' }] },
      Period: 60, Stat: 'Sum',
    });
    expect((q.EndTime as Date).getTime() - (q.StartTime as Date).getTime()).toBe(30 * 60_000);
    expect(n.steps).toHaveLength(3);
    expect(Object.keys(n.targets)).toEqual(REGIONS);
    // Each region's parameter and metrics are read by a client of that region (the function runs in the home region).
    const regionsOf = async (calls: Array<{ thisValue: any }>) => Promise.all(calls.map((c) => c.thisValue.config.region()));
    expect(await regionsOf(ssm.commandCalls(GetParameterCommand))).toEqual(REGIONS);
    expect(await regionsOf(cw.commandCalls(GetMetricDataCommand))).toEqual(REGIONS);
  });

  test('plan: follows GetMetricData pages; a region whose metrics are throttled for good leaves the load unknown (ring)', async () => {
    const open = await handler({ action: 'open', execution: EXEC, startedAt: T0 }) as NightState;
    ssm.on(GetParameterCommand).callsFake((input) => parameter(input.Name.split('/').pop()));
    r53.on(GetHealthCheckCommand).resolves(healthCheck(false));
    cw.on(GetMetricDataCommand)
      .resolvesOnce(metrics(10, 15, 'page-2')).resolvesOnce(metrics(10, 15))
      .rejectsOnce(throttling())
      .resolves(metrics(500));
    const n = await handler({ action: 'plan', night: open }) as NightState;
    expect(cw.commandCalls(GetMetricDataCommand)[1].args[0].input.NextToken).toBe('page-2');
    expect(n.strategy).toBe('ring');
    expect(n.timeline.some((t) => t.event === 'load unknown' && t.region === 'us-east-1')).toBe(true);
  });

  test('plan: a missing region parameter halts the night before anything is touched', async () => {
    const open = await handler({ action: 'open', execution: EXEC, startedAt: T0 }) as NightState;
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('Parameter not found'), { name: 'ParameterNotFound' }));
    await expect(handler({ action: 'plan', night: open })).rejects.toMatchObject({ name: 'ParameterNotFound' });
    expect(r53.commandCalls(UpdateHealthCheckCommand)).toHaveLength(0);
  });

  test('withdraw: inverts the health check of the step\'s region only', async () => {
    const n = await planned();
    r53.on(UpdateHealthCheckCommand).resolves(healthCheck(true));
    const out = await handler({ action: 'withdraw', night: n }) as NightState;
    expect(r53.commandCalls(UpdateHealthCheckCommand).map((c) => c.args[0].input)).toEqual([{ HealthCheckId: n.targets[n.steps[0].region].healthCheckId, Inverted: true }]);
    expect(out.out).toBe(n.steps[0].region);
  });

  test('withdraw: Route 53 throttling propagates with its name, for the state machine\'s Retry', async () => {
    const n = await planned();
    r53.on(UpdateHealthCheckCommand).rejects(throttling('Throttling'));
    await expect(handler({ action: 'withdraw', night: n })).rejects.toMatchObject({ name: 'Throttling' });
  });

  test('start: StartExecution of the region\'s CleanSlate with a per-night name; an existing one is followed', async () => {
    const n = await handler({ action: 'withdraw', night: await planned() }) as NightState;
    const region = n.current!.region;
    sfn.on(StartExecutionCommand).resolves({ executionArn: `arn:aws:states:${region}:${ACCOUNT}:execution:ProductionCleanSlate-${region}:night-1-${region}`, startDate: new Date(T0) });
    const started = await handler({ action: 'start', night: n }) as NightState;
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({ stateMachineArn: smArn(region), name: `night-1-${region}`, input: JSON.stringify({ trigger: 'conductor', conductor: EXEC }) });
    expect(started.current!.cleanSlateExecution).toMatch(/:execution:ProductionCleanSlate-.*:night-1-/);

    sfn.reset();
    resetClients();
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const again = await handler({ action: 'start', night: n }) as NightState;
    expect(again.current!.cleanSlateExecution).toBe(`arn:aws:states:${region}:${ACCOUNT}:execution:ProductionCleanSlate-${region}:night-1-${region}`);
  });

  test('poll: DescribeExecution RUNNING keeps waiting; FAILED carries the clean slate\'s error and cause', async () => {
    let n = await handler({ action: 'withdraw', night: await planned() }) as NightState;
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:x:1:execution:cs:night-1-x', startDate: new Date(T0) });
    n = await handler({ action: 'start', night: n }) as NightState;
    sfn.on(DescribeExecutionCommand).resolvesOnce({ executionArn: 'e', stateMachineArn: 's', status: 'RUNNING', startDate: new Date(T0) })
      .resolvesOnce({ executionArn: 'e', stateMachineArn: 's', status: 'FAILED', startDate: new Date(T0), stopDate: new Date(T0), error: 'CleanSlateTimedOut', cause: 'not stable after 7200 s in cluster: api (1/2 tasks running)' });
    const running = await handler({ action: 'poll', night: n }) as NightState;
    expect(running.current!.cleanSlate).toBe('RUNNING');
    const failed = await handler({ action: 'poll', night: running }) as NightState;
    expect(failed.current!.cleanSlate).toBe('FAILED');
    expect(failed.failure).toMatchObject({ error: 'CleanSlate.FAILED', cause: expect.stringMatching(/^CleanSlateTimedOut: not stable after 7200 s/) });
  });

  test('poll and health: a region whose health check a deployment un-inverted during its rebuild is withdrawn again (issue 22 item 7)', async () => {
    let n = await handler({ action: 'withdraw', night: await planned() }) as NightState;
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:x:1:execution:cs:night-1-x', startDate: new Date(T0) });
    n = await handler({ action: 'start', night: n }) as NightState;
    const id = n.targets[n.current!.region].healthCheckId;
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: 'e', stateMachineArn: 's', status: 'RUNNING', startDate: new Date(T0) });
    r53.reset();
    // Still inverted: nothing to do.
    r53.on(GetHealthCheckCommand).resolvesOnce(healthCheck(true)).resolves(healthCheck(false));
    r53.on(UpdateHealthCheckCommand).resolves(healthCheck(true));
    const kept = await handler({ action: 'poll', night: n }) as NightState;
    expect(r53.commandCalls(UpdateHealthCheckCommand)).toHaveLength(0);
    // A deployment of the region's stack wrote Inverted: false: inverted again, and the timeline says so.
    const again = await handler({ action: 'poll', night: kept }) as NightState;
    expect(r53.commandCalls(UpdateHealthCheckCommand).map((c) => c.args[0].input)).toEqual([{ HealthCheckId: id, Inverted: true }]);
    expect(again.timeline.at(-1)).toMatchObject({ region: n.current!.region, event: 'withdrawn again' });
    r53.on(GetHealthCheckStatusCommand).resolves({ HealthCheckObservations: [] });
    await handler({ action: 'health', night: { ...again, current: { ...again.current!, cleanSlate: 'SUCCEEDED', health: 'pending', healthDeadline: '2099-01-01T00:00:00.000Z' } } });
    expect(r53.commandCalls(UpdateHealthCheckCommand)).toHaveLength(2);
  });

  test('health and watch: GetHealthCheckStatus observations, healthy when more than 18 % succeed', async () => {
    let n = await handler({ action: 'withdraw', night: await planned() }) as NightState;
    n = { ...n, current: { ...n.current!, cleanSlate: 'SUCCEEDED', health: 'pending', healthDeadline: '2099-01-01T00:00:00.000Z' } };
    const obs = (ok: number, bad: number): any => ({ HealthCheckObservations: [
      ...Array.from({ length: ok }, (_, i) => ({ Region: 'us-east-1', IPAddress: `15.177.2.${i}`, StatusReport: { Status: 'Success: HTTP Status Code 200, OK', CheckedTime: new Date(T0) } })),
      ...Array.from({ length: bad }, (_, i) => ({ Region: 'eu-west-1', IPAddress: `15.177.10.${i}`, StatusReport: { Status: 'Failure: Connection timed out. The endpoint or the internet connection is down, or requests are being blocked by your firewall.', CheckedTime: new Date(T0) } })),
    ] });
    r53.on(GetHealthCheckStatusCommand).resolvesOnce(obs(1, 7)).resolvesOnce(obs(6, 2));
    const pending = await handler({ action: 'health', night: n }) as NightState;
    expect(pending.current!.health).toBe('pending');
    const healthy = await handler({ action: 'health', night: pending }) as NightState;
    expect(healthy.current!.health).toBe('healthy');
  });

  test('watch: an alarm of the region in ALARM (DescribeAlarms by its alarm topic) halts the night before the next region', async () => {
    const n = await rebuilt('watch');
    const region = n.current!.region;
    r53.on(GetHealthCheckStatusCommand).resolves(allHealthy);
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metricAlarm('Production-Services3-api-1A2B3C4D-target-5xx', region, 'ALARM')], CompositeAlarms: [] });
    const out = await handler({ action: 'watch', night: n }) as NightState;
    const calls = cw.commandCalls(DescribeAlarmsCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      { ActionPrefix: topicArn(region), StateValue: 'ALARM', AlarmTypes: ['MetricAlarm'], MaxRecords: 100, NextToken: undefined },
    ]);
    expect(out.current!.watch).toBe('unhealthy');
    expect(out.failure).toMatchObject({ region, error: 'Conductor.AlarmUnderTraffic' });
    expect(out.failure!.cause).toContain('Production-Services3-api-1A2B3C4D-target-5xx');
  });

  test('watch: no alarm in ALARM passes, and the step settles once its watch is over', async () => {
    const n = await rebuilt('watch');
    r53.on(GetHealthCheckStatusCommand).resolves(allHealthy);
    const watching = await handler({ action: 'watch', night: n }) as NightState;
    expect(cw.commandCalls(DescribeAlarmsCommand)).toHaveLength(1);
    expect(watching.failure).toBeUndefined();
    expect(watching.current!.watch).toBe('watching');
    clock.set('2026-11-24T03:00:00.000Z');
    const settled = await handler({ action: 'watch', night: watching }) as NightState;
    expect(settled.current!.watch).toBe('settled');
  });

  test('health: alarms in ALARM keep the region pending until its deadline, then halt it with the alarms named (Conductor.Alarm)', async () => {
    const n = await rebuilt('health');
    const region = n.current!.region;
    r53.on(GetHealthCheckStatusCommand).resolves(allHealthy);
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metricAlarm('Production-Cluster-2E5428C5-tasks-not-placed', region, 'ALARM')] });
    const pending = await handler({ action: 'health', night: n }) as NightState;
    expect(pending.current!.health).toBe('pending');
    expect(pending.failure).toBeUndefined();
    clock.set('2026-11-24T05:00:00.000Z');
    const halted = await handler({ action: 'health', night: { ...pending, current: { ...pending.current!, healthDeadline: '2026-11-24T04:00:00.000Z' } } }) as NightState;
    expect(halted.current!.health).toBe('unhealthy');
    expect(halted.failure).toMatchObject({ region, error: 'Conductor.Alarm' });
    expect(halted.failure!.cause).toContain('tasks-not-placed');
  });

  test('health and watch: DescribeAlarms pages are followed; an alarm on a later page counts', async () => {
    const n = await rebuilt('watch');
    const region = n.current!.region;
    r53.on(GetHealthCheckStatusCommand).resolves(allHealthy);
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [], NextToken: 'page-2' })
      .resolvesOnce({ MetricAlarms: [metricAlarm('Production-Cluster-2E5428C5-tasks-not-placed', region, 'ALARM')] });
    const out = await handler({ action: 'watch', night: n }) as NightState;
    expect(cw.commandCalls(DescribeAlarmsCommand)[1].args[0].input.NextToken).toBe('page-2');
    expect(out.failure?.error).toBe('Conductor.AlarmUnderTraffic');
  });

  test('health and watch: DescribeAlarms throttling propagates with its name, for the state machine\'s Retry, like the other calls', async () => {
    const n = await rebuilt('watch');
    r53.on(GetHealthCheckStatusCommand).resolves(allHealthy);
    cw.on(DescribeAlarmsCommand).rejects(throttling('Throttling'));
    await expect(handler({ action: 'watch', night: n })).rejects.toMatchObject({ name: 'Throttling' });
  });

  test('health and watch: a region that publishes no alarm topic (alarmGate: false) is not asked about alarms', async () => {
    const n = await rebuilt('watch');
    const region = n.current!.region;
    const night: NightState = { ...n, targets: { ...n.targets, [region]: { ...n.targets[region], alarmTopicArn: undefined } } };
    r53.on(GetHealthCheckStatusCommand).resolves(allHealthy);
    const out = await handler({ action: 'watch', night }) as NightState;
    expect(cw.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
    expect(out.failure).toBeUndefined();
  });

  test('finish and fail: last night\'s record goes to the SSM parameter; a failed re-withdrawal does not lose the record', async () => {
    const n = await planned();
    ssm.on(PutParameterCommand).resolves({ Version: 2, Tier: 'Standard' });
    await handler({ action: 'finish', night: { ...n, cursor: 3, done: true } });
    const put = ssm.commandCalls(PutParameterCommand)[0].args[0].input;
    expect(put).toMatchObject({ Name: '/cdk-container-fleet/production/last-night', Type: 'String', Overwrite: true });
    expect(JSON.parse(put.Value!)).toMatchObject({ outcome: 'succeeded', execution: EXEC });

    const region = n.steps[0].region;
    const underTraffic: NightState = { ...n, current: { region, withdrawn: true, startedAt: T0, cleanSlate: 'SUCCEEDED', health: 'healthy', watch: 'unhealthy' }, failure: { region, error: 'Conductor.UnhealthyUnderTraffic', cause: 'failed under traffic' } };
    r53.on(UpdateHealthCheckCommand).rejects(throttling());
    const halted = await handler({ action: 'fail', night: underTraffic }) as NightState;
    expect(halted.outcome).toBe('halted');
    expect(halted.out).toBeNull();
    expect(JSON.parse(ssm.commandCalls(PutParameterCommand)[1].args[0].input.Value!)).toMatchObject({ outcome: 'halted', failure: { region } });
  });
});
