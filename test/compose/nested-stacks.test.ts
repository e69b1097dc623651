import * as fc from 'fast-check';
import { startOrder } from '../../lib/compose/names';
import { crossStackCycle, nestedStackOf, stackSafeStartOrder } from '../../lib/compose/nested-stacks';

describe('nestedStackOf', () => {
  test('fills stacks of perStack services in file order; without it every service stays in the construct\'s stack', () => {
    expect([...nestedStackOf(['a', 'b', 'c'], 2).values()]).toEqual(['Services1', 'Services1', 'Services2']);
    expect([...nestedStackOf(['a', 'b'], undefined).values()]).toEqual([undefined, undefined]);
  });

  test('a chain of dependencies on earlier services never runs both ways between stacks (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 120 }), fc.integer({ min: 1, max: 55 }), fc.integer({ min: 0, max: 2 ** 30 }), (n, perStack, seed) => {
      const names = Array.from({ length: n }, (_, i) => `svc${i}`);
      // Each service depends on one or two earlier services, picked from the seed.
      const deps = new Map(names.map((name, i) => [name, i === 0 ? [] : [names[(seed + i) % i], names[i - 1]]]));
      expect(crossStackCycle(nestedStackOf(names, perStack), deps)).toBeUndefined();
    }));
  });
});

describe('crossStackCycle', () => {
  const placement = new Map<string, string | undefined>([['web', 'Services1'], ['db', 'Services2'], ['worker', 'Services2'], ['cache', 'Services1'], ['top', undefined]]);

  test('names the services whose start order runs both ways between two stacks', () => {
    const cycle = crossStackCycle(placement, new Map([['web', ['db']], ['worker', ['cache']]]));
    expect(cycle).toEqual(['web (Services1) → db (Services2)', 'worker (Services2) → cache (Services1)']);
  });

  test('finds a cycle through three stacks, and none when dependencies run one way or stay inside a stack', () => {
    const three = new Map<string, string | undefined>([['a', 'Services1'], ['b', 'Services2'], ['c', 'Services3']]);
    expect(crossStackCycle(three, new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toHaveLength(3);
    expect(crossStackCycle(placement, new Map([['web', ['db', 'cache']], ['worker', ['db']], ['top', ['web', 'db']]]))).toBeUndefined();
  });
});

describe('stackSafeStartOrder', () => {
  const per2 = (names: string[]) => nestedStackOf(names, 2);

  test('an inferred wait (clients after servers) that would make two stacks wait for each other is dropped and reported', () => {
    // No depends_on at all: worker1 and worker2 publish nothing, api and db do, so each worker waits for both servers.
    const names = ['worker1', 'api', 'worker2', 'db'];
    const inferred = startOrder(names.map((name) => ({ name, dependsOn: [], environment: {}, isServer: name === 'api' || name === 'db' })));
    const order = stackSafeStartOrder(per2(names), new Map(Object.entries(inferred)), new Map());
    expect(order.cycle).toBeUndefined();
    expect(order.dropped.length).toBeGreaterThan(0);
    expect(crossStackCycle(per2(names), order.startAfter)).toBeUndefined();
    for (const { service, dependency } of order.dropped) expect(inferred[service]).toContain(dependency);
  });

  test('depends_on running both ways between stacks is the cycle to report, never dropped', () => {
    const names = ['a', 'b', 'c', 'd'];
    const dependsOn = new Map([['a', ['c']], ['d', ['b']]]);
    const order = stackSafeStartOrder(per2(names), dependsOn, dependsOn);
    expect(order.cycle).toEqual(['a (Services1) → c (Services2)', 'd (Services2) → b (Services1)']);
  });

  test('whatever the file, the kept order never runs both ways between stacks, and keeps every depends_on (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 8 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 30 }),
      (n, perStack, servers, seed) => {
        const names = Array.from({ length: n }, (_, i) => `svc${i}`);
        // depends_on on earlier services only (as files that deploy are written); the rest is inferred.
        const written = new Map(names.map((name, i) => [name, i > 0 && (seed >> (i % 30)) & 1 ? [names[(seed + i) % i]] : []]));
        const inferred = startOrder(names.map((name, i) => ({ name, dependsOn: written.get(name)!, environment: {}, isServer: servers[i] })));
        const order = stackSafeStartOrder(nestedStackOf(names, perStack), new Map(Object.entries(inferred)), written);
        expect(order.cycle).toBeUndefined();
        expect(crossStackCycle(nestedStackOf(names, perStack), order.startAfter)).toBeUndefined();
        for (const [name, deps] of written) for (const d of deps) expect(order.startAfter.get(name)).toContain(d);
      }));
  });
});
