import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ComposeServiceConfigs, composeServiceConfigs } from '../../lib/compose/service-configs';
import { DEFAULT_QA_COMPOSE_FILE } from '../../lib/environments/qa';
import { ProductionStack } from '../../lib/environments/production';
import { unitTestApp } from '../support/app';

const io = { readFile: () => undefined, isDirectory: () => false };

describe('composeServiceConfigs: production from the same compose file', () => {
  const text = fs.readFileSync(DEFAULT_QA_COMPOSE_FILE, 'utf8');
  const options = { file: 'docker-compose.yml', baseDir: path.dirname(DEFAULT_QA_COMPOSE_FILE), io };

  test('takes images, sizes, ports, environment and DOMAIN routes from the file', () => {
    const configs = composeServiceConfigs(text, { ...options, domain: 'example.com' });
    expect(configs).toEqual([
      expect.objectContaining({ name: 'login', image: 'public.ecr.aws/nginx/nginx:1.27', cpu: 256, memoryLimitMiB: 256, containerPort: 80, desiredCount: 1, routes: [{ host: 'login.example.com', path: undefined, healthCheckPath: undefined }] }),
      expect.objectContaining({ name: 'publish', containerPort: 80, routes: [{ host: 'publish.example.com', path: undefined, healthCheckPath: undefined }] }),
    ]);
    expect(configs[0].environment).toEqual({ DOMAIN: 'login', PUBLISH_URL: 'http://publish:80' });
  });

  test('overrides refine sizes, counts and routes per service', () => {
    const [login] = composeServiceConfigs(text, {
      ...options, domain: 'example.com', only: ['login'],
      overrides: { login: { cpu: 512, memoryLimitMiB: 1024, desiredCount: 3, routes: [{ path: '/login/*' }], environment: { MODE: 'prod' } } },
    });
    expect(login).toMatchObject({ cpu: 512, memoryLimitMiB: 1024, desiredCount: 3, routes: [{ path: '/login/*' }], environment: { DOMAIN: 'login', MODE: 'prod' } });
  });

  test('a built service needs an image override; an unknown override is an error', () => {
    const built = 'services:\n  api:\n    build: ./api\n';
    expect(() => composeServiceConfigs(built, { ...options, io: { readFile: () => 'FROM x', isDirectory: () => true } }))
      .toThrow(/docker-compose\.yml:3:5: service 'api' is built from source, and production needs a prebuilt image/);
    expect(composeServiceConfigs(built, { ...options, overrides: { api: { image: 'repo/api:1' } } })[0].image).toBe('repo/api:1');
    expect(() => composeServiceConfigs(text, { ...options, overrides: { nope: { cpu: 1 } } })).toThrow(/overrides name 'nope'/);
  });

  test('ComposeServiceConfigs.read (every CDK language) returns what composeServiceConfigs returns', () => {
    const fromClass = ComposeServiceConfigs.read(text, { ...options, domain: 'example.com' });
    expect(fromClass).toEqual(composeServiceConfigs(text, { ...options, domain: 'example.com' }));
    expect(fromClass.map((c) => c.name)).toEqual(['login', 'publish']);
    expect(() => ComposeServiceConfigs.read(text, { ...options, overrides: { nope: { cpu: 1 } } })).toThrow(/overrides name 'nope'/);
  });

  test('without io, the files are read from disk as a ComposeProject reads them (what other languages use)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'service-configs-'));
    try {
      fs.writeFileSync(path.join(dir, 'api.env'), 'MODE=prod\n');
      const compose = 'services:\n  api:\n    image: nginx:1.27\n    env_file: api.env\n';
      const opts = { file: 'docker-compose.yml', baseDir: dir };
      expect(ComposeServiceConfigs.read(compose, opts)[0].environment).toEqual({ MODE: 'prod' });
      expect(() => ComposeServiceConfigs.read(compose, { ...opts, io })).toThrow(/api\.env/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the configs build a ProductionStack with host routes', () => {
    const stack = new ProductionStack(unitTestApp(), 'Production', {
      env: { account: '111111111111', region: 'eu-west-1' },
      config: { services: composeServiceConfigs(text, { ...options, domain: 'example.com' }) },
    });
    const nested = stack.node.children.filter((c): c is Stack => c instanceof Stack);
    const rules = Template.fromStack(stack).findResources('AWS::ElasticLoadBalancingV2::ListenerRule');
    const nestedRules = nested.flatMap((n) => Object.values(Template.fromStack(n).findResources('AWS::ElasticLoadBalancingV2::ListenerRule')));
    const hosts = [...Object.values(rules), ...nestedRules].map((r: any) => r.Properties.Conditions[0].HostHeaderConfig.Values[0]).sort();
    expect(hosts).toEqual(['login.example.com', 'publish.example.com']);
  });
});
