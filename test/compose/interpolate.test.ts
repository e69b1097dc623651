import * as fc from 'fast-check';
import { interpolate, InterpolationError } from '../../lib/compose/interpolate';

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
