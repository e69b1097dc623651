/**
 * Listener rule priorities inside a range the user gives, for rules on a listener someone else owns
 * (`FleetLoadBalancer.fromListener`): the other rules keep the priorities outside the range.
 *
 * The same scheme as {@link assignPrioritiesDetailed}, scaled to the range: the range is cut into one band per
 * specificity (host kind × path kind, most specific first), each of equal width; within its band a route takes the
 * slot given by a hash of its key, collisions settled by key order. So priorities stay most-specific-first and
 * stable: a route's priority depends on its own host and path (and the routes it collides with), never on the order
 * of declaration or on routes of other bands. A range of 49,500 priorities or more gives each band the
 * {@link BAND_SIZE} slots of a FleetLoadBalancer's band (which, unlike a share here, alternates halves so additions
 * and removals never clash: ./priorities).
 *
 * Pure, no CDK.
 */

import { fnv1a } from '../hash';
import { BAND_SIZE, HIGHEST_ASSIGNED_PRIORITY, MAX_PRIORITY, pinsAndBands, RouteMatch } from './priorities';

/** Number of specificity bands (host kind × path kind). */
export const BAND_COUNT = HIGHEST_ASSIGNED_PRIORITY / BAND_SIZE;

/** Listener rule priorities from `from` to `to`, both included. */
export interface PriorityRange {
  /** Lowest priority the library may give a rule (evaluated first). At least 1. */
  readonly from: number;
  /** Highest priority the library may give a rule. At most 50,000. */
  readonly to: number;
}

/** The whole priority space of a listener. */
export const FULL_RANGE: PriorityRange = { from: 1, to: MAX_PRIORITY };

/** What is wrong with a range, or undefined: whole numbers, 1 ≤ from ≤ to ≤ 50,000. */
export function priorityRangeProblem(range: PriorityRange): string | undefined {
  for (const [name, value] of [['from', range.from], ['to', range.to]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_PRIORITY) return `${name} ${value} is not a whole number from 1 to ${MAX_PRIORITY}`;
  }
  if (range.from > range.to) return `from ${range.from} is above to ${range.to}`;
  return undefined;
}

/** Slots each specificity band gets in `range`: at most {@link BAND_SIZE}, 0 when the range is narrower than the band count. */
export function bandWidth(range: PriorityRange): number {
  return Math.min(BAND_SIZE, Math.floor((range.to - range.from + 1) / BAND_COUNT));
}

/**
 * Assigns a priority within `range` to every route (host or path; the default route has no rule).
 *
 * @returns a map from route key to priority
 * @throws when the range is invalid, two routes share a key, a pinned priority repeats or leaves the range, or more
 *   routes of one specificity than the range gives each band (the message says how wide the range must be)
 */
export function assignPrioritiesInRange(matches: readonly RouteMatch[], range: PriorityRange): Map<string, number> {
  return assignPrioritiesInRangeDetailed(matches, range).priorities;
}

/** A route a hash collision moved off its preferred slot in its band: `holder` took it. */
export interface DisplacedInRange {
  readonly key: string;
  readonly holder: string;
  readonly priority: number;
}

/** {@link assignPrioritiesInRange}, also reporting the routes a collision moved (they can move again; pin them to fix them). */
export function assignPrioritiesInRangeDetailed(matches: readonly RouteMatch[], range: PriorityRange): { priorities: Map<string, number>; displaced: DisplacedInRange[] } {
  const problem = priorityRangeProblem(range);
  if (problem) throw new Error(`priorityRange: ${problem}`);
  const width = bandWidth(range);
  const { result, pinned, byBand } = pinsAndBands(matches, range.from, range.to);
  const displaced: DisplacedInRange[] = [];
  for (const [band, keys] of byBand) {
    const base = range.from + band * width;
    const free = Array.from({ length: width }, (_, slot) => slot).filter((slot) => !pinned.has(base + slot));
    if (keys.length > free.length) {
      throw new Error(`${keys.length} routes of the same specificity need ${keys.length} priorities, but the range ${range.from}..${range.to} gives each of the `
        + `${BAND_COUNT} specificities ${width}${free.length < width ? ` (${width - free.length} of them pinned)` : ''}; widen the range to at least ${BAND_COUNT * (keys.length + width - free.length)} priorities`);
    }
    const holder = new Map<number, string>(Array.from({ length: width }, (_, slot) => slot).filter((slot) => pinned.has(base + slot)).map((slot) => [slot, 'a pinned priority']));
    for (const key of [...keys].sort()) {
      const preferred = fnv1a(key) % width;
      let slot = preferred;
      while (holder.has(slot)) slot = (slot + 1) % width;
      holder.set(slot, key);
      result.set(key, base + slot);
      if (slot !== preferred) displaced.push({ key, holder: holder.get(preferred)!, priority: base + slot });
    }
  }
  return { priorities: result, displaced };
}
