import { fakeHttp } from '../support/fake-http';
import {
  AutoScalingClient, DescribeInstanceRefreshesCommand, InstanceRefreshInProgressFault, StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeServicesCommand, ECSClient, ListServicesCommand, ServiceNotActiveException, UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import fc from 'fast-check';
import { mockClient } from 'aws-sdk-client-mock';
import { CleanSlateFailed, CleanSlateTimedOut, StartResult, handler, resetClients, retryStrategy } from '../../lambda/clean-slate/index';
import { isOldestRun, refreshState, serviceState } from '../../lambda/clean-slate/logic';
import { manualClock, resetClock, setClock } from '../../lambda/shared/clock';

const ecs = mockClient(ECSClient);
const asg = mockClient(AutoScalingClient);
const sfn = mockClient(SFNClient);
const CLUSTER = 'Production-ClusterEcsCluster-AbCdEf123456';
const GROUP = 'Production-ClusterCapacityASG-1A2B3C4D5E6F';
const arn = (name: string) => `arn:aws:ecs:eu-west-1:111111111111:service/${CLUSTER}/${name}`;
const REFRESH_ID = '08b91cf7-8fa6-48af-b6a6-d227f40f1b9b';

/** A service as DescribeServices documents it (fields the handler reads, plus the usual neighbours). */
function service(name: string, opts: { deployments?: number; running?: number; desired?: number; rollout?: string; reason?: string } = {}): any {
  const desired = opts.desired ?? 2;
  const deployments = Array.from({ length: opts.deployments ?? 1 }, (_, i) => ({
    id: `ecs-svc/${1000 + i}`, status: i === 0 ? 'PRIMARY' : 'ACTIVE', taskDefinition: `arn:aws:ecs:eu-west-1:111111111111:task-definition/${name}:3`,
    desiredCount: desired, pendingCount: 0, runningCount: i === 0 ? opts.running ?? desired : 1, failedTasks: 0,
    createdAt: new Date('2026-11-22T00:00:05Z'), updatedAt: new Date('2026-11-22T00:04:00Z'), launchType: undefined,
    rolloutState: i === 0 ? opts.rollout ?? 'COMPLETED' : 'COMPLETED', rolloutStateReason: opts.reason ?? 'ECS deployment ecs-svc/1000 completed.',
  }));
  return {
    serviceArn: arn(name), serviceName: name, clusterArn: `arn:aws:ecs:eu-west-1:111111111111:cluster/${CLUSTER}`, status: 'ACTIVE',
    desiredCount: desired, runningCount: opts.running ?? desired, pendingCount: 0, deployments,
  };
}

// The handler's clock: the night started at NIGHT, and each check runs a minute into it unless a test moves it.
const NIGHT = '2026-11-22T00:00:00.000Z';
const clock = manualClock(NIGHT);
const START = { action: 'start' as const, startedAt: NIGHT };
const run = (services: string[], id: string | undefined = REFRESH_ID): StartResult => ({ instanceRefreshId: id, refreshAlreadyRunning: false, services: services.map(arn), skipped: [] });
const refresh = (Status: string, extra: Record<string, unknown> = {}): any => ({
  InstanceRefreshes: [{ InstanceRefreshId: REFRESH_ID, AutoScalingGroupName: GROUP, Status, StatusReason: extra.StatusReason as string | undefined, PercentageComplete: (extra.PercentageComplete as number) ?? 100, InstancesToUpdate: 0, StartTime: new Date('2026-11-22T00:00:02Z') }],
});

beforeAll(() => {
  process.env.AWS_REGION = 'eu-west-1';
  process.env.CLUSTER_NAME = CLUSTER;
  process.env.ASG_NAME = GROUP;
  process.env.MIN_HEALTHY_PERCENTAGE = '100';
  process.env.MAX_HEALTHY_PERCENTAGE = '150';
  process.env.TIMEOUT_SECONDS = '7200';
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

beforeEach(() => {
  ecs.reset();
  asg.reset();
  sfn.reset();
  resetClients();
  clock.set(NIGHT);
  clock.advance(60_000);
  setClock(clock);
});

afterAll(() => resetClock());

describe('start', () => {
  test('starts a launch-before-terminate refresh of the group, then forces a new deployment of every service across pages', async () => {
    asg.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: REFRESH_ID });
    const names = Array.from({ length: 130 }, (_, i) => `svc-${i}`);
    ecs.on(ListServicesCommand)
      .resolvesOnce({ serviceArns: names.slice(0, 100).map(arn), nextToken: 'page-2-token' })
      .resolvesOnce({ serviceArns: names.slice(100).map(arn) });
    ecs.on(UpdateServiceCommand).callsFake((input) => ({ service: service(input.service.split('/').pop()) }));

    const out = await handler(START) as StartResult;

    expect(asg.commandCalls(StartInstanceRefreshCommand)[0].args[0].input).toEqual({
      AutoScalingGroupName: GROUP, Strategy: 'Rolling',
      Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 150, SkipMatching: false },
    });
    const lists = ecs.commandCalls(ListServicesCommand).map((c) => c.args[0].input);
    expect(lists).toEqual([{ cluster: CLUSTER, maxResults: 100, nextToken: undefined }, { cluster: CLUSTER, maxResults: 100, nextToken: 'page-2-token' }]);
    const updates = ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input);
    expect(updates).toHaveLength(130);
    expect(updates.every((u) => u.forceNewDeployment === true && u.cluster === CLUSTER)).toBe(true);
    expect(out).toEqual({ instanceRefreshId: REFRESH_ID, refreshAlreadyRunning: false, services: names.map(arn), skipped: [] });
  });

  test('a refresh already in progress is followed, not a failure, and services are still redeployed', async () => {
    asg.on(StartInstanceRefreshCommand).rejects(new InstanceRefreshInProgressFault({ message: 'An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.', $metadata: { httpStatusCode: 400 } }));
    asg.on(DescribeInstanceRefreshesCommand).resolves({
      InstanceRefreshes: [
        { InstanceRefreshId: 'running-one', AutoScalingGroupName: GROUP, Status: 'InProgress', PercentageComplete: 40 },
        { InstanceRefreshId: 'old-one', AutoScalingGroupName: GROUP, Status: 'Successful', PercentageComplete: 100 },
      ],
    });
    ecs.on(ListServicesCommand).resolves({ serviceArns: [arn('web')] });
    ecs.on(UpdateServiceCommand).resolves({ service: service('web') });

    const out = await handler(START) as StartResult;

    expect(out).toMatchObject({ instanceRefreshId: 'running-one', refreshAlreadyRunning: true, services: [arn('web')] });
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(1);
  });

  test('a group that cannot be refreshed fails the run before any service is touched', async () => {
    asg.on(StartInstanceRefreshCommand).rejects(Object.assign(new Error('User is not authorized to perform: autoscaling:StartInstanceRefresh'), { name: 'AccessDenied' }));
    await expect(handler(START)).rejects.toThrow(/not authorized/);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  test('a draining service is skipped with a warning, the others are redeployed', async () => {
    asg.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: REFRESH_ID });
    ecs.on(ListServicesCommand).resolves({ serviceArns: [arn('web'), arn('leaving'), arn('api')] });
    ecs.on(UpdateServiceCommand).resolves({ service: service('web') });
    ecs.on(UpdateServiceCommand, { service: arn('leaving') }).rejects(new ServiceNotActiveException({ message: 'Service was not ACTIVE.', $metadata: { httpStatusCode: 400 } }));

    const out = await handler(START) as StartResult;
    expect(out.services).toEqual([arn('web'), arn('api')]);
    expect(out.skipped).toEqual([arn('leaving')]);
  });

  test('throttling that outlasts the SDK retries fails the run loudly (the state machine fails, the alarm fires)', async () => {
    asg.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: REFRESH_ID });
    ecs.on(ListServicesCommand).resolves({ serviceArns: [arn('web'), arn('api')] });
    ecs.on(UpdateServiceCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    await expect(handler(START)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('check', () => {
  test('stable when the refresh succeeded and every service has one completed deployment at its desired count (batches of 10)', async () => {
    const names = Array.from({ length: 25 }, (_, i) => `svc-${i}`);
    asg.on(DescribeInstanceRefreshesCommand).resolves(refresh('Successful'));
    ecs.on(DescribeServicesCommand).callsFake((input) => ({ services: input.services.map((a: string) => service(a.split('/').pop()!)), failures: [] }));

    const out = await handler({ action: 'check', startedAt: NIGHT, run: run(names) });

    expect(out).toMatchObject({ stable: true, refresh: 'Successful', pending: [], pendingCount: 0 });
    expect(ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services!.length)).toEqual([10, 10, 5]);
    expect(asg.commandCalls(DescribeInstanceRefreshesCommand)[0].args[0].input).toEqual({ AutoScalingGroupName: GROUP, InstanceRefreshIds: [REFRESH_ID] });
  });

  test('not yet stable while a service still has two deployments or the refresh runs: reports them and waits', async () => {
    asg.on(DescribeInstanceRefreshesCommand).resolves(refresh('InProgress', { PercentageComplete: 50 }));
    ecs.on(DescribeServicesCommand).resolves({ services: [service('web', { deployments: 2, rollout: 'IN_PROGRESS' }), service('api')], failures: [] });

    const out = await handler({ action: 'check', startedAt: NIGHT, run: run(['web', 'api']) });
    expect(out).toMatchObject({ stable: false, refresh: 'InProgress 50%', pending: ['web (2 deployments)'], pendingCount: 1 });
  });

  test('a service that never stabilises fails the run once the timeout has passed, naming the service', async () => {
    asg.on(DescribeInstanceRefreshesCommand).resolves(refresh('Successful'));
    ecs.on(DescribeServicesCommand).resolves({ services: [service('web', { running: 1, desired: 2 }), service('api')], failures: [] });
    const startedAt = NIGHT;
    clock.set(NIGHT);
    clock.advance(7201_000);

    const late = handler({ action: 'check', startedAt, run: run(['web', 'api']) });
    await expect(late).rejects.toBeInstanceOf(CleanSlateTimedOut);
    await expect(handler({ action: 'check', startedAt, run: run(['web', 'api']) })).rejects.toThrow(`not stable after 7200 s in ${CLUSTER}: web (1/2 tasks running)`);
  });

  test('a refresh still running past the timeout fails the run and says so', async () => {
    asg.on(DescribeInstanceRefreshesCommand).resolves(refresh('InProgress', { PercentageComplete: 30 }));
    ecs.on(DescribeServicesCommand).resolves({ services: [service('web')], failures: [] });
    const startedAt = NIGHT;
    clock.set(NIGHT);
    clock.advance(8000_000);
    await expect(handler({ action: 'check', startedAt, run: run(['web']) })).rejects.toThrow(/instance refresh .* \(InProgress 30%\)/);
  });

  test('a failed or cancelled refresh fails the run at once', async () => {
    asg.on(DescribeInstanceRefreshesCommand).resolves(refresh('Failed', { StatusReason: 'Launching a new EC2 instance failed.' }));
    ecs.on(DescribeServicesCommand).resolves({ services: [service('web')], failures: [] });
    await expect(handler({ action: 'check', startedAt: NIGHT, run: run(['web']) }))
      .rejects.toThrow(new CleanSlateFailed(`instance refresh ${REFRESH_ID} of ${GROUP} ended Failed: Launching a new EC2 instance failed.`));
  });

  test('a deployment the circuit breaker failed fails the run at once', async () => {
    asg.on(DescribeInstanceRefreshesCommand).resolves(refresh('InProgress'));
    ecs.on(DescribeServicesCommand).resolves({ services: [service('web', { deployments: 2, rollout: 'FAILED', reason: 'ECS deployment circuit breaker: tasks failed to start.' })], failures: [] });
    await expect(handler({ action: 'check', startedAt: NIGHT, run: run(['web']) }))
      .rejects.toThrow(/web \(deployment failed: ECS deployment circuit breaker/);
  });

  test('a service deleted since the start is not waited for', async () => {
    asg.on(DescribeInstanceRefreshesCommand).resolves(refresh('Successful'));
    ecs.on(DescribeServicesCommand).resolves({ services: [service('web')], failures: [{ arn: arn('gone'), reason: 'MISSING' }] });
    const out = await handler({ action: 'check', startedAt: NIGHT, run: run(['web', 'gone']) });
    expect(out).toMatchObject({ stable: true });
  });

  test('an unknown action is an error, not a silent success', async () => {
    await expect(handler({ action: 'stop' } as any)).rejects.toThrow(/unknown action "stop"/);
  });
});

describe('throttling at the wire (real SDK retry middleware, fake HTTP)', () => {
  const fakeEcs = (errors: string[]) => fakeHttp(errors, {
    contentType: 'application/x-amz-json-1.1',
    errorBody: (code) => JSON.stringify({ __type: code, message: 'Rate exceeded' }),
    okBody: JSON.stringify({ service: { serviceName: 'web', status: 'ACTIVE' } }),
  });
  const client = (h: any) => new ECSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }, retryStrategy: retryStrategy(1), requestHandler: h });
  const update = new UpdateServiceCommand({ cluster: CLUSTER, service: 'web', forceNewDeployment: true });

  test('ThrottlingException is retried with backoff, then the call succeeds', async () => {
    ecs.restore();
    try {
      const fake = fakeEcs(['ThrottlingException', 'ThrottlingException', 'ThrottlingException']);
      const out = await client(fake.handler).send(update);
      expect(out.service?.serviceName).toBe('web');
      expect(fake.attempts()).toBe(4);
    } finally {
      mockClient(ECSClient);
    }
  });

  test('gives up after 8 attempts with the service error', async () => {
    ecs.restore();
    try {
      const fake = fakeEcs(Array(20).fill('ThrottlingException'));
      await expect(client(fake.handler).send(update)).rejects.toMatchObject({ name: 'ThrottlingException' });
      expect(fake.attempts()).toBe(8);
    } finally {
      mockClient(ECSClient);
    }
  });
});

describe('pure decisions', () => {
  test('service states', () => {
    expect(serviceState(service('a'))).toEqual({ state: 'stable' });
    expect(serviceState(service('a', { running: 1 }))).toEqual({ state: 'pending', why: '1/2 tasks running' });
    expect(serviceState({ ...service('a'), status: 'DRAINING' })).toEqual({ state: 'gone' });
    expect(serviceState(service('a', { rollout: 'IN_PROGRESS' }))).toEqual({ state: 'pending', why: 'rollout in progress' });
  });

  test('refresh states: only Successful is done; rollbacks and cancellations are failures', () => {
    expect(refreshState('Successful')).toBe('done');
    for (const s of ['Pending', 'InProgress', 'Baking', 'Cancelling', 'RollbackInProgress']) expect(refreshState(s)).toBe('pending');
    for (const s of ['Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed', undefined]) expect(refreshState(s)).toBe('failed');
  });
});

describe('lock: two runs started together never both abort', () => {
  const SM = 'arn:aws:states:eu-west-1:111111111111:stateMachine:Production-CleanSlate-AbCd';
  const execArn = (name: string) => `arn:aws:states:eu-west-1:111111111111:execution:Production-CleanSlate-AbCd:${name}`;
  /** ListExecutions as documented: newest first, startDate as a timestamp. */
  const listed = (...runs: Array<[string, string]>): any => ({ executions: runs.map(([name, at]) => ({ executionArn: execArn(name), stateMachineArn: SM, name, status: 'RUNNING', startDate: new Date(at) })) });

  test('the older of two runs started in the same second goes on; the younger stops', async () => {
    sfn.on(ListExecutionsCommand).resolves(listed(['b', '2026-11-24T00:00:00.420Z'], ['a', '2026-11-24T00:00:00.120Z']));
    const a = await handler({ action: 'lock', execution: execArn('a'), startedAt: '2026-11-24T00:00:00.120Z', stateMachine: SM });
    const b = await handler({ action: 'lock', execution: execArn('b'), startedAt: '2026-11-24T00:00:00.420Z', stateMachine: SM });
    expect([a, b]).toEqual([{ oldest: true, running: 2 }, { oldest: false, running: 2 }]);
    expect(sfn.commandCalls(ListExecutionsCommand)[0].args[0].input).toEqual({ stateMachineArn: SM, statusFilter: 'RUNNING', maxResults: 100, nextToken: undefined });
  });

  test('a run not yet listed (ListExecutions is eventually consistent) still counts itself', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    expect(await handler({ action: 'lock', execution: execArn('a'), startedAt: '2026-11-24T00:00:00Z', stateMachine: SM })).toEqual({ oldest: true, running: 0 });
  });

  test('follows pages; throttling propagates for the state machine\'s Retry', async () => {
    sfn.on(ListExecutionsCommand).resolvesOnce({ ...listed(['c', '2026-11-24T00:05:00Z']), nextToken: 'p2' }).resolvesOnce(listed(['old', '2026-11-23T23:00:00Z']));
    expect(await handler({ action: 'lock', execution: execArn('c'), startedAt: '2026-11-24T00:05:00Z', stateMachine: SM })).toEqual({ oldest: false, running: 2 });
    sfn.reset();
    sfn.on(ListExecutionsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(handler({ action: 'lock', execution: execArn('c'), startedAt: '2026-11-24T00:05:00Z', stateMachine: SM })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  test('property: among runs that all see each other, exactly one goes on, whatever their start times (ties included)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 6, maxLength: 6 }), (names, seconds) => {
      const runs = names.map((n, i) => ({ executionArn: execArn(n), startDate: new Date(Date.UTC(2026, 10, 24, 0, 0, seconds[i])) }));
      expect(runs.filter((me) => isOldestRun(me, runs)).length).toBe(1);
    }));
  });
});
