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

  test('octal modes', () => {
    expect([octalMode(400, 0), octalMode('0440', 0), octalMode(undefined, 0o444)]).toEqual([0o400, 0o440, 0o444]);
  });
});
