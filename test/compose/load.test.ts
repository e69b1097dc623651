import { composeLoader } from './compose-loader';

const { load, errorOf } = composeLoader('docker-compose.yml');

describe('loadCompose', () => {
  test('reads a Compose Specification file (no version)', () => {
    const { model } = load('services:\n  web:\n    image: nginx\n');
    expect(model.services).toEqual({ web: { image: 'nginx' } });
  });

  test.each(['2', '2.4', '3', '3.8'])('reads a version %s file (version is ignored)', (version) => {
    const { model } = load(`version: "${version}"\nservices:\n  web:\n    image: nginx\n    mem_limit: 512m\n`);
    expect(model.services!.web.mem_limit).toBe('512m');
  });

  test('resolves anchors, aliases and << merge keys, and keeps x- extensions', () => {
    const { model } = load('x-base: &base\n  image: nginx\n  restart: always\nservices:\n  a:\n    <<: *base\n    hostname: a\n');
    expect(model.services!.a).toEqual({ image: 'nginx', restart: 'always', hostname: 'a' });
  });

  test('interpolates values, not keys, and reports each unset variable once with its position', () => {
    const { model, warnings } = load('services:\n  web:\n    image: "nginx:${TAG:-1.27}"\n    environment:\n      A: $UNSET\n      B: ${UNSET}\n      $KEY: x\n', {});
    expect(model.services!.web.image).toBe('nginx:1.27');
    expect(model.services!.web.environment).toEqual({ A: '', B: '', $KEY: 'x' });
    expect(warnings).toEqual([{ key: 'interpolation', message: expect.stringMatching(/^docker-compose\.yml:5:10: variable UNSET is not set/) }]);
  });

  test('invalid YAML is an error with file, line and column', () => {
    const e = errorOf('services:\n  web:\n    image: nginx\n     bad: indent\n');
    expect(e.message).toBe('docker-compose.yml:3:12: invalid YAML: Nested mappings are not allowed in compact mappings');
    expect(errorOf('services:\n  web:\n    image: nginx\n    ports: [80\n').message).toBe('docker-compose.yml:5:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]');
  });

  test('a duplicate key is an error at the duplicate', () => {
    expect(errorOf('services:\n  web:\n    image: a\n    image: b\n').message).toBe("docker-compose.yml:4:5: invalid YAML: map keys must be unique, and 'image' is already a key of this mapping (at line 3, column 5)");
  });

  test('an unknown service key is an error at that key', () => {
    expect(errorOf('services:\n  web:\n    image: nginx\n    prots:\n      - 80\n').message)
      .toBe("docker-compose.yml:4:5: service 'web': 'prots' is not a service key of the Compose Specification");
  });

  test('a bad value is an error at the value, with what is allowed', () => {
    const e = errorOf('services:\n  web:\n    image: nginx\n    depends_on:\n      db:\n        condition: when_ready\n  db:\n    image: postgres\n');
    expect(e.message).toBe("docker-compose.yml:6:20: services.web.depends_on.db.condition: must be one of 'service_started', 'service_healthy', 'service_completed_successfully'");
  });

  test('a wrong type deep in a oneOf reports the deepest, most specific finding', () => {
    const e = errorOf('services:\n  web:\n    image: nginx\n    ports:\n      - target: 80\n        published: 8080\n        color: blue\n');
    expect(e.message).toBe("docker-compose.yml:7:9: services.web.ports[0]: 'color' is not allowed here by the Compose Specification");
  });

  test('errors inside merged (<<) maps point at the alias source', () => {
    const e = errorOf('x-base: &base\n  image: nginx\n  colour: red\nservices:\n  a:\n    <<: *base\n');
    expect(e.message).toMatch(/^docker-compose\.yml:3:3: service 'a': 'colour' is not a service key/);
  });

  test('a version 1 file (services at the top level) is an error that says how to fix it', () => {
    const e = errorOf('web:\n  image: nginx\n');
    expect(e.message).toBe("docker-compose.yml:1:1: 'web' is not a top-level key of the Compose Specification");
    expect(e.fix).toMatch(/move its services under 'services:'/);
  });

  test('${VAR:?message} with VAR unset is an error at that value', () => {
    const e = errorOf('services:\n  web:\n    image: nginx\n    environment:\n      DB: ${DB_HOST:?set DB_HOST}\n');
    expect(e.message).toBe('docker-compose.yml:5:11: required variable DB_HOST is not set: set DB_HOST');
    expect(e.fix).toMatch(/set DB_HOST in 'variables'/);
  });

  test('a file without services is an error', () => {
    expect(errorOf('services: {}\n').message).toMatch(/defines no services/);
    expect(errorOf('name: x\n').message).toMatch(/defines no services/);
  });

  test('locate finds keys and values by path', () => {
    const loaded = load('services:\n  web:\n    image: nginx\n    ports:\n      - "80:80"\n');
    expect(loaded.locate(['services', 'web', 'ports', 0])).toEqual({ line: 5, column: 9 });
    expect(loaded.locate(['services', 'web', 'image'], true)).toEqual({ line: 3, column: 5 });
    expect(loaded.locate(['services', 'nope'])).toBeUndefined();
  });
});
