import * as fc from 'fast-check';
import { crossStackCycle, nestedStackOf } from '../../lib/compose/nested-stacks';

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
