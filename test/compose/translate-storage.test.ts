import { configsOf, mountsOf, octalMode, ProjectUsage, secretsOf } from '../../lib/compose/translate-storage';
import { contextOf, messages } from './translate-support';

const usage = (): ProjectUsage => ({ volumes: new Set(), secrets: new Set(), configs: new Set() });

describe('mountsOf', () => {
  test('a short volume without a container path is an error at its file, line and column', () => {
    expect(() => mountsOf(contextOf('services:\n  db:\n    image: postgres\n    volumes:\n      - db-data\nvolumes:\n  db-data: {}\n'), usage(), '/opt/compose/p'))
      .toThrow(/compose\.yaml:5:9: volume 'db-data' has no container path/);
  });

  test('an absolute path alone is an anonymous volume', () => {
    expect(mountsOf(contextOf('services:\n  web:\n    image: x\n    volumes: [/cache]\n'), usage(), '/opt/compose/p'))
      .toEqual([{ kind: 'anonymous', containerPath: '/cache', readOnly: false }]);
  });

  test('named volumes are recorded as used and warned about on the instance', () => {
    const u = usage();
    const ctx = contextOf('services:\n  db:\n    image: postgres\n    volumes: ["data:/var/lib/postgresql/data"]\nvolumes:\n  data: {}\n');
    expect(mountsOf(ctx, u, '/opt/compose/p')).toEqual([{ kind: 'named', volume: 'data', containerPath: '/var/lib/postgresql/data', readOnly: false }]);
    expect([...u.volumes]).toEqual(['data']);
    expect(messages(ctx)).toEqual([expect.stringMatching(/named volume 'data' is a Docker volume on the instance/)]);
  });

  test('tmpfs volumes are left to the Linux parameters, without a warning', () => {
    const ctx = contextOf('services:\n  web:\n    image: x\n    volumes:\n      - type: tmpfs\n        target: /tmp\n');
    expect(mountsOf(ctx, usage(), '/opt/compose/p')).toEqual([]);
    expect(ctx.warnings).toEqual([]);
  });
});

describe('secretsOf and configsOf', () => {
  test('secrets land under /run/secrets and are recorded as used', () => {
    const u = usage();
    expect(secretsOf(contextOf('services:\n  db:\n    image: x\n    secrets: [pw]\nsecrets:\n  pw: {file: pw.txt}\n'), u))
      .toEqual([{ secret: 'pw', target: '/run/secrets/pw', mode: 0o444, uid: undefined, gid: undefined }]);
    expect([...u.secrets]).toEqual(['pw']);
  });

  test('configs default to /<name>, which is an error (a file in the root folder)', () => {
    expect(() => configsOf(contextOf('services:\n  app:\n    image: x\n    configs: [c]\nconfigs:\n  c: {content: x}\n'), usage())).toThrow(/config target '\/c' is a file in the root folder/);
  });

  // Review r1: targets, uid and gid were pasted into the init containers' `sh -c` script, so a target holding `'`
  // ran its own commands there. Refused at their positions; plain ones pass.
  const secretFile = (entry: string) => `services:\n  db:\n    image: x\n    secrets:\n      - ${entry}\nsecrets:\n  pw: {file: pw.txt}\n`;
  const configFile = (entry: string) => `services:\n  app:\n    image: x\n    configs:\n      - ${entry}\nconfigs:\n  c: {content: x}\n`;
  test.each([
    ['{source: pw, target: "x\'; reboot; \'"}', /compose\.yaml:5:30: service 'db': secret target '\/run\/secrets\/x'; reboot; '' may hold only letters/],
    ['{source: pw, target: "$(id)"}', /5:30: .*secret target '\/run\/secrets\/\$\(id\)' may hold only/],
    ['{source: pw, target: ".."}', /secret target '\/run\/secrets\/\.\.' may hold only .* no '\.' or '\.\.' segment/],
    ['{source: pw, uid: "0; rm -rf /"}', /compose\.yaml:5:27: service 'db': secret 'pw': uid '0; rm -rf \/' is not a number/],
    ['{source: pw, gid: root}', /5:27: .*gid 'root' is not a number\. Fix|gid 'root' is not a number/],
    ['{source: pw, mode: "u+rwx"}', /secret 'pw': mode 'u\+rwx' is not a file mode/],
  ])('secret %s is refused', (entry, message) => {
    expect(() => secretsOf(contextOf(secretFile(entry)), usage())).toThrow(message);
  });

  test.each([
    ['{source: c, target: "/etc/x/a\'b"}', /compose\.yaml:5:29: service 'app': config target '\/etc\/x\/a'b' may hold only/],
    ['{source: c, target: "/etc/../x/c"}', /config target '\/etc\/\.\.\/x\/c' may hold only .* no '\.' or '\.\.' segment/],
    ['{source: c, target: "/etc/x/c", uid: "1 2"}', /config 'c': uid '1 2' is not a number/],
  ])('config %s is refused', (entry, message) => {
    expect(() => configsOf(contextOf(configFile(entry)), usage())).toThrow(message);
  });

  test('plain targets, numeric uid and gid and octal modes pass', () => {
    expect(secretsOf(contextOf(secretFile('{source: pw, target: db_pw.v1-x, uid: "999", gid: "1000", mode: 0400}')), usage()))
      .toEqual([{ secret: 'pw', target: '/run/secrets/db_pw.v1-x', mode: 0o400, uid: '999', gid: '1000' }]);
    expect(configsOf(contextOf(configFile('{source: c, target: /etc/app-1/c.conf, uid: "0"}')), usage()))
      .toEqual([{ config: 'c', target: '/etc/app-1/c.conf', mode: 0o444, uid: '0', gid: undefined }]);
  });

  test('octal modes', () => {
    expect([octalMode(400, 0), octalMode('0440', 0), octalMode(undefined, 0o444)]).toEqual([0o400, 0o440, 0o444]);
  });
});
