import { fnv1a } from '../../lib/hash';
import { BAND_SIZE, RouteMatch, routeKey, specificityBand } from '../../lib/routing/priorities';

/**
 * The assignment of the previous release (a hash slot in the whole 250-slot band, linear probing in key order): what
 * environments deployed before the change hold, and the reference the tests compare against.
 */
export function legacyAssign(matches: readonly RouteMatch[]): Map<string, number> {
  const result = new Map<string, number>();
  const byBand = new Map<number, string[]>();
  for (const m of matches) byBand.set(specificityBand(m), [...(byBand.get(specificityBand(m)) ?? []), routeKey(m)]);
  for (const [band, keys] of byBand) {
    const taken = new Set<number>();
    for (const key of [...keys].sort()) {
      let slot = fnv1a(key) % BAND_SIZE;
      while (taken.has(slot)) slot = (slot + 1) % BAND_SIZE;
      taken.add(slot);
      result.set(key, band * BAND_SIZE + slot + 1);
    }
  }
  return result;
}

/** What the update check calls a clash: a rule created or renumbered onto a priority any rule held before the update. */
export function clashes(before: Map<string, number>, after: Map<string, number>): Array<[string, number]> {
  const held = new Set(before.values());
  return [...after].filter(([key, p]) => before.get(key) !== p && held.has(p));
}
