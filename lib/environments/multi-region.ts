/**
 * Multi-region production: how the app follows a rollout plan. Pure helpers (no CDK imports): which stacks depend on
 * which for `cdk deploy --all`, and at what time each region's nightly clean slate starts.
 */
import type { Stack } from 'aws-cdk-lib';
import { RolloutPlan, RolloutPlanError, RolloutRegion, RolloutStrategy, planRollout } from '../rollout/planner';

/** One region of a multi-region environment, as plain data (JSON, YAML). */
export interface RegionConfig extends RolloutRegion {
  /**
   * Stack id of the region's environment.
   *
   * @default - `Production-<region>`
   */
  readonly stackId?: string;
}

/** Options of {@link planRegions}: those of `planRollout` but the regions, which come from the region configs. */
export interface PlanRegionsOptions {
  /**
   * Round-trip latency between regions in milliseconds: `latencyMs[a][b]`. Only one direction is needed; a missing
   * pair counts as unknown (farther than any known one). Every region named must be configured.
   *
   * @default - no latencies: a region's peer is the least busy region that stays up
   */
  readonly latencyMs?: Record<string, Record<string, number>>;
  /**
   * How the order is chosen (see `planRollout`).
   *
   * @default - `least-busy` when any load or latency is given, otherwise `ring`
   */
  readonly strategy?: RolloutStrategy;
  /**
   * Regions taken down at the same time. Regions in one wave never include each other's peers and at least one
   * region always stays up.
   *
   * @default 1, one region at a time
   */
  readonly maxParallel?: number;
}

/** One stack's place in the rollout order: it deploys after every stack of `dependsOn`. */
export interface StackDependency {
  /** Stack id of a region's environment. */
  readonly stack: string;
  /** Stack ids of the wave before (empty for the first wave). */
  readonly dependsOn: string[];
}

/**
 * The stack id of `region` in `configs`.
 *
 * TypeScript only; from other languages use `MultiRegion.regionStackId`.
 *
 * @jsii ignore
 */
export function regionStackId(configs: readonly RegionConfig[], region: string): string {
  const config = configs.find((c) => c.name === region);
  if (!config) throw new RolloutPlanError(`region '${region}' is not configured`, 'plan with the same region list the stacks are built from');
  return config.stackId ?? `Production-${region}`;
}

/**
 * Plans the rollout of configured regions (see {@link planRollout}).
 *
 * TypeScript only; from other languages use `MultiRegion.planRegions`.
 *
 * @jsii ignore
 */
export function planRegions(configs: readonly RegionConfig[], options: PlanRegionsOptions = {}): RolloutPlan {
  return planRollout({ ...options, regions: configs.map(({ name, load, active }) => ({ name, load, active })) });
}

/**
 * Region names per wave: deploy wave n+1 only after wave n.
 *
 * TypeScript only; from other languages read the plan's `waves`.
 *
 * @jsii ignore
 */
export function rolloutWaves(plan: RolloutPlan): string[][] {
  return plan.waves.map((w) => [...w]);
}

/**
 * Which stack depends on which: every stack of a wave depends on every stack of the wave before (the earlier ones
 * follow transitively). Feed it to `Stack.addStackDependency` so `cdk deploy --all` deploys in the plan's order.
 *
 * TypeScript only; from other languages use `MultiRegion.rolloutDependencies`.
 *
 * @jsii ignore
 */
export function rolloutDependencies(plan: RolloutPlan, configs: readonly RegionConfig[]): StackDependency[] {
  const out: StackDependency[] = [];
  plan.waves.forEach((wave, i) => {
    const before = i === 0 ? [] : plan.waves[i - 1].map((r) => regionStackId(configs, r));
    for (const region of wave) out.push({ stack: regionStackId(configs, region), dependsOn: before });
  });
  return out;
}

/**
 * Something that can depend on another of its kind (a CDK `Stack`), so this file needs no CDK import.
 *
 * TypeScript only; from other languages `MultiRegion.applyRolloutOrder` takes CDK stacks.
 *
 * @jsii ignore
 */
export interface Dependable<T> {
  addStackDependency(target: T, reason?: string): void;
}

/**
 * Adds the plan's dependencies between the regions' stacks (`stacks[region]`).
 *
 * TypeScript only; from other languages use `MultiRegion.applyRolloutOrder`.
 *
 * @jsii ignore
 */
export function applyRolloutOrder<T extends Dependable<T>>(plan: RolloutPlan, stacks: Readonly<Record<string, T>>): void {
  plan.waves.forEach((wave, i) => {
    if (i === 0) return;
    for (const region of wave) {
      for (const before of plan.waves[i - 1]) {
        const [a, b] = [stacks[region], stacks[before]];
        if (!a || !b) throw new RolloutPlanError(`no stack for region '${!a ? region : before}'`, 'pass a stack for every region of the plan');
        a.addStackDependency(b, `rollout plan: wave ${i + 1} after wave ${i}`);
      }
    }
  });
}

/** Cron fields of a daily start time, for `scheduler.ScheduleExpression.cron(...)` (UTC). */
export interface DailyTime {
  readonly hour: string;
  readonly minute: string;
}

/** Options of {@link nightlySchedules}. */
export interface NightlyScheduleOptions {
  /**
   * Minutes after 00:00 UTC the first wave starts.
   *
   * @default 0, midnight UTC
   */
  readonly startMinuteUtc?: number;
  /**
   * Minutes reserved per wave: at least a region's clean-slate timeout, so the next wave never starts while the one
   * before is still being rebuilt.
   */
  readonly slotMinutes: number;
}

/**
 * The nightly start time of each region's clean slate: wave n starts `n × slotMinutes` after the first, so regions are
 * rebuilt in the plan's order and a region's peer is never rebuilt at the same time. Throws when the night does not
 * fit in 24 hours.
 *
 * TypeScript only; from other languages use `MultiRegion.nightlySchedules`.
 *
 * @jsii ignore
 */
export function nightlySchedules(plan: RolloutPlan, options: NightlyScheduleOptions): Record<string, DailyTime> {
  const start = options.startMinuteUtc ?? 0;
  const slot = options.slotMinutes;
  if (!Number.isInteger(start) || start < 0 || start >= 1440) {
    throw new RolloutPlanError(`startMinuteUtc ${start} is not valid`, 'use a whole number of minutes from 0 to 1439');
  }
  if (!Number.isInteger(slot) || slot < 1) throw new RolloutPlanError(`slotMinutes ${slot} is not valid`, 'use a whole number of minutes, 1 or more');
  if (plan.waves.length * slot > 1440) {
    throw new RolloutPlanError(`${plan.waves.length} waves of ${slot} minutes take more than a day`, 'shorten the slot (and the clean-slate timeout) or allow more regions per wave (maxParallel)');
  }
  const out: Record<string, DailyTime> = {};
  plan.waves.forEach((wave, i) => {
    const at = (start + i * slot) % 1440;
    for (const region of wave) out[region] = { hour: String(Math.floor(at / 60)), minute: String(at % 60) };
  });
  return out;
}

/**
 * How a multi-region app follows a rollout plan, for every CDK language (jsii: static methods rather than module
 * functions): the plan of the configured regions, the stack order for `cdk deploy --all`, and each region's nightly
 * clean-slate start time. The region names per wave are the plan's own `waves` (the TypeScript `rolloutWaves` copies
 * them): a static method taking only the plan would make Python spell the plan out field by field, since jsii's
 * Python passes a method's last struct parameter as keyword arguments.
 */
export class MultiRegion {
  /** The stack id of `region` in `configs` (its `stackId`, else `Production-<region>`). Throws for a region not configured. */
  public static regionStackId(configs: RegionConfig[], region: string): string {
    return regionStackId(configs, region);
  }

  /** Plans the rollout of the configured regions (see `planRollout`). */
  public static planRegions(configs: RegionConfig[], options: PlanRegionsOptions = {}): RolloutPlan {
    return planRegions(configs, options);
  }

  /** Which stack depends on which: every stack of a wave depends on every stack of the wave before. */
  public static rolloutDependencies(plan: RolloutPlan, configs: RegionConfig[]): StackDependency[] {
    return rolloutDependencies(plan, configs);
  }

  /**
   * Adds the plan's dependencies between the regions' stacks (`stacks[region]`), so `cdk deploy --all` deploys wave
   * by wave. Throws when a region of the plan has no stack.
   */
  public static applyRolloutOrder(plan: RolloutPlan, stacks: Record<string, Stack>): void {
    applyRolloutOrder(plan, stacks);
  }

  /**
   * The nightly start time of each region's clean slate (UTC): wave n starts `n × slotMinutes` after the first.
   * Throws when the night does not fit in 24 hours.
   */
  public static nightlySchedules(plan: RolloutPlan, options: NightlyScheduleOptions): Record<string, DailyTime> {
    return nightlySchedules(plan, options);
  }

  private constructor() {}
}
