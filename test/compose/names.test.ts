import { mentions, projectServiceNames, serviceNamesOf, startOrder } from '../../lib/compose/names';
import { dnsNameProblem, portNameProblem } from '../../lib/service/container-options';

describe('Service Connect names', () => {
  test.each([
    ['Web', 'web', 'web'], ['api.v2', 'api.v2', 'api-v2'], ['-x', 'x', 'x'], ['db_1', 'db_1', 'db_1'],
  ])('compose service %s is reached as %s and discovered as %s-<port>', (name, dnsName, prefix) => {
    const n = serviceNamesOf(name);
    expect(n).toEqual({ dnsName, discoveryPrefix: prefix });
    expect(dnsNameProblem(n.dnsName)).toBeUndefined();
    expect(portNameProblem(`${n.discoveryPrefix}-65535`)).toBeUndefined();
  });

  test('a long name keeps its discovery names within 64 characters', () => {
    expect(portNameProblem(`${serviceNamesOf('a'.repeat(100)).discoveryPrefix}-65535`)).toBeUndefined();
  });

  test('names that collide after normalizing are reported with both services', () => {
    expect(projectServiceNames(['Web', 'web']).collision).toEqual({ name: 'web', other: 'Web', on: "client alias 'web'" });
    expect(projectServiceNames(['api.v2', 'api-v2']).collision).toEqual({ name: 'api-v2', other: 'api.v2', on: "discovery names 'api-v2-<port>'" });
    expect(projectServiceNames(['Web', 'api.v2']).collision).toBeUndefined();
  });
});

describe('startOrder', () => {
  const svc = (name: string, extra: Partial<{ dependsOn: string[]; environment: Record<string, string>; isServer: boolean }> = {}) =>
    ({ name, dependsOn: [], environment: {}, isServer: true, ...extra });

  test('depends_on comes first', () => {
    expect(startOrder([svc('web', { dependsOn: ['db'] }), svc('db')])).toEqual({ web: ['db'], db: [] });
  });

  test('a service starts after the services its environment names', () => {
    expect(startOrder([svc('login', { environment: { PUBLISH_URL: 'http://publish:80', DOMAIN: 'login' } }), svc('publish')])).toEqual({ login: ['publish'], publish: [] });
  });

  test('a service that publishes nothing starts after every service that does', () => {
    expect(startOrder([svc('worker', { isServer: false }), svc('api'), svc('db')])).toEqual({ worker: ['api', 'db'], api: [], db: [] });
  });

  test('an edge that would close a cycle is left out', () => {
    const order = startOrder([svc('a', { environment: { B: 'b:80' } }), svc('b', { environment: { A: 'a:80' } })]);
    expect(order).toEqual({ a: ['b'], b: [] });
    expect(startOrder([svc('a', { environment: { B: 'b' } }), svc('b', { dependsOn: ['a'] })])).toEqual({ a: [], b: ['a'] });
  });

  test('mentions matches a host name as a whole word only', () => {
    expect(['db', 'db:5432', 'postgres://u@db/x', 'http://db/'].every((v) => mentions(v, 'db'))).toBe(true);
    expect(['dbx', 'my-db', 'db.example.com', 'db_1'].some((v) => mentions(v, 'db'))).toBe(false);
  });
});
