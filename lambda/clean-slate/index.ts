/**
 * Clean-slate handler: a thin adapter the CleanSlate state machine calls twice over.
 * - `start`: starts an instance refresh of the cluster's Auto Scaling group (one already running is adopted, not a
 *   failure) and forces a new deployment of every service of the cluster.
 * - `check`: reports whether the refresh has finished and every service is stable; throws when either failed or when
 *   the run is past its deadline, so the execution fails loudly and the alarm fires.
 * Configuration comes from the environment, set by the construct: CLUSTER_NAME, ASG_NAME, MIN_HEALTHY_PERCENTAGE,
 * MAX_HEALTHY_PERCENTAGE, TIMEOUT_SECONDS.
 */
import {
  AutoScalingClient, DescribeInstanceRefreshesCommand, StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeServicesCommand, ECSClient, ListServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { backoffRetryStrategy, log } from '../shared/aws';
import { now } from '../shared/clock';
import { chunk, isOldestRun, refreshState, RunningExecution, secondsLeft, serviceNameOf, serviceState } from './logic';

/** DescribeServices takes at most 10 services per call. */
const DESCRIBE_BATCH = 10;
/** Pending services named in the output and in errors, so a state stays far below Step Functions' 256 KiB. */
const NAMED = 20;

let clientOverrides: Record<string, unknown> = {};
let clients: { ecs: ECSClient; autoscaling: AutoScalingClient; sfn: SFNClient } | undefined;

/** Exponential backoff with jitter: 0.5 s, 1 s, 2 s… capped at 20 s. */
export function retryStrategy(baseMs = Number(process.env.CLEAN_SLATE_BACKOFF_MS ?? 500)): ConfiguredRetryStrategy {
  return backoffRetryStrategy(baseMs);
}

/** Drops the cached clients; later clients get `overrides` (tests only). */
export function resetClients(overrides: Record<string, unknown> = {}): void {
  clientOverrides = overrides;
  clients = undefined;
}

function aws() {
  if (!clients) {
    const config = { retryStrategy: retryStrategy(), ...clientOverrides };
    clients = { ecs: new ECSClient(config), autoscaling: new AutoScalingClient(config), sfn: new SFNClient(config) };
  }
  return clients;
}


/** The run failed for good: a failed refresh, a failed deployment. The state machine does not retry it. */
export class CleanSlateFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CleanSlateFailed';
  }
}

/** The run is past its deadline with work still pending. The state machine does not retry it. */
export class CleanSlateTimedOut extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CleanSlateTimedOut';
  }
}

/** What `start` did; the state machine hands it back to `check`. */
export interface StartResult {
  readonly instanceRefreshId?: string;
  /** True when a refresh was already running and is followed instead of a new one. */
  readonly refreshAlreadyRunning: boolean;
  /** ARNs of the services given a new deployment. */
  readonly services: string[];
  /** Services skipped because they are draining or gone. */
  readonly skipped: string[];
}

/** What `check` found. */
export interface CheckResult {
  readonly stable: boolean;
  readonly refresh: string;
  /** Up to 20 services still settling, with the reason. */
  readonly pending: string[];
  readonly pendingCount: number;
  readonly secondsLeft: number;
}

/** What `lock` found: whether this execution is the oldest running one (and may go on). */
export interface LockResult {
  readonly oldest: boolean;
  readonly running: number;
}

export type CleanSlateEvent =
  | { action: 'lock'; execution: string; startedAt: string; stateMachine: string }
  | { action: 'start'; startedAt?: string }
  | { action: 'check'; startedAt: string; run: StartResult };

interface Config { cluster: string; group: string; minHealthy: number; maxHealthy: number; timeoutSeconds: number }

function config(): Config {
  const need = (name: string) => {
    const v = process.env[name];
    if (!v) throw new Error(`clean-slate: environment variable ${name} is not set`);
    return v;
  };
  return {
    cluster: need('CLUSTER_NAME'),
    group: need('ASG_NAME'),
    minHealthy: Number(process.env.MIN_HEALTHY_PERCENTAGE ?? 100),
    maxHealthy: Number(process.env.MAX_HEALTHY_PERCENTAGE ?? 150),
    timeoutSeconds: Number(process.env.TIMEOUT_SECONDS ?? 7200),
  };
}

export async function handler(event: CleanSlateEvent): Promise<StartResult | CheckResult | LockResult> {
  if (event?.action === 'lock') return lock(event);
  const cfg = config();
  if (event?.action === 'start') return start(cfg);
  if (event?.action === 'check') return check(cfg, event);
  throw new Error(`clean-slate: unknown action ${JSON.stringify((event as any)?.action)}; expected 'start' or 'check'`);
}

async function lock(event: { execution: string; startedAt: string; stateMachine: string }): Promise<LockResult> {
  const running: RunningExecution[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws().sfn.send(new ListExecutionsCommand({ stateMachineArn: event.stateMachine, statusFilter: 'RUNNING', maxResults: 100, nextToken }));
    for (const e of page.executions ?? []) if (e.executionArn && e.startDate) running.push({ executionArn: e.executionArn, startDate: e.startDate });
    nextToken = page.nextToken;
  } while (nextToken);
  const oldest = isOldestRun({ executionArn: event.execution, startDate: event.startedAt }, running);
  log(oldest ? 'INFO' : 'WARN', oldest ? 'lock taken: oldest running execution' : 'an older run is still running; this one does nothing', { execution: event.execution, running: running.length });
  return { oldest, running: running.length };
}

async function start(cfg: Config): Promise<StartResult> {
  // The refresh first: when the group cannot be refreshed, fail before any service is touched.
  let instanceRefreshId: string | undefined;
  let refreshAlreadyRunning = false;
  try {
    const out = await aws().autoscaling.send(new StartInstanceRefreshCommand({
      AutoScalingGroupName: cfg.group,
      Strategy: 'Rolling',
      // Launch before terminate (min 100 %, max above 100 %) keeps full capacity; SkipMatching off replaces every instance.
      Preferences: { MinHealthyPercentage: cfg.minHealthy, MaxHealthyPercentage: cfg.maxHealthy, SkipMatching: false },
    }));
    instanceRefreshId = out.InstanceRefreshId;
  } catch (e: any) {
    if (e?.name !== 'InstanceRefreshInProgressFault' && e?.name !== 'InstanceRefreshInProgress') throw e;
    // Someone (a deploy, a previous run) is already replacing the instances: follow that refresh to its end.
    refreshAlreadyRunning = true;
    const refreshes = await aws().autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: cfg.group, MaxRecords: 10 }));
    instanceRefreshId = refreshes.InstanceRefreshes?.find((r) => refreshState(r.Status) === 'pending')?.InstanceRefreshId;
    log('INFO', 'an instance refresh is already in progress; following it', { group: cfg.group, instanceRefreshId });
  }

  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws().ecs.send(new ListServicesCommand({ cluster: cfg.cluster, maxResults: 100, nextToken }));
    arns.push(...(page.serviceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);

  const services: string[] = [];
  const skipped: string[] = [];
  for (const arn of arns) {
    try {
      await aws().ecs.send(new UpdateServiceCommand({ cluster: cfg.cluster, service: arn, forceNewDeployment: true }));
      services.push(arn);
    } catch (e: any) {
      // A service being deleted cannot be redeployed and does not need to be.
      if (e?.name !== 'ServiceNotActiveException' && e?.name !== 'ServiceNotFoundException') throw e;
      skipped.push(arn);
      log('WARN', `skipped ${serviceNameOf(arn)}: ${e.name}`, { service: arn });
    }
  }
  log('INFO', 'clean slate started', { cluster: cfg.cluster, group: cfg.group, instanceRefreshId, refreshAlreadyRunning, services: services.length, skipped: skipped.length });
  return { instanceRefreshId, refreshAlreadyRunning, services, skipped };
}

async function check(cfg: Config, event: { startedAt: string; run: StartResult }): Promise<CheckResult> {
  const { run } = event;
  let refresh = 'none';
  if (run.instanceRefreshId) {
    const out = await aws().autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: cfg.group, InstanceRefreshIds: [run.instanceRefreshId] }));
    const r = out.InstanceRefreshes?.[0];
    const state = refreshState(r?.Status);
    if (state === 'failed') {
      throw new CleanSlateFailed(`instance refresh ${run.instanceRefreshId} of ${cfg.group} ended ${r?.Status ?? 'missing'}: ${r?.StatusReason ?? 'no reason given'}`);
    }
    refresh = state === 'done' ? 'Successful' : `${r?.Status} ${r?.PercentageComplete ?? 0}%`;
  }

  const pending: string[] = [];
  const failed: string[] = [];
  for (const batch of chunk(run.services, DESCRIBE_BATCH)) {
    const out = await aws().ecs.send(new DescribeServicesCommand({ cluster: cfg.cluster, services: batch }));
    // Services deleted since `start` come back as failures (reason MISSING): nothing to wait for.
    for (const svc of out.services ?? []) {
      const s = serviceState(svc);
      const name = svc.serviceName ?? serviceNameOf(svc.serviceArn ?? '?');
      if (s.state === 'failed') failed.push(`${name} (${s.why})`);
      if (s.state === 'pending') pending.push(`${name} (${s.why})`);
    }
  }
  if (failed.length > 0) throw new CleanSlateFailed(`services failed to redeploy in ${cfg.cluster}: ${failed.slice(0, NAMED).join(', ')}`);

  const stable = pending.length === 0 && (refresh === 'none' || refresh === 'Successful');
  const left = secondsLeft(event.startedAt, cfg.timeoutSeconds, now());
  if (!stable && left < 0) {
    const waiting = [...(refresh === 'none' || refresh === 'Successful' ? [] : [`instance refresh ${run.instanceRefreshId} (${refresh})`]), ...pending];
    throw new CleanSlateTimedOut(`not stable after ${cfg.timeoutSeconds} s in ${cfg.cluster}: ${waiting.slice(0, NAMED).join(', ')}${waiting.length > NAMED ? ` and ${waiting.length - NAMED} more` : ''}`);
  }
  const result = { stable, refresh, pending: pending.slice(0, NAMED), pendingCount: pending.length, secondsLeft: Math.round(left) };
  log('INFO', stable ? 'clean slate done' : 'still settling', { cluster: cfg.cluster, ...result });
  return result;
}
