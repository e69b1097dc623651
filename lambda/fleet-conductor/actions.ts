/**
 * The conductor's actions, one per task state of its state machine, written against `ConductorPorts` (the AWS calls),
 * so the Lambda handler (real SDK clients) and the night simulation (bench/conductor-sim.ts, a fake fleet) run the
 * same code. Decisions are in lib/rollout/conductor-logic.ts.
 */
import {
  afterFailure, afterFinish, afterHealth, afterPoll, afterRestore, afterStart, afterWatch, afterWithdraw, advance,
  cleanSlateExecutionName, ConductorHalt, failureDecision, healthVerdict, LOOKBACK_MINUTES, NightOptions, NightState,
  NightTimings, nightRecord, openNight, planNight, RegionReading, RegionTarget, withdrawDecision,
} from '../../lib/rollout/conductor-logic';
import { LoadPoint } from '../../lib/rollout/forecast';

/** The AWS calls the conductor makes. Errors propagate (the state machine retries throttling, then halts). */
export interface ConductorPorts {
  /** The region's published target (SSM GetParameter in that region). */
  readTarget(region: string): Promise<RegionTarget>;
  /** Load balancer requests per minute over [start, end) (CloudWatch GetMetricData in that region). */
  loadSeries(target: RegionTarget, start: Date, end: Date): Promise<LoadPoint[]>;
  /** Whether the health check is inverted (Route 53 GetHealthCheck). */
  isWithdrawn(target: RegionTarget): Promise<boolean>;
  /** Inverts (true) or restores (false) the health check (Route 53 UpdateHealthCheck `Inverted`). */
  setWithdrawn(target: RegionTarget, withdrawn: boolean): Promise<void>;
  /** Starts the region's CleanSlate (Step Functions StartExecution in that region); returns the execution ARN. */
  startCleanSlate(target: RegionTarget, name: string, input: Record<string, unknown>): Promise<string>;
  /** Status of a clean-slate execution (DescribeExecution). */
  describeCleanSlate(target: RegionTarget, executionArn: string): Promise<{ status: string; error?: string; cause?: string }>;
  /** Each health checker's observation text (Route 53 GetHealthCheckStatus). */
  healthObservations(target: RegionTarget): Promise<string[]>;
  /** Names of the region's alarms in ALARM: those notifying its alarm topic (CloudWatch DescribeAlarms in that region). */
  alarmsInAlarm(target: RegionTarget): Promise<string[]>;
  /** Writes "last night's record" (SSM PutParameter in the home region). */
  writeRecord(record: string): Promise<void>;
}

/** The conductor's configuration, set by the construct in the function's environment. */
export interface ConductorConfig {
  readonly regions: readonly string[];
  readonly latencyMs: Record<string, Record<string, number>>;
  readonly timings: NightTimings;
  readonly windowSeconds: number;
  readonly leaseSeconds: number;
}

export type ConductorEvent =
  | { action: 'open'; execution: string; startedAt: string; input?: NightOptions }
  | { action: 'plan' | 'withdraw' | 'start' | 'poll' | 'health' | 'restore' | 'watch' | 'advance' | 'fail' | 'finish'; night: NightState };

/** Runs one action; `now` is the clock (ISO). */
export async function runAction(event: ConductorEvent, ports: ConductorPorts, cfg: ConductorConfig, now: string): Promise<NightState> {
  switch (event.action) {
    case 'open':
      return openNight({ execution: event.execution, startedAt: event.startedAt, options: event.input, timings: cfg.timings, windowSeconds: cfg.windowSeconds, leaseSeconds: cfg.leaseSeconds });
    case 'plan':
      return plan(event.night, ports, cfg, now);
    case 'withdraw': {
      const night = event.night;
      const { withdraw, why } = withdrawDecision(night, now);
      const step = night.steps[night.cursor];
      if (withdraw && night.out !== step.region) await ports.setWithdrawn(night.targets[step.region], true);
      return afterWithdraw(night, withdraw, now, why);
    }
    case 'start': {
      const night = event.night;
      const region = night.current!.region;
      const arn = await ports.startCleanSlate(night.targets[region], cleanSlateExecutionName(night, region), { trigger: 'conductor', conductor: night.execution });
      return afterStart(night, arn, now);
    }
    case 'poll': {
      const night = await keepWithdrawn(event.night, ports, now);
      const cur = night.current!;
      const out = await ports.describeCleanSlate(night.targets[cur.region], cur.cleanSlateExecution!);
      return afterPoll(night, out.status, now, out.error, out.cause);
    }
    case 'health': {
      const night = await keepWithdrawn(event.night, ports, now);
      const target = night.targets[night.current!.region];
      return afterHealth(night, await healthy(ports, target), now, await alarming(ports, target));
    }
    case 'restore': {
      const night = event.night;
      const cur = night.current!;
      if (cur.withdrawn || night.out === cur.region) await ports.setWithdrawn(night.targets[cur.region], false);
      return afterRestore(night, now);
    }
    case 'watch': {
      const night = event.night;
      const target = night.targets[night.current!.region];
      return afterWatch(night, await healthy(ports, target), now, await alarming(ports, target));
    }
    case 'advance':
      return advance(event.night);
    case 'fail':
      return fail(event.night, ports, now);
    case 'finish': {
      const night = afterFinish(event.night, now);
      await ports.writeRecord(nightRecord(night));
      return night;
    }
    default:
      throw new Error(`fleet-conductor: unknown action ${JSON.stringify((event as any)?.action)}`);
  }
}

/**
 * While a region is out of DNS for its rebuild, the conductor owns its health check's `Inverted` flag: a deployment of
 * the region's stack that changes the health check may write it back to false (the template cannot leave it out of
 * every update), which would put a region being rebuilt back into DNS. Each poll re-inverts it and notes it.
 */
async function keepWithdrawn(night: NightState, ports: ConductorPorts, now: string): Promise<NightState> {
  const cur = night.current;
  const target = cur && night.targets[cur.region];
  if (!cur?.withdrawn || !target?.healthCheckId || await ports.isWithdrawn(target)) return night;
  await ports.setWithdrawn(target, true);
  return { ...night, timeline: [...night.timeline, { at: now, region: cur.region, event: 'withdrawn again', detail: 'its health check was no longer inverted (a deployment of its stack?)' }] };
}

/**
 * Route 53's verdict on the region; a region without a public name (no health check) counts as healthy: its clean
 * slate's own stability check (every service at its desired count, deployments completed) is its health check.
 */
async function healthy(ports: ConductorPorts, target: RegionTarget): Promise<boolean> {
  if (!target.healthCheckId) return true;
  return healthVerdict(await ports.healthObservations(target));
}

/** The region's alarms in ALARM; none to look at without an alarm topic. */
async function alarming(ports: ConductorPorts, target: RegionTarget): Promise<string[]> {
  return target.alarmTopicArn ? ports.alarmsInAlarm(target) : [];
}

async function plan(night: NightState, ports: ConductorPorts, cfg: ConductorConfig, now: string): Promise<NightState> {
  const end = new Date(now);
  const start = new Date(end.getTime() - LOOKBACK_MINUTES * 60_000);
  const readings: RegionReading[] = [];
  let timeline = night.timeline;
  for (const region of cfg.regions) {
    // Without its target a region cannot be driven at all: that halts the night before anything is touched.
    const target = await ports.readTarget(region);
    let series: LoadPoint[] | undefined;
    try {
      series = await ports.loadSeries(target, start, end);
    } catch (e: any) {
      // The load is only an input to the order: unknown load falls back to the ring rather than halting.
      timeline = [...timeline, { at: now, region, event: 'load unknown', detail: `${e?.name ?? 'Error'}: ${e?.message ?? e}`.slice(0, 200) }];
    }
    readings.push({ target, series, withdrawn: target.healthCheckId ? await ports.isWithdrawn(target) : false });
  }
  return planNight({ ...night, timeline }, readings, cfg.latencyMs, now);
}

async function fail(night: NightState, ports: ConductorPorts, now: string): Promise<NightState> {
  const { withdraw } = failureDecision(night);
  const region = night.failure?.region ?? night.current?.region;
  let withdrawn = false;
  if (withdraw && region) {
    try {
      await ports.setWithdrawn(night.targets[region], true);
      withdrawn = true;
    } catch {
      // Route 53 keeps the region out on its own once its health check fails; the record says it was not withdrawn.
    }
  }
  const halted = afterFailure(night, withdrawn, now);
  await ports.writeRecord(nightRecord(halted));
  return halted;
}

export { ConductorHalt };
