import fc from 'fast-check';
import {
  afterFailure, afterHealth, afterPoll, afterRestore, afterWatch, afterWithdraw, alarmList, cleanSlateExecutionName, ConductorHalt, failureDecision,
  healthVerdict, NightState, nightRecord, openNight, planNight, RegionReading, withdrawDecision,
} from '../../lib/rollout/conductor-logic';
import { SIX_REGIONS, SIX_REGIONS_LATENCY_MS } from '../fixtures/regions';

const T0 = '2026-11-24T00:00:00.000Z';
const TIMINGS = { drainSeconds: 180, pollSeconds: 60, healthTimeoutSeconds: 600, settleSeconds: 600, stepBudgetSeconds: 8700 };
const EXEC = 'arn:aws:states:eu-west-1:111111111111:execution:conductor:night-1';
const minutes = (m: number) => new Date(Date.parse(T0) + m * 60_000).toISOString();

function reading(region: string, load: number | undefined, withdrawn = false): RegionReading {
  const series = load === undefined ? undefined : Array.from({ length: 30 }, (_, m) => ({ time: new Date(Date.parse(T0) - (30 - m) * 60_000), value: load }));
  return { target: { region, stateMachineArn: `arn:aws:states:${region}:111111111111:stateMachine:cs`, healthCheckId: `hc-${region}`, loadBalancer: 'app/lb/1' }, series, withdrawn };
}

function night(options = {}, windowSeconds = 8 * 3600): NightState {
  return openNight({ execution: EXEC, startedAt: T0, options, timings: TIMINGS, windowSeconds, leaseSeconds: windowSeconds + 3600 });
}

const SIX = SIX_REGIONS.map((r) => reading(r.name, r.load));

describe('planNight', () => {
  test('orders by forecast load, least busy first, each with its nearest peer', () => {
    const n = planNight(night(), SIX, SIX_REGIONS_LATENCY_MS, T0);
    expect(n.strategy).toBe('least-busy');
    expect(n.steps.map((s) => `${s.region}<-${s.peer}`)).toEqual([
      'sa-east-1<-us-east-1', 'ap-southeast-2<-ap-northeast-1', 'eu-central-1<-eu-west-1',
      'ap-northeast-1<-ap-southeast-2', 'eu-west-1<-eu-central-1', 'us-east-1<-eu-west-1',
    ]);
    expect(n.steps[0].forecast).toBeCloseTo(90, 6);
  });

  test('no datapoint at all is load 0; a load that could not be read makes the whole night the ring', () => {
    expect(planNight(night(), [reading('b-1', 100), { ...reading('a-1', 0), series: [] }], {}, T0).steps[0].region).toBe('a-1');
    const ring = planNight(night(), [reading('us-east-1', 5), reading('eu-west-1', undefined), reading('ap-south-1', 900)], {}, T0);
    expect(ring.strategy).toBe('ring');
    expect(ring.steps.map((s) => s.region)).toEqual(['ap-south-1', 'eu-west-1', 'us-east-1']);
  });

  test('a region left out of DNS by an earlier night goes first; two left out refuse the night', () => {
    const n = planNight(night(), [reading('eu-west-1', 10), reading('us-east-1', 900, true), reading('ap-southeast-2', 5)], {}, T0);
    expect(n.steps[0].region).toBe('us-east-1');
    expect(n.out).toBe('us-east-1');
    expect(() => planNight(night(), [reading('eu-west-1', 10, true), reading('us-east-1', 900, true)], {}, T0)).toThrow(/are all out of DNS/);
    // Also when a manual night names other regions: nothing else may leave DNS while it is out.
    const only = planNight(night({ only: ['eu-west-1'] }), [reading('eu-west-1', 10), reading('us-east-1', 900, true), reading('ap-southeast-2', 5)], {}, T0);
    expect(only.steps.map((s) => s.region)).toEqual(['us-east-1', 'eu-west-1']);
    const from = planNight(night({ startFrom: 'eu-west-1' }), [reading('eu-west-1', 10), reading('us-east-1', 900, true), reading('ap-southeast-2', 5)], {}, T0);
    expect(from.steps.map((s) => s.region)).toEqual(['us-east-1', 'eu-west-1']);
  });

  test('startFrom and only narrow a manual night; unknown regions are refused', () => {
    expect(planNight(night({ startFrom: 'ap-northeast-1' }), SIX, SIX_REGIONS_LATENCY_MS, T0).steps.map((s) => s.region)).toEqual(['ap-northeast-1', 'eu-west-1', 'us-east-1']);
    expect(planNight(night({ only: ['us-east-1', 'sa-east-1'] }), SIX, SIX_REGIONS_LATENCY_MS, T0).steps.map((s) => s.region)).toEqual(['sa-east-1', 'us-east-1']);
    expect(() => planNight(night({ startFrom: 'mars-1' }), SIX, {}, T0)).toThrow(ConductorHalt);
  });
});

describe('withdrawDecision', () => {
  const planned = () => planNight(night(), SIX, SIX_REGIONS_LATENCY_MS, T0);

  test('withdraws the step\'s region when nothing else is out', () => {
    expect(withdrawDecision(planned(), T0)).toEqual({ withdraw: true });
  });

  test('never a second region out', () => {
    const n = { ...planned(), out: 'us-east-1' };
    expect(() => withdrawDecision(n, T0)).toThrow(/us-east-1 is out of DNS, so sa-east-1 may not leave it/);
  });

  test('never the last serving region: a single-region fleet stays in DNS while it is rebuilt', () => {
    const single = planNight(night(), [reading('eu-west-1', 10)], {}, T0);
    expect(withdrawDecision(single, T0)).toEqual({ withdraw: false, why: 'last serving region' });
  });

  test('a step whose budget does not fit the window is not started', () => {
    expect(() => withdrawDecision(planned(), minutes(8 * 60 - 100))).toThrow(/not started: its step may take 8700 s and the night's window has 6000 s left/);
  });

  test('property: over any sequence of steps, at most one region is ever out and never the last one', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (count, failUnderTraffic) => {
      let n = planNight(night(), SIX.slice(0, count), {}, T0);
      for (let i = 0; i < n.steps.length; i++) {
        const { withdraw } = withdrawDecision(n, T0);
        n = afterWithdraw(n, withdraw, T0);
        const outNow = Object.keys(n.targets).filter((r) => r === n.out);
        expect(outNow.length).toBeLessThanOrEqual(1);
        expect(Object.keys(n.targets).length - outNow.length).toBeGreaterThanOrEqual(1);
        n = afterRestore(afterPoll(n, 'SUCCEEDED', T0), T0);
        if (failUnderTraffic[i]) {
          n = afterWatch(n, false, T0);
          const { withdraw: again } = failureDecision(n);
          n = afterFailure(n, again, T0);
          expect(n.out === null || Object.keys(n.targets).length > 1).toBe(true);
          return;
        }
        n = { ...n, cursor: n.cursor + 1, current: undefined };
      }
      expect(n.out).toBeNull();
    }));
  });
});

describe('after a failure', () => {
  const planned = () => planNight(night(), SIX.slice(0, 3), {}, T0);

  test('a region that failed while out of DNS stays out; one untouched (window) stays in', () => {
    const out = afterPoll(afterWithdraw(planned(), true, T0), 'FAILED', T0, 'CleanSlateFailed', 'instance refresh ended Failed');
    expect(failureDecision(out)).toEqual({ withdraw: false });
    expect(afterFailure(out, false, T0)).toMatchObject({ out: out.steps[0].region, outcome: 'halted', failure: { error: 'CleanSlate.FAILED' } });
    expect(failureDecision(planned())).toEqual({ withdraw: false });
  });

  test('a region that failed under traffic is withdrawn again', () => {
    const n = afterWatch(afterRestore(afterPoll(afterWithdraw(planned(), true, T0), 'SUCCEEDED', T0), T0), false, T0);
    expect(n.out).toBeNull();
    expect(failureDecision(n)).toEqual({ withdraw: true });
    expect(afterFailure(n, true, T0).out).toBe(n.steps[0].region);
  });

  test('an error caught by the state machine becomes the failure', () => {
    const n = { ...afterWithdraw(planned(), true, T0), caught: { Error: 'Throttling', Cause: 'Rate exceeded' } };
    expect(afterFailure(n, false, T0).failure).toEqual({ region: n.steps[0].region, error: 'Throttling', cause: 'Rate exceeded' });
  });
});

describe('small decisions', () => {
  test('healthy by Route 53\'s rule: more than 18 % of the checkers report success', () => {
    expect(healthVerdict(['Success: HTTP Status Code 200, OK', ...Array(4).fill('Failure: Connection timed out.')])).toBe(true);
    expect(healthVerdict(['Success: HTTP Status Code 200, OK', ...Array(5).fill('Failure: Connection timed out.')])).toBe(false);
    expect(healthVerdict([])).toBe(false);
  });

  test('the clean slate execution name is unique per night and region, at most 80 characters', () => {
    const long = { ...night(), execution: `${EXEC.slice(0, EXEC.lastIndexOf(':') + 1)}${'x'.repeat(80)}` };
    expect(cleanSlateExecutionName(night(), 'eu-west-1')).toBe('night-1-eu-west-1');
    expect(cleanSlateExecutionName(long, 'ap-southeast-2').length).toBeLessThanOrEqual(80);
  });

  test('the record fits a standard SSM parameter even for many regions with long causes', () => {
    const many = Array.from({ length: 40 }, (_, i) => reading(`r-${String(i).padStart(2, '0')}`, i));
    const n = afterFailure({ ...planNight(night(), many, {}, T0), caught: { Error: 'X', Cause: 'y'.repeat(5000) } }, false, T0);
    expect(nightRecord(n).length).toBeLessThanOrEqual(4000);
    expect(JSON.parse(nightRecord(n)).outcome).toBe('halted');
  });
});

describe('alarm-gated regions', () => {
  const planned = () => planNight(night(), SIX.slice(0, 3), {}, T0);
  const rebuilt = () => afterPoll(afterWithdraw(planned(), true, T0), 'SUCCEEDED', T0);

  test('health: passing with no alarm in ALARM is healthy; an alarm keeps it pending until the deadline, then halts it', () => {
    expect(afterHealth(rebuilt(), true, T0, []).current!.health).toBe('healthy');
    const pending = afterHealth(rebuilt(), true, T0, ['a-target-5xx']);
    expect(pending.current!.health).toBe('pending');
    expect(pending.failure).toBeUndefined();
    const late = afterHealth(rebuilt(), true, minutes(60), ['a-target-5xx']);
    expect(late.failure).toMatchObject({ region: late.steps[0].region, error: 'Conductor.Alarm' });
    expect(late.failure!.cause).toContain('a-target-5xx');
    // A failing health check is named as such, alarms or not.
    expect(afterHealth(rebuilt(), false, minutes(60), ['x']).failure!.error).toBe('Conductor.Unhealthy');
  });

  test('watch: any alarm in ALARM under traffic fails the step at once, so the night halts before the next region', () => {
    const watching = afterRestore(afterHealth(rebuilt(), true, T0), T0);
    const n = afterWatch(watching, true, minutes(1), ['Production-Cluster-2E5428C5-tasks-not-placed']);
    expect(n.current!.watch).toBe('unhealthy');
    expect(n.failure).toMatchObject({ error: 'Conductor.AlarmUnderTraffic' });
    expect(afterWatch(watching, true, minutes(1), []).failure).toBeUndefined();
    expect(afterWatch(watching, true, minutes(11), []).current!.watch).toBe('settled');
    // Like a failing health check under traffic: out of DNS again, another region serving.
    expect(failureDecision(n)).toEqual({ withdraw: true });
  });

  test('a cause names at most five alarms and counts the rest', () => {
    expect(alarmList(['a', 'b'])).toBe('a, b');
    expect(alarmList(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('a, b, c, d, e and 2 more');
  });
});
