/**
 * The rollout planner's pure functions for every CDK language: jsii has no module functions, so they are static
 * methods of a class here. Pure: no CDK imports, no clock.
 */
import { forecastLoad, LoadPoint } from './forecast';
import { estimateRollout, planRollout, PlanRolloutOptions, RolloutEstimate, RolloutPlan, RolloutPlanError, StepTimings } from './planner';

/**
 * Region-by-region rollout plans, their time on paper and the load forecast the nightly conductor orders regions by.
 * The same results as the TypeScript functions `planRollout`, `estimateRollout` and `forecastLoad`.
 */
export class RolloutPlanner {
  /**
   * Plans a rollout: regions with no running environment first (bootstrapped from the least busy active region), then
   * running regions least busy first, each redeployed while its designated peer — its nearest region that stays up —
   * keeps serving. With no loads and no latencies it is the simple ring. A single region gets one peerless step and a
   * warning. Throws, naming the value and the fix, for input it cannot plan.
   */
  public static plan(options: PlanRolloutOptions): RolloutPlan {
    return planRollout(options);
  }

  /**
   * Sums a plan's time on paper: `timings` gives each region of the plan its step's durations. Throws when a region of
   * the plan has no timings.
   */
  public static estimate(plan: RolloutPlan, timings: { [region: string]: StepTimings }): RolloutEstimate {
    return estimateRollout(plan, (region) => {
      const t = timings[region];
      if (!t) throw new RolloutPlanError(`no timings were given for region '${region}'`, `pass timings for every region of the plan, e.g. { '${region}': { drainSeconds, deploySeconds, healthSeconds, reenableSeconds } }`);
      return t;
    });
  }

  /**
   * The load `horizonMinutes` after the last point, from the least-squares line through `points` (any spacing and
   * order), never negative. Throws for an empty series, an invalid point or an invalid horizon.
   */
  public static forecastLoad(points: LoadPoint[], horizonMinutes: number): number {
    return forecastLoad(points, horizonMinutes);
  }

  private constructor() {}
}
