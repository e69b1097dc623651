import * as fc from 'fast-check';
import { interpolate, InterpolationError } from '../../lib/compose/interpolate';
import { MAX_COMPOSE_CHARS, MAX_INTERPOLATION_DEPTH } from '../../lib/compose/limits';

const vars: Record<string, string> = { HOST: 'db', EMPTY: '', PORT: '5432' };
const lookup = (name: string) => vars[name];
const run = (text: string) => interpolate(text, lookup);

describe('interpolate', () => {
  test.each([
    ['$HOST:$PORT', 'db:5432'],
    ['${HOST}', 'db'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${MISSING-fallback}', 'fallback'],
    ['${HOST:-fallback}', 'db'],
    ['${HOST:+set}', 'set'],
    ['${EMPTY:+set}', ''],
    ['${EMPTY+set}', 'set'],
    ['${MISSING+set}', ''],
    ['${MISSING:-${HOST}}', 'db'],
    ['${MISSING:-${ALSO_MISSING:-deep}}', 'deep'],
    ['$$HOST', '$HOST'],
    ['$$(cat /run/secrets/db-password)', '$(cat /run/secrets/db-password)'],
    ['price: 5$', 'price: 5$'],
    ['no variables', 'no variables'],
  ])('%s → %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });

  test('an unset variable without default becomes empty and is reported once per reference', () => {
    const unset: string[] = [];
    expect(interpolate('a${NOPE}b$NOPE', lookup, (n) => unset.push(n))).toBe('ab');
    expect(unset).toEqual(['NOPE', 'NOPE']);
  });

  test('${VAR:?message} fails when unset or empty, naming the variable and the message', () => {
    expect(() => run('${MISSING:?set MISSING to the database host}')).toThrow(/required variable MISSING is not set: set MISSING to the database host/);
    expect(() => run('${EMPTY:?must not be empty}')).toThrow(/EMPTY is empty/);
    expect(run('${EMPTY?only when unset}')).toBe('');
    expect(run('${HOST:?unused}')).toBe('db');
  });

  test('the argument of an unused default is not evaluated (no error from a nested ?)', () => {
    expect(run('${HOST:-${MISSING:?never}}')).toBe('db');
  });

  test.each(['${', '${HOST', '${}', '${1A}', '${HOST:x}'])('malformed %s is an InterpolationError', (text) => {
    expect(() => run(text)).toThrow(InterpolationError);
  });

  test('property: text without "$" is returned unchanged', () => {
    fc.assert(fc.property(fc.string().filter((s) => !s.includes('$')), (s) => run(s) === s));
  });

  test('property: "$$" escapes any text, so escaping then interpolating is the identity', () => {
    fc.assert(fc.property(fc.string(), (s) => run(s.replace(/\$/g, '$$$$')) === s));
  });
});

describe('interpolation limits', () => {
  const nested = (depth: number, inner = 'x') => `${'${A:-'.repeat(depth)}${inner}${'}'.repeat(depth)}`;

  test(`${MAX_INTERPOLATION_DEPTH} nested \${...} are interpolated`, () => {
    expect(run(nested(MAX_INTERPOLATION_DEPTH))).toBe('x');
    // The innermost `${HOST}` is a level too.
    expect(run(nested(MAX_INTERPOLATION_DEPTH - 1, '${HOST}'))).toBe('db');
  });

  test('one level more is an InterpolationError naming the limit', () => {
    expect(() => run(nested(MAX_INTERPOLATION_DEPTH + 1))).toThrow(/^\$\{\.\.\.\} expressions are nested more than 16 levels deep in '\$\{A:-\$\{A:-/);
    expect(() => run(nested(MAX_INTERPOLATION_DEPTH, '${HOST}'))).toThrow(InterpolationError);
  });

  test('an argument that is never used counts too, so the answer does not depend on the variables', () => {
    expect(() => run(`\${HOST:-${nested(MAX_INTERPOLATION_DEPTH)}}`)).toThrow(/nested more than 16 levels/);
  });

  test('3,000 levels (the issue) are an InterpolationError, not a RangeError; the message quotes only the start of the text', () => {
    let error: unknown;
    try {
      run(nested(3000));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InterpolationError);
    expect((error as Error).message.length).toBeLessThan(200);
  });

  test('a result longer than maxLength is an InterpolationError; exactly maxLength is returned', () => {
    expect(interpolate('$HOST-$HOST', lookup, undefined, { maxLength: 5 })).toBe('db-db');
    expect(() => interpolate('$HOST-$HOST!', lookup, undefined, { maxLength: 5 })).toThrow(/longer than the 5 characters allowed/);
    expect(() => interpolate('no dollar', lookup, undefined, { maxLength: 5 })).toThrow(/longer than the 5 characters allowed/);
  });

  test(`the default result limit is ${MAX_COMPOSE_CHARS} characters`, () => {
    const big = { BIG: 'x'.repeat(MAX_COMPOSE_CHARS / 2) };
    expect(interpolate('$BIG$BIG', (n) => big[n as 'BIG'])).toHaveLength(MAX_COMPOSE_CHARS);
    expect(() => interpolate('$BIG$BIG!', (n) => big[n as 'BIG'])).toThrow(/longer than the 8,388,608 characters allowed/);
  });

  test('many "$" and "}" in one value are read in one pass (a megabyte of "$$" inside a default)', () => {
    const text = `\${MISSING:-${'$$'.repeat(500_000)}}`;
    expect(run(text)).toBe('$'.repeat(500_000));
  });

  /** Random expressions: literals, $$, $VAR, ${VAR}, ${VAR<op>argument} nested to any depth, and stray '{', '}' and '$'. */
  const expression: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('a', ' ', '$$', '$HOST', '${EMPTY}', '${MISSING}', '}', '{', '$', '${', '${1}'),
      fc.tuple(fc.constantFrom('HOST', 'EMPTY', 'MISSING'), fc.constantFrom(':-', '-', ':+', '+', ':?', '?', ':x', ''), tie('expr'))
        .map(([name, op, arg]) => `\${${name}${op}${arg}}`),
      fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => a + b),
    ),
  })).expr;

  test('property: any expression interpolates or is an InterpolationError, never another exception', () => {
    fc.assert(fc.property(expression, (text) => {
      try {
        return typeof run(text) === 'string';
      } catch (e) {
        return e instanceof InterpolationError;
      }
    }), { numRuns: 1000 });
  });

  test('property: deep chains of defaults are refused exactly past the limit', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.constantFrom(':-', '-', ':+', '+'), (depth, op) => {
      const text = `${`\${HOST${op}`.repeat(depth)}x${'}'.repeat(depth)}`;
      if (depth <= MAX_INTERPOLATION_DEPTH) return typeof run(text) === 'string';
      expect(() => run(text)).toThrow(/nested more than 16 levels/);
      return true;
    }));
  });
});
