import { fleetExtensionOf, inferPorts, portsOf, routingOf } from '../../lib/compose/translate-ports';
import { dockerfilePorts, wellKnownImage } from '../../lib/compose/well-known-images';
import { contextOf, messages } from './translate-support';

describe('portsOf', () => {
  test('declared ports and the published ones, by host port', () => {
    const ctx = contextOf('services:\n  web:\n    image: x\n    ports: ["8081:80", "9000-9001:9000-9001", "53:53/udp"]\n    expose: [8080]\n');
    const out = portsOf(ctx, { kind: 'registry', reference: 'x' }, {});
    expect(out.portSource).toEqual({ kind: 'declared' });
    expect(out.ports.map((p) => `${p.containerPort}/${p.protocol}`)).toEqual(['80/tcp', '9000/tcp', '9001/tcp', '53/udp', '8080/tcp']);
    expect(out.published).toEqual([
      { published: 8081, containerPort: 80, protocol: 'tcp', http: true }, { published: 9000, containerPort: 9000, protocol: 'tcp', http: false },
      { published: 9001, containerPort: 9001, protocol: 'tcp', http: false },
    ]);
  });

  test('a published UDP port is not opened, with a warning that says why (its NLB health check is TCP: ECS would roll the stack back)', () => {
    const published = contextOf('services:\n  dns:\n    image: x\n    ports: ["5353:5353/udp", "8053:53"]\n', { publishPorts: true });
    const out = portsOf(published, { kind: 'registry', reference: 'x' }, {});
    expect(out.published.map((p) => `${p.published}/${p.protocol}`)).toEqual(['8053/tcp']);
    // Still a container port: reachable inside the VPC, just not published.
    expect(out.ports.map((p) => `${p.containerPort}/${p.protocol}`)).toEqual(['5353/udp', '53/tcp']);
    expect(messages(published)).toEqual([expect.stringMatching(/published UDP port\(s\) 5353:5353\/udp are not opened: a network load balancer checks UDP targets' health over TCP.*rolls back/)]);
    // Without publishing there is nothing to refuse.
    const unpublished = contextOf('services:\n  dns:\n    image: x\n    ports: ["5353:5353/udp"]\n');
    portsOf(unpublished, { kind: 'registry', reference: 'x' }, {});
    expect(messages(unpublished)).toEqual([]);
  });

  test('app_protocol decides whether a published port speaks HTTP', () => {
    const ctx = contextOf('services:\n  web:\n    image: x\n    ports:\n      - {target: 9000, published: 9000, app_protocol: http}\n      - {target: 8080, published: 8080, app_protocol: grpc}\n');
    expect(portsOf(ctx, { kind: 'registry', reference: 'x' }, {}).published.map((p) => p.http)).toEqual([true, false]);
  });

  test('a service published on port 80 becomes the default route when ports are published', () => {
    const ctx = contextOf('services:\n  proxy:\n    image: x\n    ports: ["80:8080"]\n', { publishPorts: true });
    const declared = portsOf(ctx, { kind: 'registry', reference: 'x' }, {});
    expect(routingOf(ctx, {}, {}, declared.ports, declared.portSource, declared.published)).toMatchObject({ routes: [{}], routedPort: 8080 });
  });

  test('a well-known image without declared ports listens on the ports of the table, naming the image it matched', () => {
    const ctx = contextOf('services:\n  db:\n    image: postgres:16\n');
    expect(portsOf(ctx, { kind: 'registry', reference: 'postgres:16' }, {})).toEqual({
      ports: [{ containerPort: 5432, protocol: 'tcp' }], portSource: { kind: 'well-known', image: 'postgres' }, published: [],
    });
  });

  test('a build without declared ports listens on what its Dockerfile EXPOSEs', () => {
    const ctx = contextOf('services:\n  api:\n    build: ./api\n', { files: { '/project/api/Dockerfile': 'FROM node:20\nEXPOSE 3000\n' } });
    expect(inferPorts(ctx, { kind: 'build', context: '/project/api' })).toEqual({
      ports: [{ containerPort: 3000, protocol: 'tcp' }], source: { kind: 'dockerfile', dockerfile: '/project/api/Dockerfile' },
    });
  });

  test('a Dockerfile without EXPOSE inherits the ports of a well-known base image', () => {
    const ctx = contextOf('services:\n  web:\n    build: .\n', { files: { '/project/Dockerfile': 'FROM nginx:1.27-alpine\nCOPY . /usr/share/nginx/html\n' } });
    expect(inferPorts(ctx, { kind: 'build', context: '/project' }).source).toEqual({ kind: 'well-known', image: 'nginx' });
  });
});

describe('portsOf with an image known to listen on more', () => {
  test('declared ports come first, then the ports the image listens on (all reachable on a compose network)', () => {
    const ctx = contextOf('services:\n  db:\n    image: mysql:8\n    ports: ["3307:3306"]\n');
    const out = portsOf(ctx, { kind: 'registry', reference: 'mysql:8' }, {});
    expect(out.ports).toEqual([{ containerPort: 3306, protocol: 'tcp' }, { containerPort: 33060, protocol: 'tcp' }]);
    expect(out.portSource).toEqual({ kind: 'declared' });
  });
});

describe('routingOf', () => {
  const route = (yaml: string, reference = 'x') => {
    const ctx = contextOf(yaml, { domain: 'qa.example.com' });
    const fleet = fleetExtensionOf(ctx);
    const declared = portsOf(ctx, { kind: 'registry', reference }, fleet);
    return { ctx, out: routingOf(ctx, { DOMAIN: 'login' }, fleet, declared.ports, declared.portSource) };
  };

  test('DOMAIN routes the first TCP port by host', () => {
    const { out } = route('services:\n  login:\n    image: x\n    expose: [8080]\n');
    expect(out).toMatchObject({ routes: [{ host: 'login.qa.example.com' }], routedPort: 8080 });
  });

  test('a routed service whose port cannot be known falls back to 80 with a warning saying so', () => {
    const { ctx, out } = route('services:\n  login:\n    image: registry.example.com/login:1\n');
    expect(out.routedPort).toBe(80);
    expect(out.ports).toEqual([{ containerPort: 80, protocol: 'tcp' }]);
    expect(messages(ctx)).toEqual([expect.stringMatching(/ports: routed \(host login.qa.example.com\) to port 80, a guess: .*'expose: \[<port>\]' or x-fleet.port/)]);
  });

  test('an unrouted service with no port known is warned, naming expose and x-fleet.port', () => {
    const ctx = contextOf('services:\n  worker:\n    image: my/worker\n');
    const declared = portsOf(ctx, { kind: 'registry', reference: 'my/worker' }, {});
    routingOf(ctx, {}, {}, declared.ports, declared.portSource);
    expect(messages(ctx)).toEqual([expect.stringMatching(/no port is declared, and none is known for its image: other services cannot reach it by name.*expose.*x-fleet.port/)]);
  });
});

describe('well-known images and Dockerfiles', () => {
  test.each([
    ['postgres:16', 'postgres'], ['docker.io/library/redis:7', 'redis'], ['public.ecr.aws/docker/library/mysql:8@sha256:abc', 'mysql'],
    ['public.ecr.aws/nginx/nginx:1.27', 'nginx'], ['grafana/grafana:latest', 'grafana/grafana'], ['localhost:5000/mongo', 'mongo'],
  ])('%s matches %s', (reference, image) => {
    expect(wellKnownImage(reference)?.image).toBe(image);
  });

  test('unknown images and look-alikes do not match', () => {
    expect(wellKnownImage('my/postgres-exporter')).toBeUndefined();
    expect(wellKnownImage('bitnami/nginx')).toBeUndefined();
  });

  test('EXPOSE of the final stage (or the target) with variables resolved, inheriting earlier stages', () => {
    const text = 'ARG PORT=8000\nFROM node:20 AS build\nEXPOSE 9229\nFROM build AS app\nARG PORT\nENV METRICS=9100\nEXPOSE ${PORT} $METRICS/tcp 53/udp\n';
    expect(dockerfilePorts(text).ports).toEqual([{ port: 9229, protocol: 'tcp' }, { port: 8000, protocol: 'tcp' }, { port: 9100, protocol: 'tcp' }, { port: 53, protocol: 'udp' }]);
    expect(dockerfilePorts(text, { PORT: '7000' }).ports[1]).toEqual({ port: 7000, protocol: 'tcp' });
    expect(dockerfilePorts(text, {}, 'build')).toEqual({ ports: [{ port: 9229, protocol: 'tcp' }], from: 'node:20' });
  });
});
