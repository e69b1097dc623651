import * as fc from 'fast-check';
import { environmentNameProblem, formatImageReference, imageReferenceProblem, parseImageReference, withLowerCaseName } from '../../lib/service/image-reference';

const SHA256 = 'sha256:' + 'a'.repeat(64);

describe('parseImageReference', () => {
  test.each([
    ['nginx', { repository: 'nginx' }],
    ['nginx:1.27', { repository: 'nginx', tag: '1.27' }],
    ['library/nginx:1.27-alpine', { repository: 'library/nginx', tag: '1.27-alpine' }],
    ['laszlocph/spring-boot-dummy:exposed', { repository: 'laszlocph/spring-boot-dummy', tag: 'exposed' }],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.0', { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', repository: 'app', tag: '1.0' }],
    ['localhost:5000/team/app', { registry: 'localhost:5000', repository: 'team/app' }],
    ['localhost/app:v1', { registry: 'localhost', repository: 'app', tag: 'v1' }],
    ['ghcr.io/owner/my_app__x.y:V1_rc', { registry: 'ghcr.io', repository: 'owner/my_app__x.y', tag: 'V1_rc' }],
    ['Registry.Example.com/app:1', { registry: 'Registry.Example.com', repository: 'app', tag: '1' }],
    ['[2001:db8::1]:5000/app', { registry: '[2001:db8::1]:5000', repository: 'app' }],
    [`nginx@${SHA256}`, { repository: 'nginx', digest: SHA256 }],
    [`nginx:1.27@${SHA256}`, { repository: 'nginx', tag: '1.27', digest: SHA256 }],
    ['public.ecr.aws/a--b/c', { registry: 'public.ecr.aws', repository: 'a--b/c' }],
  ])('%s is valid', (reference, parts) => {
    expect(parseImageReference(reference)).toEqual({ registry: undefined, tag: undefined, digest: undefined, ...parts });
    expect(imageReferenceProblem(reference)).toBeUndefined();
  });

  test.each([
    ['Nginx:1.27', /repository 'Nginx' has upper-case letters/],
    ['MyOrg/app', /repository 'MyOrg\/app' has upper-case letters/],
    ['ghcr.io/Owner/app', /repository 'Owner\/app' has upper-case letters/],
    ['nginx:', /tag is empty .*variable in it left unset/],
    ['nginx:-1', /tag '-1' is not valid/],
    ['nginx:' + 'a'.repeat(129), /tag 'a+' is not valid.*at most 128/],
    ['nginx@sha256:abc', /digest 'sha256:abc' is not an algorithm and a hex value/],
    ['nginx@md5:' + 'a'.repeat(32), /uses md5; Docker verifies sha256, sha384 and sha512/],
    ['nginx@sha256:' + 'A'.repeat(64), /is not 64 lower-case hex digits/],
    ['', /it is empty/],
    [':1.0', /no repository name/],
    ['nginx latest', /whitespace/],
    ['/nginx', /empty path component/],
    ['team//app', /empty path component/],
    ['my-.app', /path component 'my-.app' is not valid/],
    ['-app', /path component '-app' is not valid/],
    ['app___x', /path component 'app___x' is not valid/],
    ['my_host:5000:5001/app', /registry 'my_host:5000:5001' is not a host/],
    ['a'.repeat(256), /name is 256 characters long; Docker allows 255/],
    ['f'.repeat(64), /64 hexadecimal characters/],
  ])('%s is refused: %s', (reference, message) => {
    expect(imageReferenceProblem(reference)).toMatch(message);
  });

  // Generators that follow Docker's reference grammar (distribution/reference).
  const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
  const separator = fc.constantFrom('.', '_', '__', '-', '--');
  const component = fc.tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 }))
    .map(([first, rest]) => first + rest.map(([s, a]) => s + a).join(''));
  const repository = fc.array(component, { minLength: 1, maxLength: 3 }).map((c) => c.join('/'));
  const registry = fc.option(fc.tuple(fc.stringMatching(/^[a-z0-9]{1,8}$/), fc.constantFrom('.io', '.example.com'), fc.option(fc.integer({ min: 1, max: 65535 })))
    .map(([host, domain, port]) => `${host}${domain}${port === null ? '' : `:${port}`}`), { nil: undefined });
  const tag = fc.option(fc.stringMatching(/^[\w][\w.-]{0,20}$/), { nil: undefined });
  const digest = fc.option(fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`), { nil: undefined });
  // Without a registry, a first component with a '.' would be read as one (Docker does the same): leave those out.
  const reference = fc.record({ registry, repository, tag, digest })
    .filter((r) => r.registry !== undefined || !r.repository.includes('/') || !r.repository.split('/')[0].includes('.'));

  test('every reference the grammar produces is accepted and parses back into its parts', () => {
    fc.assert(fc.property(reference, (parts) => {
      const text = formatImageReference(parts);
      expect(parseImageReference(text)).toEqual(parts);
    }));
  });

  test('an upper-case letter anywhere in the repository is refused, and lower-casing the name is the fix', () => {
    fc.assert(fc.property(reference, fc.nat(), (parts, at) => {
      const letters = [...parts.repository].map((ch, i) => ({ ch, i })).filter(({ ch }) => /[a-z]/.test(ch));
      fc.pre(letters.length > 0);
      const { i } = letters[at % letters.length];
      const shouting = { ...parts, repository: parts.repository.slice(0, i) + parts.repository[i].toUpperCase() + parts.repository.slice(i + 1) };
      const text = formatImageReference(shouting);
      expect(imageReferenceProblem(text)).toMatch(/upper-case letters/);
      expect(imageReferenceProblem(withLowerCaseName(text))).toBeUndefined();
    }));
  });

  test('the fix lowers the name only: tags are case-sensitive', () => {
    expect(withLowerCaseName('Nginx:1.27-RC')).toBe('nginx:1.27-RC');
    expect(withLowerCaseName(`Ghcr.io/Org/App:V1@${SHA256}`)).toBe(`ghcr.io/org/app:V1@${SHA256}`);
    expect(withLowerCaseName('localhost:5000/App')).toBe('localhost:5000/app');
  });
});

describe('environmentNameProblem', () => {
  test.each([[''], ['A=B'], ['A\0B']])('%j is refused', (name) => {
    expect(environmentNameProblem(name)).toBeDefined();
  });
  test.each([['LOG_LEVEL'], ['spring.profiles.active'], ['x']])('%j is accepted', (name) => {
    expect(environmentNameProblem(name)).toBeUndefined();
  });
});
