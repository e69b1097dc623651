/**
 * Pure decisions of the clean-slate run: is a service stable, is an instance refresh done, is the run late.
 * No SDK calls here, so they are tested directly.
 */

/** The fields of an ECS service this logic reads (a subset of the DescribeServices shape). */
export interface ServiceView {
  readonly serviceArn?: string;
  readonly serviceName?: string;
  readonly status?: string;
  readonly desiredCount?: number;
  readonly runningCount?: number;
  readonly deployments?: ReadonlyArray<{ readonly status?: string; readonly rolloutState?: string; readonly rolloutStateReason?: string; readonly runningCount?: number; readonly desiredCount?: number }>;
}

/** Where one service stands. */
export type ServiceState = { state: 'stable' } | { state: 'pending'; why: string } | { state: 'failed'; why: string } | { state: 'gone' };

/**
 * A service is stable when its only deployment is the primary one, that deployment's rollout has completed (where ECS
 * reports a rollout state) and it runs as many tasks as it wants — the same test as the ECS `services-stable` waiter
 * plus the rollout state, which the circuit breaker sets to FAILED.
 */
export function serviceState(svc: ServiceView): ServiceState {
  if (svc.status && svc.status !== 'ACTIVE') return { state: 'gone' };
  const deployments = svc.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  if (primary?.rolloutState === 'FAILED') {
    return { state: 'failed', why: `deployment failed: ${primary.rolloutStateReason ?? 'no reason given'}` };
  }
  if (deployments.length !== 1) return { state: 'pending', why: `${deployments.length} deployments` };
  if (primary?.rolloutState === 'IN_PROGRESS') return { state: 'pending', why: 'rollout in progress' };
  if ((svc.runningCount ?? 0) !== (svc.desiredCount ?? 0)) return { state: 'pending', why: `${svc.runningCount ?? 0}/${svc.desiredCount ?? 0} tasks running` };
  return { state: 'stable' };
}

/** Where an instance refresh stands, from its documented statuses. */
export function refreshState(status: string | undefined): 'done' | 'pending' | 'failed' {
  switch (status) {
    case 'Successful':
      return 'done';
    case 'Pending':
    case 'InProgress':
    case 'Baking':
    case 'Cancelling':
    case 'RollbackInProgress':
      return 'pending';
    default:
      // Failed, Cancelled, RollbackSuccessful, RollbackFailed, or a refresh that no longer exists: the slate is not clean.
      return 'failed';
  }
}

/** Seconds left before `deadlineSeconds` after `startedAt` (ISO 8601); negative when late. */
export function secondsLeft(startedAt: string, deadlineSeconds: number, now: number): number {
  const start = Date.parse(startedAt);
  if (Number.isNaN(start)) throw new Error(`clean-slate: startedAt '${startedAt}' is not an ISO 8601 time`);
  return deadlineSeconds - (now - start) / 1000;
}

/** Splits `items` into arrays of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Short service name from an ARN (`arn:…:service/cluster/name` or the old `arn:…:service/name`). */
export function serviceNameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** A running execution as ListExecutions lists it. */
export interface RunningExecution {
  readonly executionArn: string;
  readonly startDate: Date | string;
}

/**
 * The lock: of the running executions (this one always counts, even before ListExecutions, which is eventually
 * consistent, lists it), the oldest goes on — earliest start, ties by ARN. Two runs started together see the same
 * winner, so exactly one of them runs; neither touches anything when an older run is still going.
 */
export function isOldestRun(me: RunningExecution, running: readonly RunningExecution[]): boolean {
  const all = [me, ...running.filter((r) => r.executionArn !== me.executionArn)];
  const time = (r: RunningExecution) => new Date(r.startDate).getTime();
  const oldest = all.reduce((a, b) => (time(b) < time(a) || (time(b) === time(a) && b.executionArn < a.executionArn) ? b : a));
  return oldest.executionArn === me.executionArn;
}
