/**
 * Working hours of a QA environment: outside them its services run no task and its cluster may shrink to no instance,
 * so an idle QA environment costs its load balancer and little else. Pure planning first, then the wiring.
 */
import { TimeZone } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import type { FleetCluster } from '../cluster/fleet-cluster';
import { fleetError } from '../errors';
import { WeekDays } from '../scaling/scaling-props';
import { applyServiceScaling, isScaled } from '../scaling/service-scaling';
import type { FleetService } from '../service/fleet-service';

/** When a QA environment is in use; outside these hours it scales to nothing. */
export interface WorkingHours {
  /** Hour (1–23, in `timeZone`) the working day starts: everything is scheduled back 30 minutes before it. */
  readonly start: number;
  /** Hour (after `start`, at most 23) from which the services run no task and the cluster may shrink to none. */
  readonly end: number;
  /**
   * Days that have working hours; on the others the environment stays scaled in.
   *
   * @default WeekDays.WEEKDAYS
   */
  readonly weekDays?: WeekDays;
  /**
   * IANA time zone of `start` and `end` (`Europe/Berlin`), so the schedule follows daylight saving time.
   *
   * @default 'UTC'
   */
  readonly timeZone?: string;
}

/** One scheduled moment: minute, hour, days (Application Auto Scaling's day names, Auto Scaling's numbers). */
export interface ScheduledMoment {
  readonly hour: number;
  readonly minute: number;
  readonly weekDays: WeekDays;
  /** The same days as Unix cron numbers, for EC2 Auto Scaling's recurrence (0 is Sunday). */
  readonly cronDays: string;
}

/** The morning (back up) and evening (down) moments of working hours, or the problem with them. */
export function workingHoursPlan(hours: WorkingHours): { morning: ScheduledMoment; evening: ScheduledMoment; timeZone: string } | { problem: string; fix: string } {
  const whole = (n: number) => Number.isInteger(n);
  if (!whole(hours.start) || hours.start < 1 || hours.start > 23) {
    return { problem: `workingHours.start ${hours.start} is not an hour from 1 to 23`, fix: 'give the hour the working day starts (everything comes back 30 minutes before it); for an environment that never sleeps leave workingHours out' };
  }
  if (!whole(hours.end) || hours.end <= hours.start || hours.end > 23) {
    return { problem: `workingHours.end ${hours.end} is not an hour after start (${hours.start}) and at most 23`, fix: 'give the hour the working day ends, later than start' };
  }
  const timeZone = hours.timeZone ?? 'UTC';
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) {
    return { problem: `workingHours.timeZone '${timeZone}' is not an IANA time zone`, fix: "give a name such as 'Europe/Berlin' or 'UTC'" };
  }
  const weekDays = hours.weekDays ?? WeekDays.WEEKDAYS;
  const cronDays = CRON_DAYS[weekDays];
  return {
    timeZone,
    morning: { hour: hours.start - 1, minute: 30, weekDays, cronDays },
    evening: { hour: hours.end, minute: 0, weekDays, cronDays },
  };
}

const CRON_DAYS: Record<WeekDays, string> = {
  [WeekDays.WEEKDAYS]: '1-5',
  [WeekDays.WEEKENDS]: '0,6',
  [WeekDays.EVERY_DAY]: '*',
};

/**
 * Schedules `services` (each at its own task count by day, none at night) and the cluster's Auto Scaling group (no
 * instance at night, its minimum again in the morning; ECS managed scaling then launches what the tasks need).
 * A service gets a scalable target whose range is its task count by day, so its template carries no DesiredCount and
 * a deploy at night does not wake it; a service that already scales gets nothing here and is warned about.
 */
export function applyWorkingHours(scope: Construct, hours: WorkingHours, cluster: FleetCluster, minInstances: number, services: readonly FleetService[]): void {
  const plan = workingHoursPlan(hours);
  if ('problem' in plan) throw fleetError(scope, plan.problem, plan.fix);
  const { morning, evening, timeZone } = plan;
  for (const service of services) {
    if (isScaled(service)) throw fleetError(service, 'the service already scales, so working hours cannot schedule it', 'leave workingHours out, or the service\'s own scaling');
    const tasks = (service.service.node.defaultChild as ecs.CfnService).desiredCount;
    if (typeof tasks !== 'number' || tasks < 1) continue;
    applyServiceScaling(service, {
      minTasks: tasks, maxTasks: tasks, cpuPercent: undefined,
      schedules: [
        { hour: morning.hour, minute: morning.minute, weekDays: morning.weekDays, minTasks: tasks, maxTasks: tasks, timeZone },
        { hour: evening.hour, minute: evening.minute, weekDays: evening.weekDays, minTasks: 0, maxTasks: 0, timeZone },
      ],
    }, tasks);
  }
  const asg = cluster.autoScalingGroup;
  const zone = TimeZone.of(timeZone);
  asg.scaleOnSchedule('WorkingHoursMorning', {
    schedule: autoscaling.Schedule.cron({ minute: String(morning.minute), hour: String(morning.hour), weekDay: morning.cronDays === '*' ? undefined : morning.cronDays }),
    minCapacity: minInstances,
    timeZone: zone.timezoneName,
  });
  asg.scaleOnSchedule('WorkingHoursEvening', {
    schedule: autoscaling.Schedule.cron({ minute: String(evening.minute), hour: String(evening.hour), weekDay: evening.cronDays === '*' ? undefined : evening.cronDays }),
    minCapacity: 0,
    desiredCapacity: 0,
    timeZone: zone.timezoneName,
  });
}
