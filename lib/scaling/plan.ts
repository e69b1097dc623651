/**
 * Pure decisions of task auto scaling: the settings with their defaults, what is wrong with them, and whether the
 * largest task counts fit the cluster. No CDK imports: tested directly.
 */

/** Scaling settings with every default applied; durations in seconds. */
export interface ScalingPlan {
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly cpuPercent?: number;
  readonly memoryPercent?: number;
  readonly requestsPerTarget?: number;
  readonly responseTimeSeconds?: number;
  readonly messagesPerTask?: number;
  readonly scaleInCooldownSeconds: number;
  readonly scaleOutCooldownSeconds: number;
  readonly schedules: ReadonlyArray<{ hour: number; minute: number; weekDays: string; minTasks: number; maxTasks: number; timeZone: string }>;
}

/** What the user gave, durations already in seconds. */
export interface ScalingInput {
  readonly minTasks?: number;
  readonly maxTasks: number;
  readonly cpuPercent?: number;
  readonly memoryPercent?: number;
  readonly requestsPerTarget?: number;
  readonly responseTimeSeconds?: number;
  readonly messagesPerTask?: number;
  readonly scaleInCooldownSeconds?: number;
  readonly scaleOutCooldownSeconds?: number;
  readonly schedules?: ReadonlyArray<{ hour: number; minute?: number; weekDays?: string; minTasks: number; maxTasks?: number; timeZone?: string }>;
}

/** A problem with the settings: which one, what is wrong, and the fix. */
export interface ScalingProblem {
  readonly setting: string;
  readonly problem: string;
  readonly fix: string;
}

/** ECS allows up to 5,000 tasks per service. */
export const MAX_TASKS = 5_000;
/** CPU target when the user gives no target at all: Copilot's and ECS Express Mode's usual choice. */
export const DEFAULT_CPU_PERCENT = 70;

const whole = (n: number | undefined) => n === undefined || Number.isInteger(n);

/** Whether `zone` is an IANA time zone this runtime knows (Application Auto Scaling takes IANA names). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return /^[A-Za-z]+(?:[/_+-][A-Za-z0-9_+-]+)*$/.test(zone);
  } catch {
    return false;
  }
}

/** The settings with their defaults, and every problem found (an empty list means the plan is good). */
export function planScaling(input: ScalingInput, desiredCount: number): { plan: ScalingPlan; problems: ScalingProblem[] } {
  const problems: ScalingProblem[] = [];
  const say = (setting: string, problem: string, fix: string) => problems.push({ setting, problem, fix });
  const minTasks = input.minTasks ?? desiredCount;
  const { maxTasks } = input;

  if (!whole(minTasks) || minTasks < 0) say('minTasks', `${minTasks} is not a whole number of 0 or more`, 'give a whole number of tasks');
  if (!whole(maxTasks) || maxTasks < 1 || maxTasks > MAX_TASKS) say('maxTasks', `${maxTasks} is not a whole number from 1 to ${MAX_TASKS}`, `give a whole number from 1 to ${MAX_TASKS} (ECS's limit per service)`);
  if (minTasks > maxTasks) say('minTasks', `${minTasks} is more than maxTasks (${maxTasks})`, 'raise maxTasks or lower minTasks');
  for (const [setting, value] of [['cpuPercent', input.cpuPercent], ['memoryPercent', input.memoryPercent]] as const) {
    if (value !== undefined && !(value >= 1 && value <= 100)) say(setting, `${value} is not a percentage from 1 to 100`, 'give the average utilization to keep, for example 60');
  }
  if (input.requestsPerTarget !== undefined && !(whole(input.requestsPerTarget) && input.requestsPerTarget >= 1)) {
    say('requestsPerTarget', `${input.requestsPerTarget} is not a whole number of 1 or more`, 'give the requests per task per minute one task serves well');
  }
  if (input.responseTimeSeconds !== undefined && !(input.responseTimeSeconds > 0 && input.responseTimeSeconds <= 60)) {
    say('responseTime', `${input.responseTimeSeconds} s is not between 0 and 60 seconds`, 'give the average response time to keep, for example Duration.millis(300)');
  }
  if (input.messagesPerTask !== undefined && !(whole(input.messagesPerTask) && input.messagesPerTask >= 1)) {
    say('queue.messagesPerTask', `${input.messagesPerTask} is not a whole number of 1 or more`, 'give how many waiting messages one task may have');
  }
  for (const [setting, value] of [['scaleInCooldown', input.scaleInCooldownSeconds], ['scaleOutCooldown', input.scaleOutCooldownSeconds]] as const) {
    if (value !== undefined && !(value >= 0 && value <= 3600)) say(setting, `${value} s is not between 0 and 1 hour`, 'give a cooldown of at most an hour');
  }

  const schedules = (input.schedules ?? []).map((s, i) => {
    const out = { hour: s.hour, minute: s.minute ?? 0, weekDays: s.weekDays ?? '*', minTasks: s.minTasks, maxTasks: s.maxTasks ?? maxTasks, timeZone: s.timeZone ?? 'UTC' };
    const at = `schedules[${i}]`;
    if (!(whole(out.hour) && out.hour >= 0 && out.hour <= 23)) say(`${at}.hour`, `${out.hour} is not an hour from 0 to 23`, 'give the hour of day in the schedule\'s time zone');
    if (!(whole(out.minute) && out.minute >= 0 && out.minute <= 59)) say(`${at}.minute`, `${out.minute} is not a minute from 0 to 59`, 'give the minute of the hour');
    if (!(whole(out.minTasks) && out.minTasks >= 0)) say(`${at}.minTasks`, `${out.minTasks} is not a whole number of 0 or more`, 'give a whole number of tasks');
    if (out.minTasks > out.maxTasks) say(`${at}.minTasks`, `${out.minTasks} is more than its maxTasks (${out.maxTasks})`, 'raise the schedule\'s maxTasks or lower its minTasks');
    if (out.maxTasks > MAX_TASKS) say(`${at}.maxTasks`, `${out.maxTasks} is more than ${MAX_TASKS}`, `give at most ${MAX_TASKS}`);
    if (!isTimeZone(out.timeZone)) say(`${at}.timeZone`, `'${out.timeZone}' is not an IANA time zone`, 'give a name such as Europe/Berlin or America/New_York');
    return out;
  });

  // Response time only adds tasks (it has no data without requests), so on its own it still needs CPU to take them away.
  const anyTarget = [input.cpuPercent, input.memoryPercent, input.requestsPerTarget, input.messagesPerTask].some((v) => v !== undefined);
  return {
    plan: {
      minTasks, maxTasks,
      cpuPercent: input.cpuPercent ?? (anyTarget ? undefined : DEFAULT_CPU_PERCENT),
      memoryPercent: input.memoryPercent,
      requestsPerTarget: input.requestsPerTarget,
      responseTimeSeconds: input.responseTimeSeconds,
      messagesPerTask: input.messagesPerTask,
      scaleInCooldownSeconds: input.scaleInCooldownSeconds ?? 300,
      scaleOutCooldownSeconds: input.scaleOutCooldownSeconds ?? 60,
      schedules,
    },
    problems,
  };
}

/** One service's demand at its largest count. */
export interface TaskDemand {
  readonly name: string;
  readonly count: number;
  readonly cpu: number;
  readonly memoryMiB: number;
}

/**
 * Why the services' largest task counts cannot all run on `maxInstances` instances of the given capacity, or
 * undefined when they can. Whole tasks are packed per instance (a task never spans two), service by service.
 */
export function capacityShortfall(instance: { cpu: number; memoryMiB: number }, maxInstances: number, demands: readonly TaskDemand[]): string | undefined {
  // First-fit decreasing over instances: a fair bound for a handful of task sizes, and never optimistic about
  // fragments smaller than a task.
  const tasks = demands.flatMap((d) => Array.from({ length: Math.min(d.count, MAX_TASKS) }, () => d)).sort((a, b) => b.memoryMiB - a.memoryMiB || b.cpu - a.cpu);
  const free: Array<{ cpu: number; memoryMiB: number }> = [];
  for (const t of tasks) {
    if (t.cpu > instance.cpu || t.memoryMiB > instance.memoryMiB) {
      return `a task of ${t.name} (${t.cpu} CPU units, ${t.memoryMiB} MiB) is larger than an instance (${instance.cpu} CPU units, ${instance.memoryMiB} MiB)`;
    }
    let slot = free.find((f) => f.cpu >= t.cpu && f.memoryMiB >= t.memoryMiB);
    if (!slot) {
      if (free.length >= maxInstances) {
        const cpu = demands.reduce((s, d) => s + d.count * d.cpu, 0);
        const memory = demands.reduce((s, d) => s + d.count * d.memoryMiB, 0);
        return `at their largest counts (${demands.map((d) => `${d.name} ${d.count}`).join(', ')}) the tasks need ${cpu} CPU units and ${memory} MiB, `
          + `more than ${maxInstances} instances can hold (${instance.cpu} CPU units and ${instance.memoryMiB} MiB each)`;
      }
      slot = { ...instance };
      free.push(slot);
    }
    slot.cpu -= t.cpu;
    slot.memoryMiB -= t.memoryMiB;
  }
  return undefined;
}
