/**
 * Load forecast for the nightly conductor. Pure: no CDK imports, no clock.
 */
import { RolloutPlanError } from './planner';

/** One observation of a region's load (any unit, e.g. requests per minute). */
export interface LoadPoint {
  /** When it was observed. */
  readonly time: Date;
  /** The load then; 0 or more. */
  readonly value: number;
}

/**
 * The load `horizonMinutes` after the last point, from the ordinary least-squares line through `points` (any spacing,
 * missing minutes allowed, any order). Never negative: a falling line is clipped at 0. A single point, or points all at
 * the same time, forecast their mean (no slope can be fitted).
 *
 * Throws a {@link RolloutPlanError} naming the fix for an empty series, a point with an invalid time or a non-finite or
 * negative value, or a negative or non-finite horizon.
 *
 * TypeScript only; from other languages use `RolloutPlanner.forecastLoad`.
 *
 * @jsii ignore
 */
export function forecastLoad(points: readonly LoadPoint[], horizonMinutes: number): number {
  if (!Array.isArray(points) || points.length === 0) {
    throw new RolloutPlanError('forecastLoad was given an empty series', 'pass at least one { time, value } point (a region with no datapoints had no load: use 0 rather than forecasting)');
  }
  if (typeof horizonMinutes !== 'number' || !Number.isFinite(horizonMinutes) || horizonMinutes < 0) {
    throw new RolloutPlanError(`forecast horizon ${horizonMinutes} minutes is not valid`, 'use a finite number of minutes, 0 or more');
  }
  for (const p of points) {
    if (!(p?.time instanceof Date) || Number.isNaN(p.time.getTime())) {
      throw new RolloutPlanError(`a load point has time ${String(p?.time)}, not a valid Date`, 'give every point a valid Date');
    }
    if (typeof p.value !== 'number' || !Number.isFinite(p.value) || p.value < 0) {
      throw new RolloutPlanError(`a load point has value ${p.value}`, 'use finite values, 0 or more');
    }
  }
  // Minutes relative to the first point keep the sums small and exact enough.
  const t0 = points[0].time.getTime();
  const xs = points.map((p) => (p.time.getTime() - t0) / 60_000);
  const ys = points.map((p) => p.value);
  const n = points.length;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - meanX) ** 2;
    sxy += (xs[i] - meanX) * (ys[i] - meanY);
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const at = Math.max(...xs) + horizonMinutes;
  const value = meanY + slope * (at - meanX);
  return Math.max(0, value);
}
