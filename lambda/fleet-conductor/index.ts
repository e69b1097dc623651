/**
 * Fleet conductor handler: a thin adapter the conductor's state machine calls once per task state (`action`). The
 * night itself (`night`) travels in the execution's state; decisions are pure (lib/rollout/conductor-logic.ts), the
 * actions shared with the simulation (./actions.ts). This file only builds the SDK clients, one per region.
 *
 * Environment, set by the FleetConductor construct: REGIONS (JSON list), PARAMETER_PREFIX, RECORD_PARAMETER,
 * LATENCY_MS (JSON), DRAIN_SECONDS, POLL_SECONDS, HEALTH_TIMEOUT_SECONDS, SETTLE_SECONDS, STEP_BUDGET_SECONDS,
 * WINDOW_SECONDS, LEASE_SECONDS.
 */
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetHealthCheckCommand, GetHealthCheckStatusCommand, Route53Client, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { RegionTarget } from '../../lib/rollout/conductor-logic';
import { LoadPoint } from '../../lib/rollout/forecast';
import { backoffRetryStrategy, log } from '../shared/aws';
import { nowIso } from '../shared/clock';
import { ConductorConfig, ConductorEvent, ConductorPorts, runAction } from './actions';

let clientOverrides: Record<string, unknown> = {};
const cache = new Map<string, unknown>();

/** Drops the cached clients; later clients get `overrides` (tests only). */
export function resetClients(overrides: Record<string, unknown> = {}): void {
  clientOverrides = overrides;
  cache.clear();
}

function client<T>(kind: string, region: string | undefined, make: (config: Record<string, unknown>) => T): T {
  const key = `${kind}:${region ?? 'home'}`;
  if (!cache.has(key)) {
    const baseMs = Number(process.env.CONDUCTOR_BACKOFF_MS ?? 500);
    cache.set(key, make({ retryStrategy: backoffRetryStrategy(baseMs), ...(region ? { region } : {}), ...clientOverrides }));
  }
  return cache.get(key) as T;
}

const ssm = (region?: string) => client('ssm', region, (c) => new SSMClient(c));
const cloudwatch = (region: string) => client('cw', region, (c) => new CloudWatchClient(c));
const sfn = (region: string) => client('sfn', region, (c) => new SFNClient(c));
// Route 53 is global: one client.
const route53 = () => client('r53', 'us-east-1', (c) => new Route53Client(c));

function config(): ConductorConfig & { prefix: string; recordParameter: string } {
  const need = (name: string) => {
    const v = process.env[name];
    if (!v) throw new Error(`fleet-conductor: environment variable ${name} is not set`);
    return v;
  };
  const n = (name: string) => Number(need(name));
  return {
    regions: JSON.parse(need('REGIONS')),
    latencyMs: JSON.parse(process.env.LATENCY_MS ?? '{}'),
    prefix: need('PARAMETER_PREFIX'),
    recordParameter: need('RECORD_PARAMETER'),
    timings: {
      drainSeconds: n('DRAIN_SECONDS'),
      pollSeconds: n('POLL_SECONDS'),
      healthTimeoutSeconds: n('HEALTH_TIMEOUT_SECONDS'),
      settleSeconds: n('SETTLE_SECONDS'),
      stepBudgetSeconds: n('STEP_BUDGET_SECONDS'),
    },
    windowSeconds: n('WINDOW_SECONDS'),
    leaseSeconds: n('LEASE_SECONDS'),
  };
}

/** The SDK calls, one client per region (the function runs in the home region). */
export function awsPorts(prefix: string, recordParameter: string): ConductorPorts {
  return {
    async readTarget(region) {
      const name = `${prefix}/${region}`;
      const out = await ssm(region).send(new GetParameterCommand({ Name: name }));
      const value = JSON.parse(out.Parameter?.Value ?? '{}');
      if (typeof value.stateMachineArn !== 'string' || !value.stateMachineArn) throw new Error(`parameter ${name} in ${region} has no stateMachineArn: deploy that region's stack`);
      // Empty strings: a region without a public name (no health check) or without a known load balancer.
      return {
        region, stateMachineArn: value.stateMachineArn, healthCheckId: value.healthCheckId || undefined, loadBalancer: value.loadBalancer || undefined,
        alarmTopicArn: value.alarmTopicArn || undefined,
      };
    },
    async loadSeries(target, start, end) {
      if (!target.loadBalancer) throw new Error(`no load balancer is known for ${target.region}`);
      const points: LoadPoint[] = [];
      let NextToken: string | undefined;
      do {
        const out = await cloudwatch(target.region).send(new GetMetricDataCommand({
          StartTime: start, EndTime: end, ScanBy: 'TimestampAscending', NextToken,
          MetricDataQueries: [{
            Id: 'requests',
            MetricStat: {
              Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [{ Name: 'LoadBalancer', Value: target.loadBalancer }] },
              Period: 60,
              Stat: 'Sum',
            },
          }],
        }));
        const r = out.MetricDataResults?.find((m) => m.Id === 'requests');
        (r?.Timestamps ?? []).forEach((t, i) => points.push({ time: new Date(t), value: r!.Values?.[i] ?? 0 }));
        NextToken = out.NextToken;
      } while (NextToken);
      return points;
    },
    async isWithdrawn(target) {
      const out = await route53().send(new GetHealthCheckCommand({ HealthCheckId: target.healthCheckId }));
      return out.HealthCheck?.HealthCheckConfig?.Inverted === true;
    },
    async setWithdrawn(target, withdrawn) {
      await route53().send(new UpdateHealthCheckCommand({ HealthCheckId: target.healthCheckId, Inverted: withdrawn }));
      log('INFO', withdrawn ? 'withdrawn from DNS (health check inverted)' : 'back in DNS (health check restored)', { region: target.region, healthCheckId: target.healthCheckId });
    },
    async startCleanSlate(target, name, input) {
      try {
        const out = await sfn(target.region).send(new StartExecutionCommand({ stateMachineArn: target.stateMachineArn, name, input: JSON.stringify(input) }));
        return out.executionArn!;
      } catch (e: any) {
        // A retried start with the same name: standard workflows answer ExecutionAlreadyExists when the input differs
        // or the execution has ended; the execution is then the one this night already started.
        if (e?.name !== 'ExecutionAlreadyExists') throw e;
        const arn = target.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
        log('WARN', 'clean slate already started under this name; following it', { executionArn: arn });
        return arn;
      }
    },
    async describeCleanSlate(target, executionArn) {
      const out = await sfn(target.region).send(new DescribeExecutionCommand({ executionArn }));
      return { status: out.status ?? 'UNKNOWN', error: out.error, cause: out.cause };
    },
    async healthObservations(target) {
      const out = await route53().send(new GetHealthCheckStatusCommand({ HealthCheckId: target.healthCheckId }));
      return (out.HealthCheckObservations ?? []).map((o) => o.StatusReport?.Status ?? '');
    },
    async alarmsInAlarm(target) {
      // Metric alarms only: composite alarms need DescribeAlarms on every alarm of the account (docs/rollout.md).
      const names: string[] = [];
      let NextToken: string | undefined;
      do {
        const out = await cloudwatch(target.region).send(new DescribeAlarmsCommand({
          ActionPrefix: target.alarmTopicArn, StateValue: 'ALARM', AlarmTypes: ['MetricAlarm'], MaxRecords: 100, NextToken,
        }));
        for (const a of out.MetricAlarms ?? []) if (a.AlarmName && a.StateValue === 'ALARM') names.push(a.AlarmName);
        NextToken = out.NextToken;
      } while (NextToken);
      return [...new Set(names)].sort();
    },
    async writeRecord(record) {
      await ssm().send(new PutParameterCommand({ Name: recordParameter, Value: record, Type: 'String', Overwrite: true }));
    },
  };
}

export async function handler(event: ConductorEvent): Promise<unknown> {
  const cfg = config();
  const night = await runAction(event, awsPorts(cfg.prefix, cfg.recordParameter), cfg, nowIso());
  const cur = night.current;
  log('INFO', `conductor ${event.action}`, {
    execution: night.execution, cursor: night.cursor, region: cur?.region, out: night.out,
    cleanSlate: cur?.cleanSlate, health: cur?.health, watch: cur?.watch, outcome: night.outcome, failure: night.failure,
  });
  if (event.action === 'finish' || event.action === 'fail') log(night.outcome === 'halted' ? 'ERROR' : 'INFO', 'last night\'s record', { record: JSON.parse(JSON.stringify(night.timeline)) });
  return night;
}

export type { RegionTarget };
