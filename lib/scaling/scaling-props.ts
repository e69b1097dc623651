import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/** Days of the week a schedule applies to. */
export enum WeekDays {
  /** Monday to Friday. */
  WEEKDAYS = 'MON-FRI',
  /** Saturday and Sunday. */
  WEEKENDS = 'SAT,SUN',
  /** Every day. */
  EVERY_DAY = '*',
}

/**
 * A task-count floor (and optionally ceiling) from a time of day on, for example a larger floor before the working
 * day begins. Application Auto Scaling applies it at that time and keeps it until the next schedule.
 */
export interface ScalingSchedule {
  /** Hour of day (0–23) in `timeZone` at which the range applies. */
  readonly hour: number;
  /**
   * Minute of the hour (0–59).
   *
   * @default 0
   */
  readonly minute?: number;
  /**
   * Days it applies to.
   *
   * @default WeekDays.EVERY_DAY
   */
  readonly weekDays?: WeekDays;
  /** The lowest task count from then on. */
  readonly minTasks: number;
  /**
   * The highest task count from then on.
   *
   * @default - the service's `maxTasks`
   */
  readonly maxTasks?: number;
  /**
   * IANA time zone of `hour` (`Europe/Berlin`), so a schedule follows daylight saving time.
   *
   * @default 'UTC'
   */
  readonly timeZone?: string;
}

/** Scaling on the backlog of an SQS queue the service consumes (Copilot's `queue_delay`). */
export interface QueueScaling {
  /** The queue the service's tasks consume. */
  readonly queue: sqs.IQueue;
  /**
   * How many visible messages one task may have waiting before another task starts: roughly how many messages a
   * task handles in the time you accept a message to wait.
   */
  readonly messagesPerTask: number;
}

/**
 * Task auto scaling of a `FleetService`: a range and the targets that move the count within it. When a service
 * scales, its template carries no `DesiredCount`, so a deploy never resets a scaled-out service.
 */
export interface ServiceScaling {
  /**
   * The fewest tasks. Also the task count a new service starts towards.
   *
   * @default - the service's `desiredCount` (2)
   */
  readonly minTasks?: number;
  /** The most tasks. */
  readonly maxTasks: number;
  /**
   * Target average CPU utilization of the service's tasks, in percent of their reservation.
   *
   * @default - no CPU target; 70 when no other target that removes tasks is given (memory, requests, queue)
   */
  readonly cpuPercent?: number;
  /**
   * Target average memory utilization, in percent of the tasks' reservation.
   *
   * @default - no memory target
   */
  readonly memoryPercent?: number;
  /**
   * Target requests per task per minute, counted on each load balancer route of the service
   * (ALBRequestCountPerTarget). Applies once the service is routed.
   *
   * @default - no request target
   */
  readonly requestsPerTarget?: number;
  /**
   * Target average response time of the service's routes: tasks are added while the load balancer's
   * TargetResponseTime average is above it. It only adds tasks (response time has no data while no request comes,
   * and would hold a quiet service at its peak); the other targets remove them. Applies once the service is routed.
   *
   * @default - no response-time target
   */
  readonly responseTime?: Duration;
  /**
   * Scale on the backlog of an SQS queue.
   *
   * @default - none
   */
  readonly queue?: QueueScaling;
  /**
   * Floors by time of day and day of week.
   *
   * @default - none
   */
  readonly schedules?: ScalingSchedule[];
  /**
   * How long after a scale-in another scale-in may start.
   *
   * @default 5 minutes, so a short dip does not remove tasks a returning load needs
   */
  readonly scaleInCooldown?: Duration;
  /**
   * How long after a scale-out another scale-out may start.
   *
   * @default 1 minute, so a growing load gets tasks quickly
   */
  readonly scaleOutCooldown?: Duration;
}
