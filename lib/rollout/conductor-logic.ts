/**
 * The fleet conductor's decisions, pure (no CDK imports, no SDK, no clock: `now` is always passed in), so the handler,
 * the tests and the night simulation (bench/conductor-sim.ts) all run the same code.
 *
 * A night is a JSON object (`NightState`) that the conductor's state machine carries from state to state; every
 * handler action takes it and returns the next one.
 */
import { forecastLoad, LoadPoint } from './forecast';
import { planRollout, RolloutStrategy } from './planner';

/** Minutes of load read per region, and minutes ahead the forecast looks. */
export const LOOKBACK_MINUTES = 30;
export const HORIZON_MINUTES = 30;

/** Route 53's own rule: an endpoint is healthy when more than 18 % of its health checkers report it healthy. */
export const HEALTHY_SHARE = 0.18;

/** What the conductor knows of one region, as its stack publishes it (an SSM parameter in that region). */
export interface RegionTarget {
  readonly region: string;
  /** ARN of the region's CleanSlate state machine. */
  readonly stateMachineArn: string;
  /** Id of the Route 53 health check of the region's latency record; none for a region without a public name. */
  readonly healthCheckId?: string;
  /** The load balancer's full name (`app/<name>/<id>`), the `LoadBalancer` dimension of its CloudWatch metrics. */
  readonly loadBalancer?: string;
  /**
   * ARN of the SNS topic every alarm of the region notifies: its alarms are those with this action, and one in ALARM
   * halts the night before the next region. None: the region's alarms are not watched.
   */
  readonly alarmTopicArn?: string;
}

/** One line of a night's timeline. */
export interface TimelineEntry {
  /** ISO time. */
  readonly at: string;
  readonly region?: string;
  readonly event: string;
  readonly detail?: string;
}

/** One region's step tonight. */
export interface NightStep {
  readonly region: string;
  /** The region that stays up and serves its users while this one is rebuilt. */
  readonly peer?: string;
  /** Forecast load 30 minutes ahead (requests per minute), when known. */
  readonly forecast?: number;
  readonly reason: string;
}

/** The region being worked on. */
export interface CurrentStep {
  readonly region: string;
  /** Whether the conductor withdrew it from DNS (false only for a single-region fleet, which is never withdrawn). */
  readonly withdrawn: boolean;
  readonly startedAt: string;
  readonly cleanSlateExecution?: string;
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED (DescribeExecution's status). */
  readonly cleanSlate?: string;
  /** `pending` until the health check passes (or `healthDeadline`), then `healthy` or `unhealthy`. */
  readonly health?: 'pending' | 'healthy' | 'unhealthy';
  readonly healthDeadline?: string;
  /** Back in DNS: `watching` until `watchUntil`, then `settled`; `unhealthy` on any failed check. */
  readonly watch?: 'watching' | 'settled' | 'unhealthy';
  readonly watchUntil?: string;
}

/** Options a manual run may pass as the execution input. */
export interface NightOptions {
  /** Start tonight's plan at this region (the ones before it are skipped). */
  readonly startFrom?: string;
  /** Only these regions, in tonight's planned order. */
  readonly only?: readonly string[];
  /** What started the run: `schedule` or `manual`. */
  readonly trigger?: string;
}

/** Durations of a night, in seconds. */
export interface NightTimings {
  /** Wait after withdrawing a region before rebuilding it: resolvers' TTL plus the health check's failure detection. */
  readonly drainSeconds: number;
  /** Poll interval of the clean slate and the health checks. */
  readonly pollSeconds: number;
  /** How long a rebuilt region may take to pass its health check (still out of DNS). */
  readonly healthTimeoutSeconds: number;
  /** How long a region is watched under traffic once back in DNS. */
  readonly settleSeconds: number;
  /** Most a region's step may take (its CleanSlate timeout plus drain, health and settle). */
  readonly stepBudgetSeconds: number;
}

/** The night, carried from state to state. */
export interface NightState {
  readonly execution: string;
  readonly startedAt: string;
  /** No step starts unless its whole budget fits before this (ISO). */
  readonly deadline: string;
  /**
   * The lease of the fleet lock: epoch seconds now and until when this night holds it (a dead night's lock is taken
   * over after that). Strings, as DynamoDB numbers travel.
   */
  readonly lease: { readonly now: string; readonly until: string };
  readonly options: NightOptions;
  readonly timings: NightTimings;
  readonly strategy?: RolloutStrategy;
  readonly steps: NightStep[];
  readonly targets: Record<string, RegionTarget>;
  /** Index of the current step in `steps`. */
  readonly cursor: number;
  /** The region out of DNS, if any: never more than one. */
  readonly out: string | null;
  readonly current?: CurrentStep;
  /** True when every step is done (Choice `NextRegion?`). */
  readonly done: boolean;
  /** Why the night stopped, once it did. */
  readonly failure?: { readonly region?: string; readonly error: string; readonly cause: string };
  /** Set by a Catch of the state machine: the error of the state that failed. */
  readonly caught?: { readonly Error?: string; readonly Cause?: string };
  readonly timeline: TimelineEntry[];
  /** `succeeded` or `halted`, at the end. */
  readonly outcome?: 'succeeded' | 'halted';
}

/** A step the conductor refuses; the state machine's Catch routes it to `RegionFailed`. */
export class ConductorHalt extends Error {
  constructor(public readonly code: string, message: string) {
    super(message);
    this.name = code;
  }
}

/** The new night of execution `execution` started at `startedAt`, before the lock is taken. */
export function openNight(args: { execution: string; startedAt: string; options?: NightOptions; timings: NightTimings; windowSeconds: number; leaseSeconds: number }): NightState {
  const start = Date.parse(args.startedAt);
  if (Number.isNaN(start)) throw new Error(`conductor: startedAt '${args.startedAt}' is not an ISO time`);
  const now = Math.floor(start / 1000);
  return {
    execution: args.execution,
    startedAt: args.startedAt,
    deadline: new Date(start + args.windowSeconds * 1000).toISOString(),
    lease: { now: String(now), until: String(now + args.leaseSeconds) },
    options: sanitizeOptions(args.options),
    timings: args.timings,
    steps: [],
    targets: {},
    cursor: 0,
    out: null,
    done: false,
    timeline: [{ at: args.startedAt, event: 'night opened', detail: `${args.options?.trigger ?? 'manual'} run` }],
  };
}

function sanitizeOptions(o: NightOptions | undefined): NightOptions {
  const out: { startFrom?: string; only?: string[]; trigger?: string } = {};
  if (typeof o?.startFrom === 'string') out.startFrom = o.startFrom;
  if (Array.isArray(o?.only)) out.only = o.only.filter((r): r is string => typeof r === 'string');
  if (typeof o?.trigger === 'string') out.trigger = o.trigger;
  return out;
}

/** What the conductor read of one region at plan time. */
export interface RegionReading {
  readonly target: RegionTarget;
  /**
   * The region's load over the last 30 minutes; `[]` when the metric has no datapoint (no request at all: load 0),
   * `undefined` when it could not be read.
   */
  readonly series?: readonly LoadPoint[];
  /** Whether its health check is inverted now (left out of DNS by an earlier night or by hand). */
  readonly withdrawn: boolean;
}

/**
 * Tonight's order: each region's load forecast 30 minutes ahead, then the planner (least busy first, each with its
 * nearest peer). When any region's load could not be read, the whole night falls back to the ring (a plan on partial
 * knowledge could put a busy region first). `startFrom` / `only` narrow the night to what a manual run asks. A region
 * left out of DNS by an earlier night always goes first (whatever `startFrom` / `only` say): it is out anyway, and
 * nothing else may leave DNS until it is back.
 */
export function planNight(night: NightState, readings: readonly RegionReading[], latencyMs: Record<string, Record<string, number>>, now: string): NightState {
  if (readings.length === 0) throw new ConductorHalt('Conductor.NoRegions', 'no region is configured');
  const known = readings.every((r) => r.series !== undefined);
  const forecasts: Record<string, number> = {};
  for (const r of readings) {
    if (r.series !== undefined) forecasts[r.target.region] = r.series.length === 0 ? 0 : forecastLoad(r.series, HORIZON_MINUTES);
  }
  const plan = planRollout({
    regions: readings.map((r) => ({ name: r.target.region, load: known ? forecasts[r.target.region] : undefined })),
    latencyMs,
    strategy: known ? RolloutStrategy.LEAST_BUSY : RolloutStrategy.RING,
  });
  let steps: NightStep[] = plan.steps.map((s) => ({ region: s.region, peer: s.peer, forecast: forecasts[s.region], reason: s.reason }));
  const outAlready = readings.filter((r) => r.withdrawn).map((r) => r.target.region);
  if (outAlready.length > 1) {
    throw new ConductorHalt('Conductor.SeveralOut', `${outAlready.join(', ')} are all out of DNS (inverted health checks); put all but one back by hand before a night runs`);
  }
  const leftOut = outAlready.length === 1 ? steps.find((s) => s.region === outAlready[0])! : undefined;
  if (leftOut) steps = steps.filter((s) => s !== leftOut);
  const { startFrom, only } = night.options;
  if (startFrom !== undefined) {
    const i = steps.findIndex((s) => s.region === startFrom);
    if (i < 0 && startFrom !== leftOut?.region) throw new ConductorHalt('Conductor.UnknownRegion', `startFrom '${startFrom}' is not a region of this fleet (${readings.map((r) => r.target.region).join(', ')})`);
    steps = i < 0 ? [] : steps.slice(i);
  }
  if (only !== undefined) {
    const unknown = only.filter((r) => !readings.some((x) => x.target.region === r));
    if (unknown.length) throw new ConductorHalt('Conductor.UnknownRegion', `only names ${unknown.join(', ')}, not regions of this fleet`);
    steps = steps.filter((s) => only.includes(s.region));
  }
  // Nothing else may leave DNS while a region is out: it is rebuilt first, whatever startFrom and only say.
  if (leftOut) steps = [{ ...leftOut, reason: `left out of DNS by an earlier night: rebuilt first; ${leftOut.reason}` }, ...steps];
  const targets = Object.fromEntries(readings.map((r) => [r.target.region, r.target]));
  const order = steps.map((s) => `${s.region}${s.forecast !== undefined ? ` (${Math.round(s.forecast)}/min)` : ''}`).join(', ');
  return {
    ...night,
    strategy: plan.strategy,
    steps,
    targets,
    out: outAlready[0] ?? null,
    cursor: 0,
    done: steps.length === 0,
    timeline: [...night.timeline, { at: now, event: 'planned', detail: `${known ? 'least busy first by forecast' : 'ring (load unknown)'}: ${order || 'nothing to do'}` }],
  };
}

/** Regions serving (in DNS) now. */
export function serving(night: NightState): string[] {
  return Object.keys(night.targets).filter((r) => r !== night.out);
}

/**
 * May `region` leave DNS now? Never two regions out at once, never the region's peer out, never the last serving
 * region, and only when the step's whole budget fits before the night's deadline.
 */
export function withdrawDecision(night: NightState, now: string): { withdraw: boolean; why?: string } {
  const step = night.steps[night.cursor];
  if (!step) throw new ConductorHalt('Conductor.NoStep', `no step at position ${night.cursor}`);
  const left = (Date.parse(night.deadline) - Date.parse(now)) / 1000;
  if (left < night.timings.stepBudgetSeconds) {
    throw new ConductorHalt('Conductor.WindowExceeded', `${step.region} not started: its step may take ${night.timings.stepBudgetSeconds} s and the night's window has ${Math.max(0, Math.round(left))} s left`);
  }
  if (night.out === step.region) return { withdraw: true }; // already out (left by an earlier night): nothing more leaves DNS
  if (night.out !== null) {
    throw new ConductorHalt('Conductor.AnotherRegionOut', `${night.out} is out of DNS, so ${step.region} may not leave it (never two regions out at once)`);
  }
  if (step.peer !== undefined && night.out === step.peer) {
    throw new ConductorHalt('Conductor.PeerOut', `${step.region}'s peer ${step.peer} is out of DNS`);
  }
  // No public name: nothing to withdraw.
  if (!night.targets[step.region]?.healthCheckId) return { withdraw: false, why: 'no public endpoint' };
  // A single-region fleet: the region is the last one serving, so it stays in DNS while it is rebuilt.
  if (serving(night).length <= 1) return { withdraw: false, why: 'last serving region' };
  return { withdraw: true };
}

/** The night after the step's region left DNS (or stayed in, `withdrawn: false`). */
export function afterWithdraw(night: NightState, withdrawn: boolean, now: string, why = 'last serving region'): NightState {
  const step = night.steps[night.cursor];
  return {
    ...night,
    out: withdrawn ? step.region : night.out,
    current: { region: step.region, withdrawn, startedAt: now },
    timeline: [...night.timeline, {
      at: now,
      region: step.region,
      event: !withdrawn ? `kept in DNS (${why})` : night.out === step.region ? 'already out of DNS (left by an earlier night)' : 'withdrawn from DNS',
      detail: step.peer ? `${step.peer} serves its users` : undefined,
    }],
  };
}

/** Execution name of a region's clean slate driven by `night`: unique per night and region, so a retried start is idempotent. */
export function cleanSlateExecutionName(night: NightState, region: string): string {
  const id = night.execution.slice(night.execution.lastIndexOf(':') + 1).replace(/[^A-Za-z0-9_-]/g, '-');
  return `${id.slice(0, 80 - region.length - 1)}-${region}`;
}

export function afterStart(night: NightState, executionArn: string, now: string): NightState {
  const cur = night.current!;
  return {
    ...night,
    current: { ...cur, cleanSlateExecution: executionArn, cleanSlate: 'RUNNING' },
    timeline: [...night.timeline, { at: now, region: cur.region, event: 'clean slate started', detail: executionArn.slice(executionArn.lastIndexOf(':') + 1) }],
  };
}

/** The night after a DescribeExecution of the region's clean slate. */
export function afterPoll(night: NightState, status: string, now: string, error?: string, cause?: string): NightState {
  const cur = night.current!;
  let timeline = night.timeline;
  let failure = night.failure;
  let extra: Partial<CurrentStep> = {};
  if (status === 'SUCCEEDED') {
    timeline = [...timeline, { at: now, region: cur.region, event: 'clean slate succeeded' }];
    extra = { health: 'pending', healthDeadline: new Date(Date.parse(now) + night.timings.healthTimeoutSeconds * 1000).toISOString() };
  } else if (status !== 'RUNNING') {
    const why = `${error ?? status}${cause ? `: ${cause}` : ''}`;
    timeline = [...timeline, { at: now, region: cur.region, event: `clean slate ${status.toLowerCase()}`, detail: why.slice(0, 300) }];
    failure = { region: cur.region, error: `CleanSlate.${status}`, cause: why.slice(0, 1000) };
  }
  return { ...night, current: { ...cur, cleanSlate: status, ...extra }, failure, timeline };
}

/** Each health checker's observation text (`Success: HTTP Status Code 200, OK`, `Failure: …`): healthy by Route 53's 18 % rule. */
export function healthVerdict(observations: readonly string[]): boolean {
  if (observations.length === 0) return false;
  const ok = observations.filter((s) => /^Success/i.test(s)).length;
  return ok / observations.length > HEALTHY_SHARE;
}

/** The alarms named in a cause: the first five, and how many more. */
export function alarmList(alarms: readonly string[]): string {
  const shown = alarms.slice(0, 5).join(', ');
  return alarms.length > 5 ? `${shown} and ${alarms.length - 5} more` : shown;
}

/**
 * Before going back into DNS: healthy (its health check passing and none of its alarms in ALARM), still pending (until
 * the deadline: an alarm raised by the rebuild itself, such as tasks below desired, has that long to clear), or
 * unhealthy.
 */
export function afterHealth(night: NightState, healthy: boolean, now: string, alarms: readonly string[] = []): NightState {
  const cur = night.current!;
  if (healthy && alarms.length === 0) {
    return { ...night, current: { ...cur, health: 'healthy' }, timeline: [...night.timeline, { at: now, region: cur.region, event: 'health check passing' }] };
  }
  if (Date.parse(now) < Date.parse(cur.healthDeadline ?? now)) return { ...night, current: { ...cur, health: 'pending' } };
  const why = healthy
    ? `alarms of ${cur.region} still in ALARM ${night.timings.healthTimeoutSeconds} s after its clean slate succeeded: ${alarmList(alarms)}`
    : `health check of ${cur.region} still failing ${night.timings.healthTimeoutSeconds} s after its clean slate succeeded`;
  return {
    ...night,
    current: { ...cur, health: 'unhealthy' },
    failure: { region: cur.region, error: healthy ? 'Conductor.Alarm' : 'Conductor.Unhealthy', cause: why },
    timeline: [...night.timeline, { at: now, region: cur.region, event: healthy ? 'alarms in ALARM' : 'health check failing', detail: why }],
  };
}

export function afterRestore(night: NightState, now: string): NightState {
  const cur = night.current!;
  return {
    ...night,
    out: night.out === cur.region ? null : night.out,
    current: { ...cur, watch: 'watching', watchUntil: new Date(Date.parse(now) + night.timings.settleSeconds * 1000).toISOString() },
    timeline: [...night.timeline, { at: now, region: cur.region, event: cur.withdrawn ? 'back in DNS' : 'stayed in DNS', detail: `watched for ${night.timings.settleSeconds} s` }],
  };
}

/**
 * Watching under traffic: a failing check, or any of the region's alarms in ALARM, fails the step (the night halts
 * before the next region, as alarm-gated deployment waves do); the step is settled once `watchUntil` passes.
 */
export function afterWatch(night: NightState, healthy: boolean, now: string, alarms: readonly string[] = []): NightState {
  const cur = night.current!;
  if (healthy && alarms.length > 0) {
    const why = `alarms of ${cur.region} in ALARM under traffic after it was put back: ${alarmList(alarms)}`;
    return { ...night, current: { ...cur, watch: 'unhealthy' }, failure: { region: cur.region, error: 'Conductor.AlarmUnderTraffic', cause: why }, timeline: [...night.timeline, { at: now, region: cur.region, event: 'alarms in ALARM under traffic', detail: why }] };
  }
  if (!healthy) {
    const why = `health check of ${cur.region} failed under traffic after it was put back`;
    return { ...night, current: { ...cur, watch: 'unhealthy' }, failure: { region: cur.region, error: 'Conductor.UnhealthyUnderTraffic', cause: why }, timeline: [...night.timeline, { at: now, region: cur.region, event: 'unhealthy under traffic', detail: why }] };
  }
  if (Date.parse(now) < Date.parse(cur.watchUntil!)) return night;
  return { ...night, current: { ...cur, watch: 'settled' }, timeline: [...night.timeline, { at: now, region: cur.region, event: 'settled' }] };
}

/** On to the next step. */
export function advance(night: NightState): NightState {
  const cursor = night.cursor + 1;
  return { ...night, cursor, current: undefined, done: cursor >= night.steps.length };
}

/**
 * When a step fails: should the failed region stay (or go back) out of DNS? Yes when it is out already, or when it
 * failed under traffic and nothing else is out — unless it is the last serving region. The night halts either way.
 */
export function failureDecision(night: NightState): { withdraw: boolean } {
  const region = night.failure?.region ?? night.current?.region;
  if (!region || !night.targets[region]) return { withdraw: false };
  // Out already (failed while rebuilt or before its health check passed): it stays out.
  if (night.out === region) return { withdraw: false };
  // Untouched (the window was exceeded before it started) or never withdrawn (single region): it stays as it is.
  if (night.current?.region !== region || night.current.watch !== 'unhealthy') return { withdraw: false };
  // Failed under traffic: out again, unless another region is out (never two) or it is the last one serving.
  if (night.out !== null) return { withdraw: false };
  const othersServing = serving(night).filter((r) => r !== region).length;
  return { withdraw: othersServing >= 1 };
}

/** The night after a failure: why it stopped, and where DNS was left. */
export function afterFailure(night: NightState, withdrawn: boolean, now: string): NightState {
  const region = night.failure?.region ?? night.current?.region ?? night.steps[night.cursor]?.region;
  const failure = night.failure ?? {
    region,
    error: night.caught?.Error ?? 'Conductor.Failed',
    cause: (night.caught?.Cause ?? 'unknown').slice(0, 1000),
  };
  const out = withdrawn && region ? region : night.out;
  return {
    ...night,
    failure,
    out,
    outcome: 'halted',
    timeline: [...night.timeline, {
      at: now, region, event: 'halted', detail: `${failure.error}: ${failure.cause}`.slice(0, 300) + (out ? `; ${out} left out of DNS` : '; every region in DNS'),
    }],
  };
}

export function afterFinish(night: NightState, now: string): NightState {
  return { ...night, outcome: 'succeeded', timeline: [...night.timeline, { at: now, event: 'night done', detail: `${night.steps.length} region(s) rebuilt` }] };
}

/** "Last night's record": short enough for a standard SSM parameter (4 KB). */
export function nightRecord(night: NightState): string {
  const regions = night.steps.map((s, i) => {
    const events = night.timeline.filter((t) => t.region === s.region);
    const status = night.failure?.region === s.region ? 'failed' : i < night.cursor || (night.outcome === 'succeeded') ? 'rebuilt' : 'not started';
    return { region: s.region, peer: s.peer, forecast: s.forecast === undefined ? undefined : Math.round(s.forecast), status, from: events[0]?.at, to: events[events.length - 1]?.at };
  });
  const record = {
    execution: night.execution,
    startedAt: night.startedAt,
    outcome: night.outcome ?? 'running',
    strategy: night.strategy,
    outOfDns: night.out,
    failure: night.failure ? { ...night.failure, cause: night.failure.cause.slice(0, 500) } : undefined,
    regions,
  };
  let text = JSON.stringify(record);
  if (text.length > 4000) text = JSON.stringify({ ...record, regions: regions.map((r) => ({ region: r.region, status: r.status })) }).slice(0, 4000);
  return text;
}
