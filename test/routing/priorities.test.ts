import * as fc from 'fast-check';
import {
  assignPriorities, assignPrioritiesDetailed, BAND_SIZE, HIGHEST_ASSIGNED_PRIORITY, MAX_PRIORITY, preferredSlot, RouteMatch, routeKey, specificityBand,
} from '../../lib/routing/priorities';

const segment = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const pathArb: fc.Arbitrary<string> = fc.tuple(fc.array(segment, { minLength: 0, maxLength: 4 }), fc.constantFrom('', '/*', '*'))
  .map(([segs, tail]) => `/${segs.join('/')}${tail}`);
const hostArb: fc.Arbitrary<string> = fc.tuple(fc.constantFrom('', '*.'), segment, fc.constantFrom('example.com', 'example.org'))
  .map(([wild, name, domain]) => `${wild}${name}.${domain}`);
const matchArb: fc.Arbitrary<RouteMatch> = fc.record({ host: fc.option(hostArb, { nil: undefined }), path: fc.option(pathArb, { nil: undefined }) })
  .filter((m) => m.host !== undefined || m.path !== undefined);
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

  test('adding a route leaves every other priority alone unless it lands on a taken slot', () => {
    fc.assert(fc.property(uniqueMatches, matchArb, (matches, extra) => {
      fc.pre(!matches.some((m) => routeKey(m) === routeKey(extra)));
      const before = assignPriorities(matches);
      const after = assignPriorities([...matches, extra]);
      const collides = [...before.values()].includes(after.get(routeKey(extra))!)
        || matches.some((m) => specificityBand(m) === specificityBand(extra) && preferredSlot(routeKey(m)) === preferredSlot(routeKey(extra)));
      const changed = matches.filter((m) => before.get(routeKey(m)) !== after.get(routeKey(m)));
      if (!collides) expect(changed).toEqual([]);
      // Even on a collision only routes of the new route's band can move.
      for (const m of changed) expect(specificityBand(m)).toBe(specificityBand(extra));
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
  "|/*": 48963,
  "|/admin/*": 47421,
  "|/api/*": 47980,
}
`);
  });

  test('rejects more routes of one specificity than its band holds', () => {
    const many = Array.from({ length: BAND_SIZE + 1 }, (_, i) => ({ path: `/x${String(i).padStart(3, '0')}` }));
    expect(() => assignPriorities(many)).toThrow(/exceed the 250 priorities/);
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

describe('with the deployed rules', () => {
  /** Rule identity as in a template: the route key stands in for `<file>#<logicalId>`. */
  const withIds = (matches: RouteMatch[]) => matches.map((m) => ({ ...m, ruleId: routeKey(m) }));
  const deploy = (matches: RouteMatch[], deployed?: Map<string, number>) => {
    const p = assignPriorities(withIds(matches), { deployed: deployed && [...deployed].map(([ruleId, priority]) => ({ ruleId, priority })) });
    return p;
  };
  /** CloudFormation's view: a rule created or renumbered onto a priority any other deployed rule holds fails. */
  const clashes = (before: Map<string, number>, after: Map<string, number>) => [...after].filter(([key, p]) =>
    before.get(key) !== p && [...before].some(([other, q]) => other !== key && q === p));

  test('no add or remove ever moves a deployed rule or reuses a priority a deployed rule holds', () => {
    fc.assert(fc.property(uniqueMatches, fc.array(fc.oneof(matchArb.map((m) => ({ add: m })), fc.nat().map((i) => ({ remove: i }))), { minLength: 1, maxLength: 20 }),
      (initial, changes) => {
        let matches = initial;
        let deployed = deploy(matches);
        for (const change of changes) {
          if ('add' in change) {
            if (matches.some((m) => routeKey(m) === routeKey(change.add))) continue;
            matches = [...matches, change.add];
          } else {
            matches = matches.filter((_, i) => i !== change.remove % matches.length);
          }
          const next = deploy(matches, deployed);
          expect(clashes(deployed, next)).toEqual([]);
          for (const [key, p] of next) if (deployed.has(key)) expect(p).toBe(deployed.get(key));
          deployed = next;
        }
      }), { numRuns: 50 });
  });

  test('20 single-route changes among 70 routes of one specificity: clashes without the deployed rules, none with them', () => {
    let paths = Array.from({ length: 70 }, (_, i) => ({ path: `/r${i}` }));
    let stateless = deploy(paths);
    let remembered = stateless;
    let statelessClashes = 0;
    for (let i = 0; i < 20; i++) {
      // Remove the holder of a slot another route was displaced from, or add a route that takes back such a slot.
      paths = i % 2 === 0 ? paths.filter((_, j) => j !== (i * 7) % paths.length) : [...paths, { path: `/added${i}` }];
      const nextStateless = deploy(paths);
      const nextRemembered = deploy(paths, remembered);
      statelessClashes += clashes(stateless, nextStateless).length;
      expect(clashes(remembered, nextRemembered)).toEqual([]);
      [stateless, remembered] = [nextStateless, nextRemembered];
    }
    expect(statelessClashes).toBeGreaterThan(0);
  });

  test('a pinned priority wins over a deployed one, which then takes a free slot', () => {
    const p = assignPriorities([{ path: '/a', ruleId: 'a' }, { path: '/b', priority: 5 }], { deployed: [{ ruleId: 'a', priority: 5 }] });
    expect(p.get('|/b')).toBe(5);
    expect(p.get('|/a')).not.toBe(5);
  });
});
