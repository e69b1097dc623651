import * as fc from 'fast-check';
import {
  assignPriorities, assignPrioritiesDetailed, HALF_BAND_SIZE, HIGHEST_ASSIGNED_PRIORITY, MAX_PRIORITY, preferredSlot, RouteMatch, routeKey, specificityBand,
} from '../../lib/routing/priorities';
import { clashes, legacyAssign } from './legacy-priorities';
import { matchArb, pathArb, segment } from './route-arbitraries';

const uniqueMatches = fc.uniqueArray(matchArb, { selector: routeKey, minLength: 1, maxLength: 100 });

describe('assignPriorities', () => {
  test('gives every route a distinct priority within ALB limits', () => {
    fc.assert(fc.property(uniqueMatches, (matches) => {
      const priorities = [...assignPriorities(matches).values()];
      expect(new Set(priorities).size).toBe(matches.length);
      for (const p of priorities) {
        expect(p).toBeGreaterThanOrEqual(1);
        expect(p).toBeLessThanOrEqual(MAX_PRIORITY);
      }
    }));
    expect(HIGHEST_ASSIGNED_PRIORITY).toBeLessThanOrEqual(MAX_PRIORITY);
  });

  test('does not depend on declaration order', () => {
    fc.assert(fc.property(uniqueMatches.chain((m) => fc.tuple(fc.constant(m), fc.shuffledSubarray(m, { minLength: m.length, maxLength: m.length }))),
      ([matches, shuffled]) => {
        expect(assignPriorities(shuffled)).toEqual(assignPriorities(matches));
      }));
  });

  test('adding or removing one route never moves a rule onto a priority any rule held before, and moves only rules of its specificity', () => {
    fc.assert(fc.property(uniqueMatches, matchArb, fc.boolean(), (matches, extra, remove) => {
      fc.pre(!matches.some((m) => routeKey(m) === routeKey(extra)));
      const [smaller, larger] = remove ? [matches, [...matches, extra]].reverse() : [matches, [...matches, extra]];
      const before = assignPriorities(smaller);
      const after = assignPriorities(larger);
      expect(clashes(before, after)).toEqual([]);
      for (const m of smaller) if (before.get(routeKey(m)) !== after.get(routeKey(m))) expect(specificityBand(m)).toBe(specificityBand(extra));
    }));
  });

  test('a change that alters the number of routes of one specificity by an odd number never clashes', () => {
    const paths = fc.uniqueArray(segment.map((s) => ({ path: `/${s}` })), { selector: routeKey, minLength: 2, maxLength: 100 });
    fc.assert(fc.property(paths, fc.integer({ min: 0, max: 100 }), fc.nat(), (all, cut, split) => {
      // Before: routes [0, cut); after: routes [split, end) — an odd difference in number means an odd change.
      const before = all.slice(0, cut % all.length);
      const after = all.slice(split % all.length);
      fc.pre((before.length - after.length) % 2 !== 0);
      expect(clashes(assignPriorities(before), assignPriorities(after))).toEqual([]);
    }));
  });

  test('more specific paths are evaluated before catch-alls', () => {
    const p = assignPriorities([{ path: '/*' }, { path: '/api/*' }, { path: '/api/users/*' }, { path: '/api/health' }]);
    expect(p.get('|/api/health')!).toBeLessThan(p.get('|/api/users/*')!);
    expect(p.get('|/api/users/*')!).toBeLessThan(p.get('|/api/*')!);
    expect(p.get('|/api/*')!).toBeLessThan(p.get('|/*')!);
  });

  test('a longer literal prefix always wins over a shorter one of the same host kind', () => {
    fc.assert(fc.property(pathArb, segment, (path, extra) => {
      const base = path.replace(/\*$/, '').replace(/\/$/, '');
      const general = `${base}/*`;
      const specific = `${base}/${extra}/*`;
      const p = assignPriorities([{ path: general }, { path: specific }]);
      expect(p.get(`|${specific}`)!).toBeLessThan(p.get(`|${general}`)!);
    }));
  });

  test('host-specific routes come before host-agnostic ones, exact hosts before wildcards', () => {
    const p = assignPriorities([{ path: '/api/*' }, { host: '*.example.com' }, { host: 'login.example.com' }, { host: 'login.example.com', path: '/*' }]);
    expect(p.get('login.example.com|/*')!).toBeLessThan(p.get('login.example.com|')!);
    expect(p.get('login.example.com|')!).toBeLessThan(p.get('*.example.com|')!);
    expect(p.get('*.example.com|')!).toBeLessThan(p.get('|/api/*')!);
  });

  test('host comparison ignores case, path comparison does not', () => {
    expect(() => assignPriorities([{ host: 'A.example.com' }, { host: 'a.example.com' }])).toThrow(/duplicate route/);
    expect(() => assignPriorities([{ path: '/A' }, { path: '/a' }])).not.toThrow();
  });

  test('known values are stable across releases (changing them renumbers deployed rules)', () => {
    const p = assignPriorities([{ path: '/*' }, { path: '/api/*' }, { path: '/admin/*' }]);
    expect(Object.fromEntries(p)).toMatchInlineSnapshot(`
{
  "|/*": 48913,
  "|/admin/*": 47421,
  "|/api/*": 47880,
}
`);
  });

  test('rejects more routes of one specificity than its band holds', () => {
    // A band's routes share one half (100 priorities), ALB's 100 rules per load balancer.
    const many = Array.from({ length: HALF_BAND_SIZE + 1 }, (_, i) => ({ path: `/x${String(i).padStart(3, '0')}` }));
    expect(() => assignPriorities(many)).toThrow(/exceed the 100 priorities/);
    expect(() => assignPriorities(many.slice(1))).not.toThrow();
  });
});

describe('pinned priorities', () => {
  test('are kept and never handed to an unpinned route', () => {
    fc.assert(fc.property(uniqueMatches, fc.integer({ min: 1, max: MAX_PRIORITY }), (matches, pin) => {
      const [first, ...rest] = matches;
      const p = assignPriorities([{ ...first, priority: pin }, ...rest]);
      expect(p.get(routeKey(first))).toBe(pin);
      expect([...p.values()].filter((v) => v === pin)).toHaveLength(1);
    }));
  });

  test('reports the routes a collision displaced', () => {
    const keys: RouteMatch[] = [];
    const bySlot = new Map<number, RouteMatch>();
    for (let i = 0; keys.length === 0; i++) {
      const m = { path: `/p${i}` };
      const slot = preferredSlot(routeKey(m));
      if (bySlot.has(slot)) keys.push(bySlot.get(slot)!, m);
      bySlot.set(slot, m);
    }
    const { displaced } = assignPrioritiesDetailed(keys);
    expect(displaced).toHaveLength(1);
    expect(displaced[0].displacedBy).toBe([routeKey(keys[0]), routeKey(keys[1])].sort()[0]);
  });
});

describe('routine changes without the deployed rules (issue 22: no kept cdk.out)', () => {
  const seventy = Array.from({ length: 70 }, (_, i) => ({ path: `/r${i}` }));

  test('removing any one of 70 routes of one specificity: the previous assignment clashes, this one never does', () => {
    let legacy = 0;
    for (let i = 0; i < seventy.length; i++) {
      const rest = seventy.filter((_, j) => j !== i);
      legacy += clashes(legacyAssign(seventy), legacyAssign(rest)).length > 0 ? 1 : 0;
      expect(clashes(assignPriorities(seventy), assignPriorities(rest))).toEqual([]);
    }
    // The finding: with the previous assignment some removals move a displaced route back onto the removed rule's priority.
    expect(legacy).toBeGreaterThan(0);
  });

  test('20 single-route additions and removals among 70 routes of one specificity: clashes before, none now', () => {
    let paths = seventy;
    let [legacyClashes, newClashes] = [0, 0];
    for (let i = 0; i < 20; i++) {
      const next = i % 2 === 0 ? paths.filter((_, j) => j !== (i * 7) % paths.length) : [...paths, { path: `/added${i}` }];
      legacyClashes += clashes(legacyAssign(paths), legacyAssign(next)).length;
      newClashes += clashes(assignPriorities(paths), assignPriorities(next)).length;
      paths = next;
    }
    expect(legacyClashes).toBeGreaterThan(0);
    expect(newClashes).toBe(0);
  });

  test('the known limit: adding and removing one route of a specificity in the same deploy keeps its half and can clash', () => {
    // Replacing a path (remove one, add one) keeps the band's parity; a route displaced by the removed one moves back.
    const replaced = (i: number) => [...seventy.filter((_, j) => j !== i), { path: `/renamed${i}` }];
    const clashing = seventy.map((_, i) => clashes(assignPriorities(seventy), assignPriorities(replaced(i))).length).filter((c) => c > 0);
    expect(clashing.length).toBeGreaterThan(0);
    // Done in two deploys (add, then remove), the same change never clashes.
    for (let i = 0; i < seventy.length; i++) {
      const added = [...seventy, { path: `/renamed${i}` }];
      expect(clashes(assignPriorities(seventy), assignPriorities(added))).toEqual([]);
      expect(clashes(assignPriorities(added), assignPriorities(replaced(i)))).toEqual([]);
    }
  });
});

describe('with the deployed rules', () => {
  /** Rule identity as in a template: the route key stands in for `<file>#<logicalId>`. */
  const withIds = (matches: RouteMatch[]) => matches.map((m) => ({ ...m, ruleId: routeKey(m) }));
  const deploy = (matches: RouteMatch[], deployed?: Map<string, number>) =>
    assignPrioritiesDetailed(withIds(matches), { deployed: deployed && [...deployed].map(([ruleId, priority]) => ({ ruleId, priority })) });
  const change = fc.oneof(matchArb.map((m) => ({ add: m })), fc.nat().map((i) => ({ remove: i })), fc.tuple(matchArb, fc.nat()).map(([m, i]) => ({ replace: i, by: m })));
  const apply = (matches: RouteMatch[], c: { add?: RouteMatch; remove?: number; replace?: number; by?: RouteMatch }) => {
    const extra = c.add ?? c.by;
    if (extra && matches.some((m) => routeKey(m) === routeKey(extra))) return matches;
    const cut = c.remove ?? c.replace;
    const kept = cut === undefined || matches.length < 2 ? matches : matches.filter((_, i) => i !== cut % matches.length);
    return extra ? [...kept, extra] : kept;
  };

  test('no change of any kind (additions, removals, replaced paths) ever clashes', () => {
    fc.assert(fc.property(uniqueMatches, fc.array(change, { minLength: 1, maxLength: 20 }), (initial, changes) => {
      let matches = initial;
      let deployed = deploy(matches).priorities;
      for (const c of changes) {
        matches = apply(matches, c);
        const next = deploy(matches, deployed).priorities;
        expect(clashes(deployed, next)).toEqual([]);
        expect(new Set(next.values()).size).toBe(next.size);
        deployed = next;
      }
    }), { numRuns: 50 });
  });

  test('two deploys of the same routes reach the stateless assignment from any deployed state, without a clash', () => {
    fc.assert(fc.property(uniqueMatches, fc.array(change, { maxLength: 10 }), (initial, changes) => {
      // Any deployed state: the previous release's assignment of other routes, then some changes with the deployed rules.
      let matches = initial;
      let deployed = legacyAssign(initial);
      for (const c of changes) {
        matches = apply(matches, c);
        deployed = deploy(matches, deployed).priorities;
      }
      const first = deploy(matches, deployed);
      const second = deploy(matches, first.priorities);
      expect(clashes(deployed, first.priorities)).toEqual([]);
      expect(clashes(first.priorities, second.priorities)).toEqual([]);
      expect(second.pending).toEqual([]);
      expect(second.priorities).toEqual(assignPriorities(matches));
    }), { numRuns: 50 });
  });

  test('the one-time move from the previous assignment: clashes without the deployed rules, none with them', () => {
    const seventy = Array.from({ length: 70 }, (_, i) => ({ path: `/r${i}` }));
    const legacy = legacyAssign(seventy);
    expect(clashes(legacy, assignPriorities(seventy)).length).toBeGreaterThan(0);
    const first = deploy(seventy, legacy);
    expect(clashes(legacy, first.priorities)).toEqual([]);
    expect(first.pending.length).toBeGreaterThan(0);
    const second = deploy(seventy, first.priorities);
    expect(clashes(first.priorities, second.priorities)).toEqual([]);
    expect(second.pending).toEqual([]);
    // From then on, no deployed rules are needed for additions and removals.
    expect(clashes(second.priorities, assignPriorities(seventy.slice(1)))).toEqual([]);
  });

  test('a pinned priority wins over a deployed one, which then takes a free slot', () => {
    const p = assignPriorities([{ path: '/a', ruleId: 'a' }, { path: '/b', priority: 5 }], { deployed: [{ ruleId: 'a', priority: 5 }] });
    expect(p.get('|/b')).toBe(5);
    expect(p.get('|/a')).not.toBe(5);
  });
});

describe('stable routes (blue/green production rules)', () => {
  test('a stable route keeps its priority whatever other routes come and go, and no two routes share a priority', () => {
    fc.assert(fc.property(matchArb, uniqueMatches, uniqueMatches, (stableMatch, before, after) => {
      const stable = { ...stableMatch, stable: true };
      const others = (list: RouteMatch[]) => list.filter((m) => routeKey(m) !== routeKey(stable));
      const a = assignPriorities([stable, ...others(before)]);
      const b = assignPriorities([...others(after), stable]);
      expect(b.get(routeKey(stable))).toBe(a.get(routeKey(stable)));
      for (const p of [a, b]) expect(new Set(p.values()).size).toBe(p.size);
    }));
  });

  test('a stable route stays in its specificity band, so more specific routes still win', () => {
    fc.assert(fc.property(matchArb, (m) => {
      const p = assignPriorities([{ ...m, stable: true }]).get(routeKey(m))!;
      expect(Math.floor((p - 1) / 250)).toBe(specificityBand(m));
    }));
  });

  test('adding a route of its band renumbers the band, except the stable route (an unstable one would move)', () => {
    const bg = { path: '/api/*' };
    const sameBand = ['/abc/*', '/xyz/*', '/foo/*'].map((path) => ({ path }));
    const key = routeKey(bg);
    expect(assignPriorities([{ ...bg, stable: true }, ...sameBand.slice(0, 2)]).get(key))
      .toBe(assignPriorities([{ ...bg, stable: true }, ...sameBand]).get(key));
    expect(assignPriorities([bg, ...sameBand.slice(0, 2)]).get(key)).not.toBe(assignPriorities([bg, ...sameBand]).get(key));
  });

  test('with the deployed rules, a stable route takes its priority like a pin', () => {
    const stable = { path: '/api/*', stable: true, ruleId: 'T#Api' };
    const target = assignPriorities([stable]).get(routeKey(stable))!;
    const { priorities } = assignPrioritiesDetailed([stable, { path: '/abc/*', ruleId: 'T#Abc' }], { deployed: [{ ruleId: 'T#Api', priority: target }] });
    expect(priorities.get(routeKey(stable))).toBe(target);
  });
});

describe('stable routes beside ordinary ones (a cold review\'s clash cases)', () => {
  const band = fc.uniqueArray(fc.stringMatching(/^[a-z]{4}$/).map((s) => `/${s}/*`), { minLength: 1, maxLength: 30 });
  const withRuleIds = (paths: string[], stable: Set<string>): RouteMatch[] => paths.map((path) => ({ path, ruleId: `T#${path}`, stable: stable.has(path) }));
  const deployedOf = (p: Map<string, number>) => [...p].map(([key, priority]) => ({ ruleId: `T#${key.slice(1)}`, priority }));

  test('stable routes never change an ordinary route\'s priority: they have their own region of the band', () => {
    fc.assert(fc.property(band, band, (ordinary, stable) => {
      const plain = ordinary.filter((p) => !stable.includes(p));
      const alone = assignPriorities(plain.map((path) => ({ path })));
      const beside = assignPriorities([...plain.map((path) => ({ path })), ...stable.filter((p) => !plain.includes(p)).map((path) => ({ path, stable: true }))]);
      for (const [key, p] of alone) expect(beside.get(key)).toBe(p);
    }));
  });

  test('with the deployed rules, no change (routes added, removed, switched to or from blue/green) clashes, and a deployed stable rule keeps its priority', () => {
    fc.assert(fc.property(band, band, fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }), (before, after, flags) => {
      const all = [...new Set([...before, ...after])];
      const stableBefore = new Set(all.filter((_, i) => flags[i]));
      const stableAfter = new Set(all.filter((_, i) => flags[i + 30]));
      const first = assignPriorities(withRuleIds(before, stableBefore));
      const { priorities: next } = assignPrioritiesDetailed(withRuleIds(after, stableAfter), { deployed: deployedOf(first) });
      const heldBy = new Map([...first].map(([k, p]) => [p, k]));
      for (const [key, p] of next) {
        const holder = heldBy.get(p);
        expect(holder === undefined || holder === key).toBe(true);
        if (stableAfter.has(key.slice(1)) && first.has(key)) expect(p).toBe(first.get(key));
      }
      expect(new Set(next.values()).size).toBe(next.size);
    }));
  });
});
