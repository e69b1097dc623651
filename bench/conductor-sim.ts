/**
 * Night simulation of the fleet conductor: a fake fleet (regions with load series, clean slates that take time, Route
 * 53 health checks that can be inverted, a DynamoDB lock item) and a driver that walks the conductor's state machine
 * (the same states, Retry and Catch as lib/rollout/fleet-conductor.ts) on a virtual clock, calling the real handler
 * actions (lambda/fleet-conductor/actions.ts) and the real pure decisions. Injected failures: a region that never
 * stabilises, a health check that fails after re-enable, throttled APIs, a night that exceeds its window, two nights
 * started together, a lock left by a dead night, no load known.
 *
 * Every run checks the invariants: at most one region out of DNS, never a region and its peer out together, never the
 * last serving region out, the chain halts at the first failure, every region visited exactly once on a clean night.
 * Prints each scenario's timeline and the night's cost (API calls, state transitions).
 * Run: npx tsx bench/conductor-sim.ts (also part of `npm run bench`); test/rollout/conductor-sim.test.ts runs it in CI.
 */
import { NightState, RegionTarget } from '../lib/rollout/conductor-logic';
import { LoadPoint } from '../lib/rollout/forecast';
import { ConductorConfig, ConductorEvent, ConductorPorts, runAction } from '../lambda/fleet-conductor/actions';
import { SIX_REGIONS, SIX_REGIONS_LATENCY_MS } from '../test/fixtures/regions';

/** One simulated region. */
export interface SimRegion {
  readonly name: string;
  /** Requests per minute now and its change per minute over the last half hour. */
  readonly load: number;
  readonly trendPerMinute?: number;
  /** Minutes its clean slate takes. */
  readonly cleanSlateMinutes?: number;
  /** Injected failure. */
  readonly failure?: 'never-stabilises' | 'unhealthy-after-restore' | 'unhealthy-before-restore';
  /** Out of DNS when the night starts (left by an earlier night). */
  readonly outAtStart?: boolean;
  /** No public name: no health check to invert or read. */
  readonly noEndpoint?: boolean;
}

export interface Scenario {
  readonly name: string;
  readonly regions: readonly SimRegion[];
  readonly latencyMs?: Record<string, Record<string, number>>;
  /** Calls throttled: API name → how many calls in a row fail with throttling (Infinity: every call). */
  readonly throttle?: Record<string, number>;
  /** Regions whose GetMetricData is throttled beyond every retry. */
  readonly metricsUnavailable?: readonly string[];
  readonly windowHours?: number;
  /** A second night started at the same instant. */
  readonly concurrentStart?: boolean;
  /** A lock left by a night that died 10 hours ago. */
  readonly staleLock?: boolean;
  /** What the scenario expects, checked by `simulate`. */
  readonly expect: { outcome: 'succeeded' | 'halted'; haltedAt?: string; leftOut?: string | null };
}

export interface SimResult {
  readonly scenario: string;
  readonly outcome: 'succeeded' | 'halted' | 'refused';
  readonly night: NightState;
  readonly timeline: string[];
  readonly violations: string[];
  readonly visited: string[];
  readonly transitions: number;
  readonly lambdaInvocations: number;
  readonly apiCalls: Record<string, number>;
  readonly durationMinutes: number;
  readonly maxOut: number;
  /** Names of the states entered, as in the state machine's definition. */
  readonly states: string[];
}

const START = Date.parse('2026-11-24T00:00:00.000Z');
const CLEAN_SLATE_TIMEOUT_MIN = 120;
const TIMINGS = { drainSeconds: 180, pollSeconds: 60, healthTimeoutSeconds: 600, settleSeconds: 600, stepBudgetSeconds: CLEAN_SLATE_TIMEOUT_MIN * 60 + 180 + 600 + 600 + 120 };
const RETRYABLE = ['Lambda.TooManyRequestsException', 'ThrottlingException', 'Throttling', 'TooManyRequestsException', 'PriorRequestNotComplete'];

class Throttled extends Error {
  constructor(api: string) {
    super(`Rate exceeded (${api})`);
    this.name = api === 'GetMetricData' || api.startsWith('Route53') ? 'Throttling' : 'ThrottlingException';
  }
}

/** The fake fleet: Route 53 inversion, clean-slate executions, the lock item, call counters. */
class World {
  readonly inverted = new Map<string, boolean>();
  readonly executions = new Map<string, { region: string; startedAt: number; status?: string }>();
  readonly started: string[] = [];
  readonly restoredAt = new Map<string, number>();
  lock?: { holder: string; expiresAt: number };
  readonly calls: Record<string, number> = {};
  readonly violations: string[] = [];
  maxOut = 0;
  record = '';
  now = START;
  night?: NightState;
  private throttleLeft: Record<string, number>;

  constructor(readonly scenario: Scenario) {
    for (const r of scenario.regions) this.inverted.set(r.name, r.outAtStart === true);
    this.throttleLeft = { ...(scenario.throttle ?? {}) };
    if (scenario.staleLock) this.lock = { holder: 'arn:aws:states:eu-west-1:111111111111:execution:conductor:dead-night', expiresAt: START / 1000 - 3600 };
  }

  region(name: string): SimRegion {
    return this.scenario.regions.find((r) => r.name === name)!;
  }

  call(api: string): void {
    this.calls[api] = (this.calls[api] ?? 0) + 1;
    if ((this.throttleLeft[api] ?? 0) > 0) {
      this.throttleLeft[api]--;
      throw new Throttled(api);
    }
  }

  out(): string[] {
    return [...this.inverted].filter(([, v]) => v).map(([k]) => k);
  }

  checkDns(): void {
    const out = this.out();
    this.maxOut = Math.max(this.maxOut, out.length);
    if (out.length > 1) this.violations.push(`${out.join(' and ')} out of DNS together`);
    if (out.length === this.scenario.regions.length && out.length > 0) this.violations.push('no region serving');
    const step = this.night?.steps[this.night.cursor];
    if (step?.peer && out.includes(step.region) && out.includes(step.peer)) this.violations.push(`${step.region} and its peer ${step.peer} out together`);
  }

  healthy(region: string): boolean {
    const r = this.region(region);
    if (r.failure === 'unhealthy-before-restore') return false;
    const back = this.restoredAt.get(region);
    if (r.failure === 'unhealthy-after-restore' && back !== undefined && this.now >= back + 3 * 60_000) return false;
    return true;
  }

  ports(): ConductorPorts {
    const target = (region: string): RegionTarget => ({
      region,
      stateMachineArn: `arn:aws:states:${region}:111111111111:stateMachine:Production-${region}-CleanSlate`,
      healthCheckId: this.region(region).noEndpoint ? undefined : `hc-${region}`,
      loadBalancer: `app/Production-${region}/0123456789abcdef`,
    });
    return {
      readTarget: async (region) => {
        this.call('GetParameter');
        return target(region);
      },
      loadSeries: async (t, start, end) => {
        this.call('GetMetricData');
        if (this.scenario.metricsUnavailable?.includes(t.region)) throw new Throttled('GetMetricData');
        const r = this.region(t.region);
        const points: LoadPoint[] = [];
        for (let m = start.getTime(); m < end.getTime(); m += 60_000) {
          const minutesBeforeEnd = (end.getTime() - m) / 60_000;
          // A little deterministic noise so the fit is a real regression.
          const noise = ((m / 60_000) % 3) - 1;
          points.push({ time: new Date(m), value: Math.max(0, r.load - (r.trendPerMinute ?? 0) * minutesBeforeEnd + noise) });
        }
        return points;
      },
      isWithdrawn: async (t) => {
        this.call('Route53.GetHealthCheck');
        return this.inverted.get(t.region) === true;
      },
      setWithdrawn: async (t, withdrawn) => {
        this.call('Route53.UpdateHealthCheck');
        this.inverted.set(t.region, withdrawn);
        if (!withdrawn) this.restoredAt.set(t.region, this.now);
        this.checkDns();
      },
      startCleanSlate: async (t, name) => {
        this.call('StartExecution');
        const arn = `${t.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
        if (!this.executions.has(arn)) {
          this.executions.set(arn, { region: t.region, startedAt: this.now });
          this.started.push(t.region);
        }
        return arn;
      },
      describeCleanSlate: async (_t, arn) => {
        this.call('DescribeExecution');
        const e = this.executions.get(arn)!;
        const r = this.region(e.region);
        const elapsed = (this.now - e.startedAt) / 60_000;
        if (r.failure === 'never-stabilises') {
          if (elapsed < CLEAN_SLATE_TIMEOUT_MIN) return { status: 'RUNNING' };
          return { status: 'FAILED', error: 'CleanSlateTimedOut', cause: `not stable after ${CLEAN_SLATE_TIMEOUT_MIN * 60} s: api (1/2 tasks running)` };
        }
        return { status: elapsed >= (r.cleanSlateMinutes ?? 14) ? 'SUCCEEDED' : 'RUNNING' };
      },
      healthObservations: async (t) => {
        this.call('Route53.GetHealthCheckStatus');
        const ok = this.healthy(t.region);
        // Eight checkers; one always sees a failure (a checker's network), which Route 53's 18 % rule tolerates.
        return Array.from({ length: 8 }, (_, i) => (ok && i > 0 ? 'Success: HTTP Status Code 200, OK' : 'Failure: Connection timed out.'));
      },
      // The simulated regions publish no alarm topic, so the conductor never asks (their health is the health check's).
      alarmsInAlarm: async () => {
        this.call('DescribeAlarms');
        return [];
      },
      writeRecord: async (record) => {
        this.call('PutParameter');
        this.record = record;
      },
    };
  }
}

/** Walks the conductor's state machine for one night. */
class Driver {
  transitions = 0;
  lambda = 0;
  readonly states = new Set<string>();
  night!: NightState;
  constructor(private readonly world: World, private readonly cfg: ConductorConfig, private readonly execution: string) {}

  private enter(state: string): void {
    this.states.add(state);
    this.transitions++;
  }

  private wait(seconds: number, state: string): void {
    this.enter(state);
    this.world.now += seconds * 1000;
  }

  /** A Lambda task with the state machine's Retry (throttling: 4 attempts, 10 s × 2ⁿ); other errors go to Catch. */
  private async task(state: string, event: ConductorEvent): Promise<NightState> {
    this.enter(state);
    for (let attempt = 0; ; attempt++) {
      this.lambda++;
      try {
        const night = await runAction(event, this.world.ports(), this.cfg, new Date(this.world.now).toISOString());
        this.world.now += 1000; // a second per invocation
        this.world.night = night;
        return night;
      } catch (e: any) {
        this.world.now += 1000;
        if (RETRYABLE.includes(e?.name) && attempt < 3) {
          this.transitions++;
          this.world.now += 10_000 * 2 ** attempt;
          continue;
        }
        throw Object.assign(new Error(e?.message ?? String(e)), { caught: { Error: e?.name ?? 'Error', Cause: e?.message ?? String(e) } });
      }
    }
  }

  /** Open and Lock. False when the lock refuses this night. */
  async openAndLock(input: Record<string, unknown>): Promise<boolean> {
    this.night = await this.task('Open', { action: 'open', execution: this.execution, startedAt: new Date(this.world.now).toISOString(), input });
    this.enter('Lock');
    const now = Number(this.night.lease.now);
    const item = this.world.lock;
    if (item && !(item.expiresAt < now)) {
      this.enter('AlreadyRunning');
      return false;
    }
    this.world.lock = { holder: this.execution, expiresAt: Number(this.night.lease.until) };
    return true;
  }

  async rest(): Promise<'succeeded' | 'halted'> {
    const n = () => this.night;
    try {
      this.night = await this.task('Plan', { action: 'plan', night: n() });
      for (;;) {
        this.enter('NextRegion?');
        if (n().done) {
          this.night = await this.task('Finish', { action: 'finish', night: n() });
          this.unlock('Unlock');
          this.enter('Done');
          return 'succeeded';
        }
        this.night = await this.task('Withdraw', { action: 'withdraw', night: n() });
        this.wait(n().timings.drainSeconds, 'Drain');
        this.night = await this.task('StartCleanSlate', { action: 'start', night: n() });
        for (;;) {
          this.wait(n().timings.pollSeconds, 'CleanSlateWait');
          this.night = await this.task('CheckCleanSlate', { action: 'poll', night: n() });
          this.enter('CleanSlateDone?');
          if (n().current?.cleanSlate === 'RUNNING') continue;
          if (n().current?.cleanSlate === 'SUCCEEDED') break;
          return await this.fail();
        }
        for (;;) {
          this.night = await this.task('CheckHealth', { action: 'health', night: n() });
          this.enter('Healthy?');
          if (n().current?.health === 'healthy') break;
          if (n().current?.health !== 'pending') return await this.fail();
          this.wait(n().timings.pollSeconds, 'HealthWait');
        }
        this.night = await this.task('Restore', { action: 'restore', night: n() });
        for (;;) {
          this.wait(n().timings.pollSeconds, 'SettleWait');
          this.night = await this.task('Watch', { action: 'watch', night: n() });
          this.enter('Settled?');
          if (n().current?.watch === 'settled') break;
          if (n().current?.watch !== 'watching') return await this.fail();
        }
        this.night = await this.task('Advance', { action: 'advance', night: n() });
      }
    } catch (e: any) {
      if (!e?.caught) throw e;
      this.night = { ...n(), caught: e.caught };
      return this.fail();
    }
  }

  private async fail(): Promise<'halted'> {
    try {
      this.night = await this.task('RegionFailed', { action: 'fail', night: this.night });
    } catch {
      // Catch → UnlockAfterFailure, as in the state machine.
    }
    this.unlock('UnlockAfterFailure');
    this.enter('Halted');
    return 'halted';
  }

  private unlock(state: string): void {
    this.enter(state);
    if (this.world.lock?.holder === this.execution) this.world.lock = undefined;
  }
}

/** Runs one scenario and checks every invariant. */
export async function simulate(scenario: Scenario): Promise<SimResult> {
  const world = new World(scenario);
  const cfg: ConductorConfig = {
    regions: scenario.regions.map((r) => r.name),
    latencyMs: scenario.latencyMs ?? {},
    timings: TIMINGS,
    windowSeconds: (scenario.windowHours ?? 8) * 3600,
    leaseSeconds: ((scenario.windowHours ?? 8) + 1) * 3600,
  };
  const exec = (name: string) => `arn:aws:states:eu-west-1:111111111111:execution:conductor:${name}`;
  const driver = new Driver(world, cfg, exec('night-2026-11-24'));
  const extra: string[] = [];
  const ok = await driver.openAndLock({ trigger: 'schedule' });
  const states = driver.states;
  if (scenario.concurrentStart) {
    // A manual night started the same instant: its Open and Lock run now, against the same lock item.
    const other = new Driver(world, cfg, exec('manual-2026-11-24'));
    const otherOk = await other.openAndLock({ trigger: 'manual' });
    other.states.forEach((st) => states.add(st));
    extra.push(`00:00:01  manual night: ${otherOk ? 'took the lock too' : 'refused by the lock (Conductor.AlreadyRunning), did nothing'}`);
    if (ok === otherOk) world.violations.push(ok ? 'two nights hold the lock' : 'both nights refused');
  }
  if (scenario.staleLock) extra.push(`00:00:01  lock of a dead night (expired lease) ${ok ? 'taken over' : 'blocked this night'}`);
  const outcome: SimResult['outcome'] = ok ? await driver.rest() : 'refused';
  const night = driver.night;

  // The chain: regions started are a prefix of the plan; after a failure nothing else starts.
  const order = night.steps.map((s) => s.region);
  const visited = world.started;
  if (visited.join() !== order.slice(0, visited.length).join()) world.violations.push(`visited ${visited.join(', ')} out of plan order ${order.join(', ')}`);
  if (new Set(visited).size !== visited.length) world.violations.push(`a region was started twice: ${visited.join(', ')}`);
  if (outcome === 'succeeded' && visited.length !== scenario.regions.length) world.violations.push(`clean night visited ${visited.length} of ${scenario.regions.length} regions`);
  if (outcome === 'halted') {
    const failed = night.failure?.region;
    if (failed && visited.length > 0 && visited[visited.length - 1] !== failed && visited.includes(failed)) world.violations.push(`a region was started after ${failed} failed`);
  }
  if (outcome !== scenario.expect.outcome) world.violations.push(`outcome ${outcome}, expected ${scenario.expect.outcome}`);
  if (scenario.expect.haltedAt !== undefined && night.failure?.region !== scenario.expect.haltedAt) world.violations.push(`halted at ${night.failure?.region}, expected ${scenario.expect.haltedAt}`);
  const leftOut = world.out()[0] ?? null;
  if (scenario.expect.leftOut !== undefined && leftOut !== scenario.expect.leftOut) world.violations.push(`${leftOut} left out of DNS, expected ${scenario.expect.leftOut}`);
  if (world.lock?.holder === driver['execution']) world.violations.push('the lock was not released');
  if (outcome !== 'refused' && !world.record) world.violations.push('no record written');

  const clock = (iso: string) => new Date(iso).toISOString().slice(11, 19);
  const timeline = [
    ...night.timeline.map((t) => `${clock(t.at)}  ${(t.region ?? '').padEnd(14)}  ${t.event}${t.detail ? ` — ${t.detail}` : ''}`),
    ...extra,
  ].sort((a, b) => (a.slice(0, 8) < b.slice(0, 8) ? -1 : a.slice(0, 8) > b.slice(0, 8) ? 1 : 0));
  return {
    scenario: scenario.name, outcome, night, timeline, violations: world.violations, visited,
    transitions: driver.transitions, lambdaInvocations: driver.lambda, apiCalls: world.calls,
    durationMinutes: Math.round((world.now - START) / 60_000), maxOut: world.maxOut, states: [...states].sort(),
  };
}

const SIX: SimRegion[] = SIX_REGIONS.map((r, i) => ({ name: r.name, load: (r.load ?? 0) * 60, trendPerMinute: [8, -4, 2, 0, -1, 1][i] }));
const THREE: SimRegion[] = [
  { name: 'eu-west-1', load: 18_000, trendPerMinute: 20 },
  { name: 'us-east-1', load: 54_000, trendPerMinute: -30 },
  { name: 'ap-southeast-2', load: 6_000, trendPerMinute: 5 },
];
const THREE_LATENCY = { 'eu-west-1': { 'us-east-1': 70, 'ap-southeast-2': 280 }, 'us-east-1': { 'ap-southeast-2': 200 } };
const nth = (regions: SimRegion[], n: number, change: Partial<SimRegion>) => {
  // The region that tonight's plan puts n-th (least busy first by forecast).
  const sorted = [...regions].sort((a, b) => a.load - b.load);
  return regions.map((r) => (r.name === sorted[n].name ? { ...r, ...change } : r));
};
const sixNth = (n: number) => [...SIX].sort((a, b) => a.load - b.load)[n].name;

export const SCENARIOS: Scenario[] = [
  { name: 'clean night, three production regions', regions: THREE, latencyMs: THREE_LATENCY, expect: { outcome: 'succeeded', leftOut: null } },
  { name: 'third region fails its health check after its clean slate (three regions)', regions: nth(THREE, 2, { failure: 'unhealthy-before-restore' }), latencyMs: THREE_LATENCY, expect: { outcome: 'halted', haltedAt: 'us-east-1', leftOut: 'us-east-1' } },
  { name: 'clean night, six regions', regions: SIX, latencyMs: SIX_REGIONS_LATENCY_MS, expect: { outcome: 'succeeded', leftOut: null } },
  { name: 'a region that never stabilises (third of six)', regions: nth(SIX, 2, { failure: 'never-stabilises' }), latencyMs: SIX_REGIONS_LATENCY_MS, expect: { outcome: 'halted', haltedAt: sixNth(2), leftOut: sixNth(2) } },
  { name: 'a health check that fails after re-enable (second of six)', regions: nth(SIX, 1, { failure: 'unhealthy-after-restore' }), latencyMs: SIX_REGIONS_LATENCY_MS, expect: { outcome: 'halted', haltedAt: sixNth(1), leftOut: sixNth(1) } },
  { name: 'throttled APIs: UpdateHealthCheck ×2, DescribeExecution ×3 (retried), one region\'s metrics for good (ring)', regions: SIX, latencyMs: SIX_REGIONS_LATENCY_MS, throttle: { 'Route53.UpdateHealthCheck': 2, DescribeExecution: 3 }, metricsUnavailable: ['eu-central-1'], expect: { outcome: 'succeeded', leftOut: null } },
  { name: 'a throttled API that never recovers (UpdateHealthCheck)', regions: SIX, latencyMs: SIX_REGIONS_LATENCY_MS, throttle: { 'Route53.UpdateHealthCheck': Infinity }, expect: { outcome: 'halted', haltedAt: sixNth(0), leftOut: null } },
  { name: 'a night that exceeds its window (slow clean slates, 6 h window)', regions: SIX.map((r) => ({ ...r, cleanSlateMinutes: 100 })), latencyMs: SIX_REGIONS_LATENCY_MS, windowHours: 6, expect: { outcome: 'halted', haltedAt: sixNth(2), leftOut: null } },
  { name: 'two nights started together (nightly + manual)', regions: THREE, latencyMs: THREE_LATENCY, concurrentStart: true, expect: { outcome: 'succeeded', leftOut: null } },
  { name: 'a lock left by a dead night (lease expired)', regions: THREE, latencyMs: THREE_LATENCY, staleLock: true, expect: { outcome: 'succeeded', leftOut: null } },
  { name: 'a region without a public name (no health check) is rebuilt in place', regions: THREE.map((r) => (r.name === 'eu-west-1' ? { ...r, noEndpoint: true } : r)), latencyMs: THREE_LATENCY, expect: { outcome: 'succeeded', leftOut: null } },
  { name: 'a region left out by last night is rebuilt first', regions: THREE.map((r) => (r.name === 'us-east-1' ? { ...r, outAtStart: true } : r)), latencyMs: THREE_LATENCY, expect: { outcome: 'succeeded', leftOut: null } },
];

/** Dollars per night, from public list prices (us-east-1, 2026): see docs/rollout.md. */
export function costOf(r: SimResult): { transitions: number; lambda: number; apiCalls: number; dollars: number } {
  const apiCalls = Object.values(r.apiCalls).reduce((a, b) => a + b, 0);
  const metrics = r.apiCalls.GetMetricData ?? 0; // one metric per request
  const dollars = r.transitions * 0.000025 // Step Functions standard: $0.025 per 1,000 state transitions
    + r.lambdaInvocations * (0.0000002 + 0.25 * 0.5 * 0.0000166667) // $0.20 per 1M requests + 256 MB × ~0.5 s
    + metrics * 0.00001 // GetMetricData: $0.01 per 1,000 metrics requested
    + 2 * 0.00000125; // two DynamoDB on-demand writes (lock, unlock)
  return { transitions: r.transitions, lambda: r.lambdaInvocations, apiCalls, dollars };
}

export async function main(): Promise<string> {
  const lines: string[] = ['### Conductor night simulation', ''];
  const summary = ['| scenario | outcome | regions rebuilt | left out of DNS | most out at once | night | state transitions | Lambda invocations | AWS API calls | cost |', '|---|---|---|---|---|---|---|---|---|---|'];
  let failures = 0;
  for (const s of SCENARIOS) {
    const r = await simulate(s);
    const c = costOf(r);
    failures += r.violations.length;
    summary.push(`| ${s.name} | ${r.outcome}${r.night.failure ? ` (${r.night.failure.error})` : ''} | ${r.visited.length - (r.night.failure?.region && r.visited.includes(r.night.failure.region) ? 1 : 0)}/${s.regions.length} | ${r.night.out ?? '—'} | ${r.maxOut} | ${r.durationMinutes} min | ${c.transitions} | ${c.lambda} | ${c.apiCalls} | $${c.dollars.toFixed(4)} |`);
    lines.push(`#### ${s.name}`, '', '```', ...r.timeline, '```', '', r.violations.length ? `**Invariant violations:** ${r.violations.join('; ')}` : 'Invariants hold: at most one region out of DNS, never a region with its peer, chain halted at the first failure, each region visited once.', '');
  }
  lines.splice(2, 0, ...summary, '', `Violations across all scenarios: ${failures}.`, '');
  return lines.join('\n');
}

if (require.main === module) {
  main().then((text) => {
    console.log(text);
    if (/Violations across all scenarios: [1-9]/.test(text)) process.exit(1);
  });
}
