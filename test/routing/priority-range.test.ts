import * as fc from 'fast-check';
import { assignPriorities, BAND_SIZE, routeKey, specificityBand } from '../../lib/routing/priorities';
import { assignPrioritiesInRange, BAND_COUNT, bandWidth, PriorityRange, priorityRangeProblem } from '../../lib/routing/priority-range';
import { matchArb } from './route-arbitraries';

/** At most 5 routes per specificity, so the 1000..1999 range of the issue holds them. */
const fitting = (range: PriorityRange) => fc.uniqueArray(matchArb, { selector: routeKey, minLength: 1, maxLength: 60 }).filter((matches) => {
  const perBand = new Map<number, number>();
  for (const m of matches) perBand.set(specificityBand(m), (perBand.get(specificityBand(m)) ?? 0) + 1);
  return [...perBand.values()].every((n) => n <= bandWidth(range));
});
const ranges: fc.Arbitrary<PriorityRange> = fc.tuple(fc.integer({ min: 1, max: 40_000 }), fc.integer({ min: BAND_COUNT * 5, max: 50_000 }))
  .map(([from, size]) => ({ from, to: Math.min(50_000, from + size - 1) }))
  .filter((r) => bandWidth(r) >= 5);

describe('assignPrioritiesInRange', () => {
  test('gives every route a distinct priority inside the range', () => {
    fc.assert(fc.property(ranges.chain((r) => fc.tuple(fc.constant(r), fitting(r))), ([range, matches]) => {
      const priorities = [...assignPrioritiesInRange(matches, range).values()];
      expect(new Set(priorities).size).toBe(matches.length);
      for (const p of priorities) {
        expect(p).toBeGreaterThanOrEqual(range.from);
        expect(p).toBeLessThanOrEqual(range.to);
      }
    }));
  });

  test('orders routes most specific first, as a FleetLoadBalancer does', () => {
    const range = { from: 1000, to: 1999 };
    fc.assert(fc.property(fitting(range), (matches) => {
      const priorities = assignPrioritiesInRange(matches, range);
      for (const a of matches) {
        for (const b of matches) {
          if (specificityBand(a) < specificityBand(b)) expect(priorities.get(routeKey(a))!).toBeLessThan(priorities.get(routeKey(b))!);
        }
      }
    }));
  });

  test('is stable: adding or removing a route of another specificity moves no other route', () => {
    const range = { from: 1000, to: 1999 };
    fc.assert(fc.property(fitting(range), matchArb, (matches, extra) => {
      fc.pre(!matches.some((m) => routeKey(m) === routeKey(extra) || specificityBand(m) === specificityBand(extra)));
      const before = assignPrioritiesInRange(matches, range);
      const after = assignPrioritiesInRange([...matches, extra], range);
      for (const m of matches) expect(after.get(routeKey(m))).toBe(before.get(routeKey(m)));
    }));
  });

  test('over the whole space, puts every route in the band a FleetLoadBalancer gives its specificity (most specific first)', () => {
    // Inside a band a FleetLoadBalancer alternates halves so additions and removals never clash (priorities.ts); an
    // imported listener's share of a user's range keeps plain hashing (docs/routing.md, "Existing listener").
    const band = (p: number, from: number) => Math.floor((p - from) / BAND_SIZE);
    fc.assert(fc.property(fc.uniqueArray(matchArb, { selector: routeKey, minLength: 1, maxLength: 100 }), (matches) => {
      const own = assignPriorities(matches);
      const full = assignPrioritiesInRange(matches, { from: 1, to: 50_000 });
      const offset = assignPrioritiesInRange(matches, { from: 501, to: 50_000 });
      for (const m of matches) {
        expect(band(full.get(routeKey(m))!, 1)).toBe(band(own.get(routeKey(m))!, 1));
        expect(offset.get(routeKey(m))).toBe(full.get(routeKey(m))! + 500);
      }
    }));
  });

  test('keeps pinned priorities and never gives them to another route', () => {
    const range = { from: 1000, to: 1999 };
    const hosts = ['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com'];
    const base = range.from + specificityBand({ host: hosts[0] }) * bandWidth(range);
    const pins = [base, base + 1, base + 2, base + 3];
    const priorities = assignPrioritiesInRange([{ host: 'pinned.example.com', priority: pins[0] }, ...hosts.map((host) => ({ host }))], range);
    expect(priorities.get('pinned.example.com|')).toBe(pins[0]);
    const others = hosts.map((h) => priorities.get(`${h}|`)!);
    expect(new Set(others).size).toBe(4);
    expect(others).not.toContain(pins[0]);
    expect(() => assignPrioritiesInRange([{ path: '/a', priority: 999 }], range)).toThrow(/outside 1000..1999/);
    expect(() => assignPrioritiesInRange([{ path: '/a', priority: 1500 }, { path: '/b', priority: 1500 }], range)).toThrow(/pinned by two routes/);
  });

  test('says how wide the range must be when a specificity overflows its share', () => {
    const hosts = Array.from({ length: 6 }, (_, i) => ({ host: `s${i}.example.com` }));
    expect(() => assignPrioritiesInRange(hosts, { from: 1000, to: 1999 })).toThrow(/widen the range to at least 1188 priorities/);
    expect(() => assignPrioritiesInRange(hosts, { from: 1000, to: 1000 + 1188 - 1 })).not.toThrow();
  });

  test.each([
    [{ from: 1, to: 50_000 }, undefined],
    [{ from: 1000, to: 1999 }, undefined],
    [{ from: 7, to: 7 }, undefined],
    [{ from: 0, to: 10 }, /from 0/],
    [{ from: 10, to: 50_001 }, /to 50001/],
    [{ from: 11, to: 10 }, /above/],
    [{ from: 1, to: 2.5 }, /to 2.5/],
  ])('priorityRangeProblem(%j)', (range, problem) => {
    if (problem) expect(priorityRangeProblem(range)).toMatch(problem);
    else expect(priorityRangeProblem(range)).toBeUndefined();
  });
});
