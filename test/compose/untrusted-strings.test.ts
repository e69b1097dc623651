import { hostPathOf } from '../../lib/compose/host-paths';
import { loadCompose } from '../../lib/compose/load';
import { sanitizeProjectName, translateCompose, trimChars } from '../../lib/compose/translate';
import { wellKnownImage } from '../../lib/compose/well-known-images';
import { memoryIo } from './translate-support';

/**
 * Review r1 item 5: every pattern applied to a compose file's strings runs in time linear in their length. The old
 * ones (`\s*…\s*$` in sizes, `[-_]+$` in project names, `@.*$` in image references, `(.)\/+$` in host paths)
 * backtracked quadratically over a long run of one character: 100,000 of them took seconds. Each test asserts the
 * outcome on such an input, never the time (bench/compose.ts has the figures).
 */
const RUN = 100_000;
const translate = (yaml: string) => translateCompose(loadCompose(yaml, { file: 'compose.yaml', lookup: () => undefined }), { baseDir: '/project', io: memoryIo({}) });

test('mem_limit of 1, 100,000 spaces and x is refused as not a memory size, at its line', () => {
  expect(() => translate(`services:\n  web:\n    image: nginx\n    mem_limit: "1${' '.repeat(RUN)}x"\n`)).toThrow(/compose\.yaml:4:.*not a memory size/);
  expect(translate('services:\n  web:\n    image: nginx\n    mem_limit: " 512m "\n').services[0].memoryLimitMiB).toBe(512);
});

test('a project name of 100,000 dashes between letters keeps its dashes; one of dashes only becomes compose', () => {
  expect(sanitizeProjectName(`a${'-'.repeat(RUN)}b`)).toBe(`a${'-'.repeat(RUN)}b`);
  expect(sanitizeProjectName(`-_${'-'.repeat(RUN)}`)).toBe('compose');
  expect(sanitizeProjectName('__My Shop!--')).toBe('my-shop');
  expect(trimChars('--a-b__', '-_')).toBe('a-b');
});

test('an image reference of 100,000 @ before a line break is no well-known image', () => {
  expect(wellKnownImage(`${'@'.repeat(RUN)}\nx`)).toBeUndefined();
  expect(wellKnownImage('postgres:16@sha256:0123')).toBeDefined();
});

test('a bind source of 100,000 slashes between two names is the plain path', () => {
  expect(hostPathOf(`/a${'/'.repeat(RUN)}b`, '/opt/compose/p')).toBe('/a/b');
  expect(hostPathOf(`./a${'/'.repeat(RUN)}`, '/opt/compose/p')).toBe('/opt/compose/p/a');
  expect(hostPathOf('//etc/', '/opt/compose/p')).toBe('/etc');
});
