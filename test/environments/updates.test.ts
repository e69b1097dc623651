import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { deployedPlacement } from '../../lib/environments/placement';
import { ProductionConfig, ProductionStack, ServiceConfig } from '../../lib/environments/production';
import { checkAssemblies, formatReport, UpdateReport } from '../../lib/update-check';
import { unitTestApp } from '../support/app';

const env = { account: '111111111111', region: 'eu-west-1' };
const svc = (name: string, extra: Partial<ServiceConfig> = {}): ServiceConfig => ({ name, image: 'nginx:1.27', containerPort: 80, ...extra });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'updates-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A cloud assembly without the stack: what a first deploy is synthesized against (no priorities held, no warnings). */
const firstDeploy = path.join(tmp, 'empty');
fs.mkdirSync(firstDeploy);
fs.writeFileSync(path.join(firstDeploy, 'manifest.json'), JSON.stringify({ version: '55.0.0', artifacts: {} }));

let n = 0;
/** Synthesizes a production environment into a fresh cloud assembly; `deployed` is the assembly of the last deploy. */
function synth(config: ProductionConfig, deployed: string | undefined = firstDeploy): string {
  const outdir = path.join(tmp, `asm${n++}`);
  const app = unitTestApp({ outdir });
  new ProductionStack(app, 'Prod', { env, config, deployedAssembly: deployed });
  app.synth();
  return outdir;
}

function check(before: string, after: string): UpdateReport {
  return checkAssemblies(before, after)[0];
}

/** Logical ids of `name`'s resources start with the service's construct id. */
const touches = (report: UpdateReport, names: string[]) => [
  ...report.moved.map((m) => m.logicalId), ...report.replaced.map((r) => r.resource.split('#')[1]),
].filter((id) => !names.some((name) => id.startsWith(name)));

describe('routine changes to a 45-service production update in place', () => {
  const services = Array.from({ length: 45 }, (_, i) => svc(`s${i}`, { routes: [{ path: `/s${i}/*` }, { host: `s${i}.example.com` }] }));
  const deployed = synth({ services });

  test('removing the 5th service: no clash, nothing else moved or replaced', () => {
    const report = check(deployed, synth({ services: services.filter((_, i) => i !== 4) }, deployed));
    expect(report.clashes).toEqual([]);
    expect(report.moved).toEqual([]);
    expect(touches(report, [])).toEqual([]);
  });

  test('inserting a service in the middle: no clash, nothing else moved or replaced', () => {
    const report = check(deployed, synth({ services: [...services.slice(0, 5), svc('inserted', { routes: [{ path: '/new/*' }] }), ...services.slice(5)] }, deployed));
    expect(report.clashes).toEqual([]);
    expect(report.moved).toEqual([]);
    expect(touches(report, [])).toEqual([]);
  });

  test('reordering every service changes nothing', () => {
    const report = check(deployed, synth({ services: [...services].reverse() }, deployed));
    expect(report.replaced).toEqual([]);
    expect(report.moved).toEqual([]);
    expect(report.clashes).toEqual([]);
  });

  test('renaming a service without renamedFrom: its new rules take fresh priorities, so no clash; nothing else is touched', () => {
    const renamed = services.map((s) => (s.name === 's7' ? { ...s, name: 'seven' } : s));
    const report = check(deployed, synth({ services: renamed }, deployed));
    expect(report.clashes).toEqual([]);
    expect(touches(report, ['seven'])).toEqual([]);
  });

  test('the same rename without the deployed assembly clashes, and the check says so', () => {
    const renamed = services.map((s) => (s.name === 's7' ? { ...s, name: 'seven' } : s));
    const report = check(deployed, synth({ services: renamed }, undefined));
    expect(report.clashes.length).toBe(2);
    expect(formatReport(report)).toMatch(/CLASH .*seven.* takes priority \d+, held by .*s7/);
  });

  test('renaming with renamedFrom changes nothing at all', () => {
    const renamed = services.map((s) => (s.name === 's7' ? { ...s, name: 'seven', renamedFrom: 's7' } : s));
    const report = check(deployed, synth({ services: renamed }, deployed));
    expect(report).toMatchObject({ created: [], deleted: [], replaced: [], moved: [], clashes: [], statefulOrIngress: [] });
  });
});

test('a rename that would move a Route 53 record fails at synth, naming renamedFrom', () => {
  const domain = { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' };
  const deployed = synth({ domain, services: [svc('login', { routes: [{ host: 'login.example.com' }] })] });
  expect(() => synth({ domain, services: [svc('signin', { routes: [{ host: 'login.example.com' }] })] }, deployed))
    .toThrow(/the alias record login\.example\.com\. would move from .* to .*Fix: keep the service's deployed identity: set renamedFrom: '<old name>' on 'signin'/);
  expect(() => synth({ domain, services: [svc('signin', { renamedFrom: 'login', routes: [{ host: 'login.example.com' }] })] }, deployed)).not.toThrow();
});

describe('20 single-route additions and removals among 70 routes of one specificity', () => {
  // Exact paths: one band, so hash collisions (and displaced routes) are frequent.
  const routesOf = (paths: string[]) => Array.from({ length: 7 }, (_, i) => svc(`w${i}`, {
    routes: paths.filter((_, j) => j % 7 === i).map((p) => ({ path: p })),
  }));
  const steps: string[][] = [];
  let paths = Array.from({ length: 70 }, (_, i) => `/r${i}`);
  for (let i = 0; i < 20; i++) {
    paths = i % 2 === 0 ? paths.filter((_, j) => j !== (i * 7) % paths.length) : [...paths, `/added${i}`];
    steps.push(paths);
  }

  test('with the deployed assembly, none clashes, moves or replaces anything', () => {
    let deployed = synth({ services: routesOf(Array.from({ length: 70 }, (_, i) => `/r${i}`)) });
    const problems: string[] = [];
    for (const step of steps) {
      const next = synth({ services: routesOf(step) }, deployed);
      const report = check(deployed, next);
      problems.push(...report.clashes.map((c) => `clash ${c.rule}`), ...report.moved.map((m) => `moved ${m.logicalId}`), ...report.replaced.map((r) => `replaced ${r.resource}`));
      deployed = next;
    }
    expect(problems).toEqual([]);
  });
});

describe('a container port change', () => {
  const services = [svc('api', { containerPort: 8080, routes: [{ path: '/api/*' }] }), svc('web', { routes: [{ path: '/*' }] })];
  const deployed = synth({ services });
  const changed = () => {
    const app = unitTestApp({ outdir: path.join(tmp, `asm${n++}`) });
    const stack = new ProductionStack(app, 'Prod', { env, deployedAssembly: deployed, config: { services: [{ ...services[0], containerPort: 9090 }, services[1]] } });
    return { app, stack };
  };

  test('warns at synth, naming the two-step change that keeps traffic flowing', () => {
    const { stack } = changed();
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('containerPort changes from 8080 to 9090'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0].entry.data)).toMatch(/two deploys: \(1\) add the new port as a second service \(e\.g\. 'api-v2'\)/);
  });

  test('shows in the update check as a replaced target group', () => {
    const { app } = changed();
    const report = check(deployed, app.synth().directory);
    expect(report.statefulOrIngress).toEqual([expect.objectContaining({ type: 'AWS::ElasticLoadBalancingV2::TargetGroup', how: 'replaced' })]);
    expect(report.clashes).toEqual([]);
  });
});

test('with the deployed assembly a deployed service stays in its nested stack, whatever the placement rule says now', () => {
  // As an older version of this library placed them: all in Services1, by declaration order.
  const names = ['boot', 'api', 'admin', 'my-svc'];
  const deployed = synth({ services: names.map((name) => svc(name, { group: 'Services1', routes: [{ path: `/${name}/*` }] })) });
  const next = synth({ services: [...names, 'added'].map((name) => svc(name, { routes: [{ path: `/${name}/*` }] })) }, deployed);
  const report = check(deployed, next);
  expect(report).toMatchObject({ replaced: [], moved: [], clashes: [], statefulOrIngress: [] });
  expect(report.deleted).toEqual([]);
});

test('deployedPlacement reads where each service sits from the nested template names', () => {
  expect(deployedPlacement('Production-us-east-1', [{
    file: 'Productionuseast1Services3A1B2C3D4.nested.template.json',
    resources: [{ logicalId: 'myappServiceCC9A838F', type: 'AWS::ECS::Service' }, { logicalId: 'myappLogs70BF3164', type: 'AWS::Logs::LogGroup' }],
  }])).toEqual(new Map([['myapp', 'Services3']]));
});

test('a deployedAssembly that is not a cloud assembly fails, naming the fix', () => {
  expect(() => synth({ services: [svc('a')] }, path.join(tmp, 'missing')))
    .toThrow(/Prod: deployedAssembly '.*missing' is not a cloud assembly \(it has no manifest.json\)\. Fix: pass the cdk.out directory kept after the last successful deploy/);
});

test('a host spread to a further load balancer stays there when a host before it is removed', () => {
  const hosts = Array.from({ length: 101 }, (_, i) => svc(`s${i}`, { routes: [{ host: `s${i}.example.com` }] }));
  const deployed = synth({ services: hosts, maxLoadBalancers: 2 });
  const app = unitTestApp({ outdir: path.join(tmp, `asm${n++}`) });
  const next = new ProductionStack(app, 'Prod', { env, deployedAssembly: deployed, config: { services: hosts.slice(1), maxLoadBalancers: 2 } });
  const s100 = next.loadBalancer.routes.find((r) => r.host === 's100.example.com')!;
  expect(s100.loadBalancer).toBe(next.loadBalancer.loadBalancers[1]);
  const report = check(deployed, app.synth().directory);
  expect(report).toMatchObject({ replaced: [], moved: [], clashes: [], statefulOrIngress: [] });
});

describe('the unpinned task count across deploys (issue 20)', () => {
  /** The ECS service of `name` in the assembly's templates. */
  function ecsService(dir: string, name: string): any {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.template.json'));
    const resources = Object.assign({}, ...files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).Resources ?? {}));
    return Object.entries<any>(resources).find(([id, r]) => r.Type === 'AWS::ECS::Service' && id.startsWith(name))![1];
  }

  test('turning scaling on updates the service in place and drops DesiredCount (CloudFormation then keeps the running count); later deploys never pin it again', () => {
    const fixed = synth({ services: [svc('web', { desiredCount: 2, routes: [{ path: '/*' }] })] });
    expect(ecsService(fixed, 'web').Properties.DesiredCount).toBe(2);
    const scaled = synth({ services: [svc('web', { desiredCount: 2, routes: [{ path: '/*' }], scaling: { minTasks: 2, maxTasks: 10, cpuPercent: 60 } })] }, fixed);
    const report = check(fixed, scaled);
    expect(report.replaced).toEqual([]);
    expect(report.moved).toEqual([]);
    expect(report.created.some((r) => /ScalingTarget/.test(r))).toBe(true);
    expect(ecsService(scaled, 'web').Properties.DesiredCount).toBeUndefined();
    // A new image later: still no DesiredCount, so the deploy leaves a scaled-out count alone.
    const redeployed = synth({ services: [svc('web', { image: 'nginx:1.28', desiredCount: 2, routes: [{ path: '/*' }], scaling: { minTasks: 2, maxTasks: 10, cpuPercent: 60 } })] }, scaled);
    // A new task definition revision, as for any image change; the service itself is updated in place.
    expect(check(scaled, redeployed).replaced.map((r) => r.type)).toEqual(['AWS::ECS::TaskDefinition']);
    expect(ecsService(redeployed, 'web').Properties.DesiredCount).toBeUndefined();
  });

  test('a new scaled service starts towards minTasks: its scalable target is created with it', () => {
    const dir = synth({ services: [svc('api', { routes: [{ path: '/*' }], scaling: { minTasks: 3, maxTasks: 6 } })] });
    expect(ecsService(dir, 'api').Properties.DesiredCount).toBeUndefined();
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.template.json'));
    const targets = files.flatMap((f) => Object.values<any>(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).Resources ?? {})).filter((r) => r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(targets.map((t) => [t.Properties.MinCapacity, t.Properties.MaxCapacity])).toEqual([[3, 6]]);
  });
});
