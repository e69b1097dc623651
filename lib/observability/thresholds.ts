/**
 * The alarms a service gets, each with a threshold derived from the service's own settings and the reason for it.
 * Pure: the constructs turn these into CloudWatch alarms, and the docs' alarm table is this file in words.
 */

/** One alarm: what it watches, when it fires, and why that threshold. */
export interface AlarmSpec {
  /** Short kind, also the end of the alarm's name (`cpu-high`). */
  readonly kind: string;
  readonly threshold: number;
  /** Seconds per datapoint. */
  readonly periodSeconds: number;
  /** Datapoints looked at, and how many of them must breach. */
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly comparison: 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold';
  /** Why this threshold, in the alarm's description. */
  readonly why: string;
  /** Whether a breach during a deployment rolls the deployment back (ECS deployment alarms). */
  readonly rollsBackDeployments: boolean;
}

/** What the service alarms derive from. */
export interface ServiceAlarmInput {
  /** The CPU target of the service's scaling, if it scales on CPU. */
  readonly cpuTargetPercent?: number;
  /** The container's hard memory limit and its reservation (MemoryUtilization is relative to the reservation). */
  readonly memoryLimitMiB: number;
  readonly memoryReservationMiB?: number;
}

/** CPU above this, sustained, means the service is short of CPU: above the scaling target with room to react, or 90. */
export function cpuHighPercent(cpuTargetPercent?: number): number {
  return cpuTargetPercent === undefined ? 90 : Math.min(95, cpuTargetPercent + 25);
}

/**
 * ECS's MemoryUtilization is relative to the reservation (the soft limit, or the hard limit when there is none); the
 * container is killed at the hard limit. The alarm fires at 90 % of the hard limit, expressed in ECS's terms.
 */
export function memoryHighPercent(limitMiB: number, reservationMiB?: number): number {
  const base = reservationMiB !== undefined && reservationMiB > 0 && reservationMiB < limitMiB ? reservationMiB : limitMiB;
  return Math.round((90 * limitMiB) / base);
}

/** Alarms of every service, routed or not. */
export function serviceAlarmSpecs(input: ServiceAlarmInput): AlarmSpec[] {
  const cpu = cpuHighPercent(input.cpuTargetPercent);
  const memory = memoryHighPercent(input.memoryLimitMiB, input.memoryReservationMiB);
  return [
    {
      kind: 'cpu-high', threshold: cpu, periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5, comparison: 'GreaterThanOrEqualToThreshold', rollsBackDeployments: false,
      why: input.cpuTargetPercent === undefined
        ? `average CPU at ${cpu} % of the reservation for 5 minutes: the tasks are short of CPU`
        : `average CPU at ${cpu} % for 5 minutes, ${cpu - input.cpuTargetPercent} points above the scaling target: scaling is not keeping up (at its maximum, or capacity is short)`,
    },
    {
      kind: 'memory-high', threshold: memory, periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5, comparison: 'GreaterThanOrEqualToThreshold', rollsBackDeployments: false,
      why: `average memory at 90 % of the hard limit (${memory} % of the reservation) for 5 minutes: the kernel kills a container at the limit`,
    },
    {
      kind: 'tasks-below-desired', threshold: 1, periodSeconds: 60, evaluationPeriods: 10, datapointsToAlarm: 10, comparison: 'GreaterThanOrEqualToThreshold', rollsBackDeployments: false,
      why: 'fewer tasks running than desired for 10 minutes (Container Insights): tasks crash, fail health checks or cannot be placed; longer than a healthy rolling deployment leaves a gap',
    },
  ];
}

/** What the route alarms derive from. */
export interface RouteAlarmInput {
  /** The target group's health check interval and unhealthy threshold. */
  readonly healthCheckIntervalSeconds: number;
  readonly unhealthyThresholdCount: number;
  /** The response-time target of the service's scaling, if any. */
  readonly responseTimeTargetSeconds?: number;
}

/** p99 latency above this is slow: four times the scaling's average target, or 3 s, when most users notice. */
export function latencyHighSeconds(responseTimeTargetSeconds?: number): number {
  return responseTimeTargetSeconds === undefined ? 3 : Math.max(0.1, Math.round(responseTimeTargetSeconds * 4 * 1000) / 1000);
}

/** Alarms of each load-balancer route of a service (per target group). */
export function routeAlarmSpecs(input: RouteAlarmInput): AlarmSpec[] {
  // A target is unhealthy after interval × threshold seconds of failed checks; one more minute of it is no blip.
  const unhealthyMinutes = Math.ceil((input.healthCheckIntervalSeconds * input.unhealthyThresholdCount) / 60) + 1;
  const latency = latencyHighSeconds(input.responseTimeTargetSeconds);
  return [
    {
      kind: 'target-5xx', threshold: 5, periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 3, comparison: 'GreaterThanThreshold', rollsBackDeployments: true,
      why: 'more than 5 % of requests answered 5xx by the tasks in 3 of 5 minutes (minutes with fewer than 10 requests count as 0 %, so a quiet QA route does not page on one error)',
    },
    {
      kind: 'unhealthy-targets', threshold: 1, periodSeconds: 60, evaluationPeriods: unhealthyMinutes, datapointsToAlarm: unhealthyMinutes, comparison: 'GreaterThanOrEqualToThreshold', rollsBackDeployments: true,
      why: `a target failing the load balancer's health check for ${unhealthyMinutes} minutes (${input.unhealthyThresholdCount} failed checks ${input.healthCheckIntervalSeconds} s apart, and a minute more)`,
    },
    {
      kind: 'latency-p99', threshold: latency, periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5, comparison: 'GreaterThanThreshold', rollsBackDeployments: true,
      why: input.responseTimeTargetSeconds === undefined
        ? `p99 response time above ${latency} s for 5 minutes`
        : `p99 response time above ${latency} s (four times the scaling's ${input.responseTimeTargetSeconds} s average target) for 5 minutes`,
    },
  ];
}
