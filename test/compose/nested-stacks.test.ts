import * as fc from 'fast-check';
import { crossStackCycle, nestedStackOf } from '../../lib/compose/nested-stacks';

describe('nestedStackOf', () => {
  test('serviceStacks: a hash of the name, so the placement of a service does not depend on the others', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), { minLength: 2, maxLength: 30 }), fc.integer({ min: 1, max: 12 }), (names, stacks) => {
      const all = nestedStackOf(names, { serviceStacks: stacks });
      const fewer = nestedStackOf(names.slice(1).reverse(), { serviceStacks: stacks });
      for (const name of names.slice(1)) expect(fewer.get(name)).toBe(all.get(name));
      for (const id of all.values()) expect(id).toMatch(new RegExp(`^Services([1-9]|1[0-2])$`));
    }));
  });

  test('servicesPerNestedStack fills in file order; neither keeps every service in the construct\'s stack', () => {
    expect([...nestedStackOf(['a', 'b', 'c'], { servicesPerNestedStack: 2 }).values()]).toEqual(['Services1', 'Services1', 'Services2']);
    expect([...nestedStackOf(['a', 'b'], {}).values()]).toEqual([undefined, undefined]);
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
