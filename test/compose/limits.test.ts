import * as fc from 'fast-check';
import { parseDocument } from 'yaml';
import { ComposeFileError } from '../../lib/compose/load';
import {
  checkDocument, ComposeLimitError, MAX_COMPOSE_CHARS, MAX_COMPOSE_DEPTH, MAX_COMPOSE_FILE_BYTES, MAX_COMPOSE_NODES, MAX_COMPOSE_SERVICES, MAX_INTERPOLATION_DEPTH, utf8Overflow,
} from '../../lib/compose/limits';
import { composeLoader } from './compose-loader';

// Every limit is tested at the limit (loads) and one past it (a ComposeFileError at file:line:column). The tests
// assert outcomes, never durations: bench/compose.ts measures how long each refusal takes.

const { load, errorOf } = composeLoader('compose.yaml');

/** 7 nodes (root map, services, its map, web, its map, image, nginx), 21 characters of keys and values. */
const BASE = 'services:\n  web:\n    image: nginx\n';
const BASE_NODES = 7;
const BASE_CHARS = 'services'.length + 'web'.length + 'image'.length + 'nginx'.length;

/** Keys, values, mappings and sequences of plain data, as the limit counts them (aliases already expanded by toJS). */
function modelNodes(value: unknown): number {
  if (Array.isArray(value)) return 1 + value.reduce((n: number, v) => n + modelNodes(v), 0);
  if (value && typeof value === 'object') return 1 + Object.values(value).reduce((n: number, v) => n + 1 + modelNodes(v), 0);
  return 1;
}

function modelDepth(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(modelDepth));
  if (value && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(modelDepth));
  return 0;
}

function modelChars(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + modelChars(v), 0);
  if (value && typeof value === 'object') return Object.entries(value).reduce((n: number, [k, v]) => n + k.length + modelChars(v), 0);
  return typeof value === 'string' ? value.length : 0;
}

/** A flow sequence of `n` one-character scalars. */
const ones = (n: number) => `[${Array(n).fill('1').join(',')}]`;

describe('file size', () => {
  /** BASE padded with a comment to exactly `bytes` bytes. */
  const fileOf = (bytes: number, fill = 'x') => {
    const padding = bytes - Buffer.byteLength(BASE) - Buffer.byteLength('#\n');
    return `${BASE}#${fill.repeat(padding / Buffer.byteLength(fill))}\n`;
  };

  test(`a file of exactly ${MAX_COMPOSE_FILE_BYTES} bytes loads`, () => {
    const text = fileOf(MAX_COMPOSE_FILE_BYTES);
    expect(Buffer.byteLength(text)).toBe(MAX_COMPOSE_FILE_BYTES);
    expect(load(text).model.services).toEqual({ web: { image: 'nginx' } });
  });

  test('one byte more is an error at the line and column where the limit is crossed', () => {
    const e = errorOf(fileOf(MAX_COMPOSE_FILE_BYTES + 1));
    // The comment line starts at byte 34 (line 4, column 1); byte 1,048,577 is its column 1,048,577 - 34.
    expect(e.message).toBe(`compose.yaml:4:${MAX_COMPOSE_FILE_BYTES + 1 - 34}: the compose file is 1,048,577 bytes, more than the 1,048,576 bytes (1 MiB) allowed; the limit is crossed here`);
    expect(e.fix).toMatch(/split the file/);
  });

  test('the limit counts UTF-8 bytes, not characters', () => {
    // BASE, '#', 524,270 × 'é' (2 bytes each) and '\n' are exactly 1 MiB; one more ASCII character is one byte too many.
    const e2 = 'é'.repeat((MAX_COMPOSE_FILE_BYTES - Buffer.byteLength(BASE) - 2) / 2);
    expect(Buffer.byteLength(`${BASE}#${e2}\n`)).toBe(MAX_COMPOSE_FILE_BYTES);
    expect(() => load(`${BASE}#${e2}\n`)).not.toThrow();
    expect(errorOf(`${BASE}#x${e2}\n`).message).toMatch(/^compose\.yaml:4:\d+: the compose file is 1,048,577 bytes/);
  });

  test('a 5 MB file is refused at the size limit, before it is parsed', () => {
    const lines = ['services:', '  web:', '    image: nginx', '    environment:'];
    for (let i = 0; lines.length < 250_000; i++) lines.push(`      K${i}: v${i}`);
    const text = lines.join('\n');
    expect(text.length).toBeGreaterThan(5_000_000);
    expect(errorOf(text).message).toMatch(/^compose\.yaml:\d+:\d+: the compose file is 5,\d{3},\d{3} bytes, more than the 1,048,576 bytes/);
  });

  test.each([
    ['ascii', 'a'.repeat(10), 10, undefined],
    ['ascii over', 'a'.repeat(11), 10, 10],
    ['2-byte', 'é'.repeat(5), 10, undefined],
    ['2-byte over', 'é'.repeat(6), 10, 5],
    ['4-byte pair', '😀'.repeat(3), 12, undefined],
    ['4-byte pair over', '😀'.repeat(4), 12, 6],
  ])('utf8Overflow: %s', (_, text, max, expected) => {
    expect(utf8Overflow(text, max)).toBe(expected);
    if (expected === undefined) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(max);
  });
});

describe('node count', () => {
  // BASE + `x-pad: [1,…]` with k items: 7 + 2 (key, sequence) + k nodes.
  const fileOf = (nodes: number) => `${BASE}x-pad: ${ones(nodes - BASE_NODES - 2)}\n`;

  test(`a file of exactly ${MAX_COMPOSE_NODES} keys and values loads`, () => {
    const { model } = load(fileOf(MAX_COMPOSE_NODES));
    expect(modelNodes(model)).toBe(MAX_COMPOSE_NODES);
  });

  test('one more is an error at the node that crosses the limit', () => {
    const text = fileOf(MAX_COMPOSE_NODES + 1);
    const e = errorOf(text);
    // The last '1' of the sequence on line 4.
    expect(e.message).toBe(`compose.yaml:4:${text.split('\n')[3].length - 1}: the file has more than the 100,000 keys and values allowed; the limit is crossed here`);
  });

  // BASE + `x-a: &a [1 × 999]` (1 + 1,000 nodes) + `x-b: [*a × j]` (2 + 1,000 j) + `x-p: [1 × p]` (2 + p).
  const aliasedFileOf = (nodes: number) => {
    const j = Math.floor((nodes - BASE_NODES - 1001 - 2 - 2) / 1000);
    const p = nodes - BASE_NODES - 1001 - 2 - 1000 * j - 2;
    return `${BASE}x-a: &a ${ones(999)}\nx-p: ${ones(p)}\nx-b: [${Array(j).fill('*a').join(', ')}]\n`;
  };

  test('aliases count as the nodes they stand for: exactly the limit loads', () => {
    const { model } = load(aliasedFileOf(MAX_COMPOSE_NODES));
    expect(modelNodes(model)).toBe(MAX_COMPOSE_NODES);
  });

  test('one more is an error at the alias that crosses the limit', () => {
    const text = aliasedFileOf(MAX_COMPOSE_NODES + 1);
    const line = text.split('\n')[5];
    expect(errorOf(text).message).toBe(`compose.yaml:6:${line.lastIndexOf('*a') + 1}: alias *a expands to 1,000 nodes, which brings the file past the 100,000 keys and values allowed (aliases count as what they stand for)`);
  });

  test('a billion laughs (10 aliases of 10 aliases, 9 levels: 10^9 nodes in 700 bytes) is refused at the alias that crosses the limit', () => {
    let text = `${BASE}x-l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n`;
    for (let i = 1; i < 10; i++) text += `x-l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]\n`;
    expect(text.length).toBeLessThan(800);
    // Levels 0-3 hold 1 + 11 + 111 + 1,111 + 11,111 nodes... the 9th alias of level 4 (11,111 each) crosses 100,000.
    expect(errorOf(text).message).toMatch(/^compose\.yaml:8:\d+: alias \*l3 expands to 11,111 nodes, which brings the file past the 100,000 keys and values/);
  });

  test("an anchor holding aliases, aliased by many services, loads (yaml's own alias count refused it)", () => {
    // The shape of getsentry/self-hosted's file: defaults whose depends_on merges an anchor 15 times, used by 70 services.
    const deps = Array.from({ length: 15 }, (_, i) => `    d${i}:\n      <<: *started`).join('\n');
    const services = Array.from({ length: 70 }, (_, i) => `  s${i}:\n    <<: *defaults\n    command: run ${i}`).join('\n');
    const text = `x-started: &started\n  condition: service_started\nx-defaults: &defaults\n  image: app\n  depends_on:\n${deps}\nservices:\n${services}\n`;
    const { model } = load(text);
    expect(Object.keys(model.services!)).toHaveLength(70);
    expect(model.services!.s69).toEqual({ image: 'app', command: 'run 69', depends_on: Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`d${i}`, { condition: 'service_started' }])) });
    expect(parseDocument.bind(undefined, text)).not.toThrow();
    expect(() => parseDocument(text, { merge: true }).toJS({ maxAliasCount: 1000 })).toThrow(/Excessive alias count/);
  });
});

// Review r1: a 490 KB file of 24,000 one-line services passed every other limit; the translation then grew faster than
// the square of the count (start order) and synth took about 20 ms per service.
describe('service count', () => {
  const fileOf = (n: number, before = '') => `${before}services:\n${Array.from({ length: n }, (_, i) => `  s${i}: {image: a}\n`).join('')}`;

  test(`${MAX_COMPOSE_SERVICES} services load`, () => {
    expect(Object.keys(load(fileOf(MAX_COMPOSE_SERVICES)).model.services!)).toHaveLength(MAX_COMPOSE_SERVICES);
  });

  test('one more is an error at the services key', () => {
    const e = errorOf(fileOf(MAX_COMPOSE_SERVICES + 1, 'name: big\n'));
    expect(e.message).toBe('compose.yaml:2:1: the file defines 251 services, more than the 250 allowed in one compose file');
    expect(e.fix).toMatch(/split the project into several compose files/);
  });

  test('24,000 one-line services (490 KB, under every other limit) are refused at the services key', () => {
    const text = fileOf(24_000);
    expect(text.length).toBeLessThan(MAX_COMPOSE_FILE_BYTES);
    expect(errorOf(text).message).toMatch(/^compose\.yaml:1:1: the file defines 24,000 services, more than the 250 allowed/);
  });
});

describe('nesting depth', () => {
  // BASE's root mapping is level 1; `x-d: [[…]]` with k brackets reaches level 1 + k.
  const flow = (depth: number) => `${BASE}x-d: ${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}\n`;

  test(`${MAX_COMPOSE_DEPTH} levels load`, () => {
    expect(modelDepth(load(flow(MAX_COMPOSE_DEPTH)).model)).toBe(MAX_COMPOSE_DEPTH);
  });

  test('one more is an error at the first level past the limit', () => {
    // Column of the 64th '[' (the 65th level): 'x-d: ' is 5 characters.
    expect(errorOf(flow(MAX_COMPOSE_DEPTH + 1)).message).toBe(`compose.yaml:4:${5 + MAX_COMPOSE_DEPTH}: mappings and sequences are nested more than 64 levels deep`);
  });

  test.each([
    ['flow sequences', (n: number) => `x: ${'['.repeat(n)}${']'.repeat(n)}\n`],
    ['unclosed flow sequences', (n: number) => `x: ${'['.repeat(n)}\n`],
    ['flow mappings', (n: number) => `x: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`],
    ['block sequences', (n: number) => `x:\n  ${'- '.repeat(n)}1\n`],
    ['implicit pairs in flow sequences', (n: number) => `x: ${'[a: '.repeat(n)}1${']'.repeat(n)}\n`],
  ])('10,000 levels of %s are a depth error, not a stack overflow (the YAML composer overflowed near 800)', (_, make) => {
    const e = errorOf(`${BASE}${make(10_000)}`);
    expect(e.message).toMatch(/^compose\.yaml:\d+:\d+: mappings and sequences are nested more than 64 levels deep$/);
  });

  test('implicit pairs nest twice per bracket: the document is measured, not only the syntax', () => {
    // `[a: [a: 1]]` is sequence, mapping, sequence, mapping: n brackets reach 1 + 2n levels, but only 1 + n in the syntax.
    expect(modelDepth(load(`${BASE}x-y: ${'[a: '.repeat(31)}1${']'.repeat(31)}\n`).model)).toBe(63);
    const e = errorOf(`${BASE}x-y: ${'[a: '.repeat(32)}1${']'.repeat(32)}\n`);
    expect(e.message).toMatch(/^compose\.yaml:4:\d+: mappings and sequences are nested more than 64 levels deep$/);
  });

  test('aliases are measured expanded: an anchor 62 levels deep fits under a sequence, not under two', () => {
    const anchor = `x-a: &a ${'['.repeat(62)}${']'.repeat(62)}\n`;
    // Root (1) > x-b's sequence (2) > the anchor's 62 levels = 64.
    expect(modelDepth(load(`${BASE}${anchor}x-b: [*a]\n`).model)).toBe(64);
    expect(errorOf(`${BASE}${anchor}x-b: [[*a]]\n`).message).toBe('compose.yaml:5:8: alias *a makes nested more than 64 levels deep when it is expanded');
  });

  test('chained anchors cannot build a deep structure from shallow pieces', () => {
    let text = `${BASE}x-0: &a0 [[[[[[[[[[1]]]]]]]]]]\n`;
    for (let i = 1; i < 500; i++) text += `x-${i}: &a${i} [[[[[[[[[[*a${i - 1}]]]]]]]]]]\n`;
    expect(errorOf(text).message).toMatch(/^compose\.yaml:\d+:\d+: alias \*a5 makes nested more than 64 levels deep when it is expanded$/);
  });
});

describe('characters after substitution, aliases expanded', () => {
  // BASE + `x-p: "<p>"` (3 + p) + `x-s: &s "<65,536>"` (3 + 65,536) + `x-c: [*s × 126]` (3 + 126 × 65,536).
  const L = 65_536;
  const fileOf = (chars: number) => {
    const p = chars - BASE_CHARS - 3 - 3 - L - 3 - 126 * L;
    return `${BASE}x-p: "${'p'.repeat(p)}"\nx-s: &s "${'s'.repeat(L)}"\nx-c: [${Array(126).fill('*s').join(', ')}]\n`;
  };

  test(`${MAX_COMPOSE_CHARS} characters, mostly through aliases, load`, () => {
    const text = fileOf(MAX_COMPOSE_CHARS);
    expect(text.length).toBeLessThan(200_000);
    expect(modelChars(load(text).model)).toBe(MAX_COMPOSE_CHARS);
  });

  test('one more is an error at the alias that crosses the limit', () => {
    const text = fileOf(MAX_COMPOSE_CHARS + 1);
    expect(errorOf(text).message).toBe(`compose.yaml:6:${text.split('\n')[5].lastIndexOf('*s') + 1}: alias *s expands to 65,536 characters, which brings the file's keys and values past the 8,388,608 characters allowed (after variable substitution, with aliases expanded)`);
  });

  test('a variable substituted into a value counts with its value: exactly the limit loads, one more is refused at that value', () => {
    const text = 'services:\n  web:\n    image: ${BIG}\n';
    const keys = 'services'.length + 'web'.length + 'image'.length;
    expect(modelChars(load(text, { BIG: 'x'.repeat(MAX_COMPOSE_CHARS - keys) }).model)).toBe(MAX_COMPOSE_CHARS);
    expect(errorOf(text, { BIG: 'x'.repeat(MAX_COMPOSE_CHARS - keys + 1) }).message)
      .toBe("compose.yaml:3:12: this value brings the file's keys and values past the 8,388,608 characters allowed (after variable substitution, with aliases expanded)");
  });

  test('one value substituting a large variable many times is stopped while it is substituted', () => {
    const e = errorOf('services:\n  web:\n    image: nginx\n    command: $BIG$BIG$BIG$BIG$BIG$BIG$BIG$BIG$BIG\n', { BIG: 'x'.repeat(1024 * 1024) });
    expect(e.message).toBe('compose.yaml:4:14: the value is longer than the 8,388,608 characters allowed after variable substitution');
  });

  test('many values substituting a large variable are stopped at the value that passes the limit', () => {
    const e = errorOf(`${BASE}x-v: [${Array(20).fill('$BIG').join(', ')}]\n`, { BIG: 'x'.repeat(1024 * 1024) });
    // The 8th value passes 8 Mi (7 × 1 MiB + 'nginx' fit): 'x-v: [' is 6 characters, each '$BIG, ' 6 more.
    expect(e.message).toBe(`compose.yaml:4:${7 + 7 * 6}: this value brings the file's values past the 8,388,608 characters allowed after variable substitution`);
  });
});

describe('interpolation nesting', () => {
  const nested = (depth: number) => `"${'${a:-'.repeat(depth)}x${'}'.repeat(depth)}"`;

  test(`${MAX_INTERPOLATION_DEPTH} nested \${...} load`, () => {
    expect(load(`services:\n  web:\n    image: ${nested(MAX_INTERPOLATION_DEPTH)}\n`).model.services!.web.image).toBe('x');
  });

  test('one more is an error at the value', () => {
    expect(errorOf(`services:\n  web:\n    image: ${nested(MAX_INTERPOLATION_DEPTH + 1)}\n`).message)
      .toMatch(/^compose\.yaml:3:12: \$\{\.\.\.\} expressions are nested more than 16 levels deep in '\$\{a:-/);
  });

  test('3,000 levels (the issue: a raw RangeError) are an error at the value', () => {
    const e = errorOf(`services:\n  web:\n    image: ${nested(3000)}\n`);
    expect(e.message).toMatch(/^compose\.yaml:3:12: \$\{\.\.\.\} expressions are nested more than 16 levels deep/);
    expect(e.fix).toBe('correct the ${...} expression, or shorten the variables it substitutes');
  });

  test('property: random nested interpolation in a value loads or is a ComposeFileError', () => {
    const piece = fc.constantFrom('${A:-', '${B-', '${A:+', '${B:?', '${C}', '}', '$$', '$A', 'x', '${', '$');
    fc.assert(fc.property(fc.array(piece, { maxLength: 80 }), fc.boolean(), (pieces, quoted) => {
      const value = pieces.join('');
      try {
        load(`services:\n  web:\n    image: nginx\n    command: ${quoted ? JSON.stringify(value) : `'${value.replace(/'/g, "''")}'`}\n`, { A: 'a', B: '' });
      } catch (e) {
        if (!(e instanceof ComposeFileError)) throw e;
      }
    }), { numRuns: 500 });
  });
});

describe('duplicate keys and aliases', () => {
  test('a duplicate key is reported at the duplicate, naming the first', () => {
    expect(errorOf('services:\n  web:\n    image: a\n    ports: []\n    image: b\n').message)
      .toBe("compose.yaml:5:5: invalid YAML: map keys must be unique, and 'image' is already a key of this mapping (at line 3, column 5)");
  });

  test('keys are compared as the model sees them: 1 and "1" are the same key, the same key in two mappings is not a duplicate', () => {
    expect(errorOf(`${BASE}x-a:\n  1: a\n  "1": b\n`).message).toMatch(/^compose\.yaml:6:3: invalid YAML: map keys must be unique, and '1' is already a key/);
    expect(() => load(`${BASE}x-a: {k: 1}\nx-b: {k: 1}\n`)).not.toThrow();
  });

  test('an alias used as a key is the key it names', () => {
    expect(errorOf(`${BASE}x-a:\n  &k name: a\n  *k : b\n`).message).toMatch(/^compose\.yaml:6:3: invalid YAML: map keys must be unique, and 'name' is already a key/);
  });

  test('merge keys (<<) may repeat, as before: explicit keys win over merged ones', () => {
    const { model } = load(`${BASE}x-a: &a {p: 1, q: 1}\nx-b: &b {q: 2, r: 2}\nx-c:\n  <<: *a\n  <<: *b\n  p: 3\n`);
    expect(model['x-c']).toEqual({ p: 3, q: 1, r: 2 });
  });

  test('a duplicate among 40,000 keys is found at its line', () => {
    const lines = ['services:', '  web:', '    image: nginx', '    environment:'];
    for (let i = 0; i < 40_000; i++) lines.push(`      K${i}: v`);
    lines.push('      K17: again');
    expect(errorOf(lines.join('\n')).message).toMatch(/^compose\.yaml:40005:7: invalid YAML: map keys must be unique, and 'K17' is already a key of this mapping \(at line 22, column 7\)$/);
  });

  test('property: a duplicate key in a random mapping is reported at the duplicate, naming the first', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
    fc.assert(fc.property(
      fc.uniqueArray(key, { minLength: 2, maxLength: 30 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 3 }), fc.boolean(),
      (keys, a, b, nesting, flowValues) => {
        const first = a % keys.length;
        const at = first + 1 + (b % (keys.length - first));
        const withDuplicate = [...keys.slice(0, at), keys[first], ...keys.slice(at)];
        // The mapping sits `nesting` levels under x-t; values are scalars or small flow collections.
        const indent = '  '.repeat(nesting + 1);
        const head = ['x-t:', ...Array.from({ length: nesting }, (_, i) => `${'  '.repeat(i + 1)}n${i}:`)];
        const body = withDuplicate.map((k, i) => `${indent}${k}: ${flowValues && i % 2 ? `[${i}, {v: ${i}}]` : `v${i}`}`);
        const text = `${BASE}${[...head, ...body].join('\n')}\n`;
        const lineOf = (index: number) => 4 + head.length + index;
        const e = errorOf(text);
        return e.message === `compose.yaml:${lineOf(at)}:${indent.length + 1}: invalid YAML: map keys must be unique, and '${keys[first]}' is already a key of this mapping (at line ${lineOf(first)}, column ${indent.length + 1})`;
      },
    ), { numRuns: 200 });
  });

  test('an alias of no anchor is an error at the alias', () => {
    expect(errorOf(`${BASE}x-a: [1, *nowhere]\n`).message).toBe('compose.yaml:4:10: alias *nowhere names no anchor before it');
    // An anchor defined after its alias does not count, as in YAML.
    expect(errorOf(`${BASE}x-a: *later\nx-b: &later 1\n`).message).toBe('compose.yaml:4:6: alias *later names no anchor before it');
  });

  test('an alias inside its own anchor is an error, not an endless structure', () => {
    expect(errorOf(`${BASE}x-a: &a [1, *a]\n`).message).toBe('compose.yaml:4:13: alias *a is inside its own anchor &a, so it would expand forever');
    expect(errorOf(`${BASE}x-a: &a\n  b:\n    c: *a\n`).message).toMatch(/^compose\.yaml:6:8: alias \*a is inside its own anchor/);
  });

  test.each([
    ['a scalar', 'x-a:\n  <<: 5\n', '5:7'],
    ['an alias of a scalar', 'x-s: &s 5\nx-a:\n  <<: *s\n', '6:7'],
    ['a list holding a scalar', 'x-s: &s {a: 1}\nx-a:\n  <<: [*s, 5]\n', '6:12'],
  ])('a merge key (<<) given %s is an error at it', (_, yaml, position) => {
    expect(errorOf(`${BASE}${yaml}`).message).toBe(`compose.yaml:${position}: a merge key (<<) takes a mapping, an alias of one, or a list of those`);
  });

  test('a merge key given a list of mappings merges them, earlier ones first', () => {
    expect(load(`${BASE}x-s: &s {a: 1, b: 1}\nx-a:\n  <<: [*s, {b: 2, c: 2}]\n`).model['x-a']).toEqual({ a: 1, b: 1, c: 2 });
  });
});

describe('checkDocument', () => {
  const check = (text: string, limits = {}) => checkDocument(parseDocument(text, { merge: true, uniqueKeys: false }), String, limits);

  test('counts nodes and depth as documented, with custom limits', () => {
    // Root map, key a, sequence, 1, 2: 5 nodes, 2 levels.
    expect(() => check('a: [1, 2]\n', { maxNodes: 5, maxDepth: 2 })).not.toThrow();
    expect(() => check('a: [1, 2]\n', { maxNodes: 4 })).toThrow(ComposeLimitError);
    expect(() => check('a: [1, 2]\n', { maxDepth: 1 })).toThrow(ComposeLimitError);
  });
});

describe('any input', () => {
  // Characters that mean something to YAML or to interpolation, and a few letters.
  const alphabet = fc.constantFrom(...'[]{}:-,&*!|>\'"#?%@`$<\n  ab1'.split(''));

  test('property: random YAML-like text loads or is a ComposeFileError, never another exception', () => {
    fc.assert(fc.property(fc.array(alphabet, { maxLength: 120 }).map((cs) => cs.join('')), (noise) => {
      try {
        load(`${BASE}${noise}`);
      } catch (e) {
        if (!(e instanceof ComposeFileError)) throw e;
      }
    }), { numRuns: 500 });
  });

  test('property: random anchors, aliases and merges load or are a ComposeFileError', () => {
    const value = fc.constantFrom('1', '[1, 2]', '{k: v}', '*a', '*b', '[*a, *b]', '{m: *a}', '&a [1]', '&b {k: *a}', '&a *b');
    const entry = fc.tuple(fc.constantFrom('x-p', 'x-q', '<<', 'x-r'), value).map(([k, v]) => `  ${k}: ${v}`);
    fc.assert(fc.property(fc.array(entry, { maxLength: 12 }), (entries) => {
      try {
        load(`${BASE}x-t:\n${entries.join('\n')}\n`);
      } catch (e) {
        if (!(e instanceof ComposeFileError)) throw e;
      }
    }), { numRuns: 500 });
  });
});
