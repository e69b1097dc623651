import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertSafeUpdate, checkAssemblies, deployedListenerRules, formatReport, isSafe, ReplacementKind, Template, UpdateCheck } from '../../lib/update-check';
import { replacingChanges } from '../../lib/update-check/replacements';
import { ProductionStack, ServiceConfig } from '../../lib/environments/production';
import { unitTestApp } from '../support/app';
import { clashes, legacyAssign } from './legacy-priorities';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'update-check-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;

const HASH = (c: string) => c.repeat(64);
/** A cloud assembly with stack `App`, its template, and nested templates `A` and `B` when given. */
function assembly(parent: Template, nested: Record<string, Template> = {}): string {
  const dir = path.join(tmp, `asm${n++}`);
  fs.mkdirSync(dir);
  const files: Record<string, unknown> = {};
  const resources = { ...parent.Resources };
  for (const [name, template] of Object.entries(nested)) {
    const file = `App${name}.nested.template.json`;
    fs.writeFileSync(path.join(dir, file), JSON.stringify(template));
    files[HASH(name === 'A' ? 'a' : 'b')] = { source: { path: file } };
    resources[`${name}Stack`] = {
      Type: 'AWS::CloudFormation::Stack',
      Properties: { TemplateURL: `https://s3/${HASH(name === 'A' ? 'a' : 'b')}.json`, Parameters: { ListenerParam: { Ref: 'Listener' } } },
    };
  }
  fs.writeFileSync(path.join(dir, 'App.template.json'), JSON.stringify({ Resources: resources }));
  fs.writeFileSync(path.join(dir, 'App.assets.json'), JSON.stringify({ files }));
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ artifacts: { App: { type: 'aws:cloudformation:stack', properties: { templateFile: 'App.template.json' } } } }));
  return dir;
}

const listener = { Listener: { Type: 'AWS::ElasticLoadBalancingV2::Listener', Properties: { LoadBalancerArn: { Ref: 'Lb' }, Port: 80 } } };
const rule = (priority: number, path = '/a') => ({
  Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
  Properties: { ListenerArn: { Ref: 'ListenerParam' }, Priority: priority, Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [path] } }] },
});
const nestedWith = (resources: Template['Resources']): Template => ({ Parameters: { ListenerParam: { Type: 'String' } }, Resources: resources });

describe('checkAssemblies', () => {
  test('an immutable property change is a replacement, and so is whatever references the replaced resource that way', () => {
    const tg = (port: number) => ({ Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Port: port, VpcId: 'vpc-1' } });
    const lb = (scheme: string) => ({ Lb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Scheme: scheme } } });
    const [report] = checkAssemblies(
      assembly({ Resources: { ...lb('internet-facing'), ...listener, Tg: tg(80) } }),
      assembly({ Resources: { ...lb('internal'), ...listener, Tg: tg(8080) } }),
    );
    expect(report.replaced.map((r) => [r.resource, r.reason])).toEqual([
      ['App.template.json#Lb', 'Scheme changed'],
      ['App.template.json#Tg', 'Port changed'],
      ['App.template.json#Listener', 'LoadBalancerArn references App.template.json#Lb, which is replaced'],
    ]);
    expect(report.statefulOrIngress.map((s) => s.resource)).toEqual(expect.arrayContaining(['App.template.json#Lb', 'App.template.json#Listener', 'App.template.json#Tg']));
    expect(isSafe(report)).toBe(false);
  });

  test('a rule that moves to another nested stack at the same priority clashes with itself (created before the old one is deleted)', () => {
    const [report] = checkAssemblies(
      assembly({ Resources: { ...listener } }, { A: nestedWith({ Rule: rule(10) }), B: nestedWith({}) }),
      assembly({ Resources: { ...listener } }, { A: nestedWith({}), B: nestedWith({ Rule: rule(10) }) }),
    );
    expect(report.moved).toEqual([{ logicalId: 'Rule', type: 'AWS::ElasticLoadBalancingV2::ListenerRule', from: 'AppA.nested.template.json', to: 'AppB.nested.template.json' }]);
    expect(report.clashes).toEqual([{ rule: 'AppB.nested.template.json#Rule', priority: 10, heldBy: 'AppA.nested.template.json#Rule', listener: 'App.template.json#Listener' }]);
    expect(formatReport(report)).toMatch(/CLASH +AppB\.nested\.template\.json#Rule takes priority 10, held by AppA\.nested\.template\.json#Rule/);
  });

  test('a renumbered rule clashes with a rule deleted in the same update, across nested stacks of one listener', () => {
    const [report] = checkAssemblies(
      assembly({ Resources: { ...listener } }, { A: nestedWith({ Old: rule(5, '/old') }), B: nestedWith({ Kept: rule(6) }) }),
      assembly({ Resources: { ...listener } }, { A: nestedWith({}), B: nestedWith({ Kept: rule(5) }) }),
    );
    expect(report.clashes.map((c) => [c.rule, c.heldBy])).toEqual([['AppB.nested.template.json#Kept', 'AppA.nested.template.json#Old']]);
    expect(report.deleted).toEqual(['AppA.nested.template.json#Old']);
  });

  test('rules on different listeners never clash; an unchanged rule holds its own priority', () => {
    const [report] = checkAssemblies(
      assembly({ Resources: { ...listener } }, { A: nestedWith({ Kept: rule(5) }) }),
      assembly({ Resources: { ...listener } }, { A: nestedWith({ Kept: rule(5), New: { ...rule(7), Properties: { ...rule(7).Properties, ListenerArn: 'arn:other' } } }) }),
    );
    expect(report.clashes).toEqual([]);
    expect(report.created).toEqual(['AppA.nested.template.json#New']);
  });
});

describe('UpdateCheck (the update check for other languages: jsii static methods)', () => {
  const tg = (port: number) => ({ Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Port: port, VpcId: 'vpc-1' } });
  const moving = () => [
    assembly({ Resources: { ...listener, Tg: tg(80) } }, { A: nestedWith({ Rule: rule(10) }), B: nestedWith({}) }),
    assembly({ Resources: { ...listener, Tg: tg(8080) } }, { A: nestedWith({}), B: nestedWith({ Rule: rule(10) }) }),
  ] as const;

  test('ReplacementKind carries exactly the strings reports have always had', () => {
    expect(Object.entries(ReplacementKind)).toEqual([['REPLACED', 'replaced'], ['MOVED', 'moved']]);
    const [report] = checkAssemblies(...moving());
    expect(JSON.parse(JSON.stringify(report.statefulOrIngress))).toEqual([{ resource: 'App.template.json#Tg', type: 'AWS::ElasticLoadBalancingV2::TargetGroup', how: 'replaced' }]);
  });

  test('checkAssemblies, isSafe and formatReport return what the functions return', () => {
    const [before, after] = moving();
    const reports = UpdateCheck.checkAssemblies(before, after);
    expect(reports).toEqual(checkAssemblies(before, after));
    expect(UpdateCheck.checkAssemblies(before, after, ['App'])).toEqual(reports);
    expect(UpdateCheck.checkAssemblies(before, after, [])).toEqual([]);
    expect(UpdateCheck.isSafe(reports)).toBe(false);
    expect(UpdateCheck.isSafe([])).toBe(true);
    expect(UpdateCheck.formatReport(reports)).toBe(reports.map(formatReport).join('\n'));
  });

  test('assertSafeUpdate throws for a clash and returns the reports of a safe update', () => {
    const [before, after] = moving();
    expect(() => UpdateCheck.assertSafeUpdate(before, after)).toThrow(/the update is not safe:\n.*NOT SAFE[\s\S]*CLASH/);
    const same = assembly({ Resources: { ...listener } }, { A: nestedWith({ Rule: rule(10) }) });
    expect(UpdateCheck.assertSafeUpdate(same, same)).toEqual(assertSafeUpdate(same, same));
  });

  test('deployedListenerRules returns what the function returns, and none for a stack the assembly does not hold', () => {
    const [before] = moving();
    expect(UpdateCheck.deployedListenerRules(before, 'App')).toEqual(deployedListenerRules(before, 'App'));
    expect(UpdateCheck.deployedListenerRules(before, 'App')).toEqual([{ ruleId: 'AppA.nested.template.json#Rule', listener: 'App.template.json#Listener', priority: 10 }]);
    expect(UpdateCheck.deployedListenerRules(before, 'Other')).toEqual([]);
  });
});

describe('replacingChanges', () => {
  test('a new task definition revision for any change but tags', () => {
    expect(replacingChanges('AWS::ECS::TaskDefinition', { Cpu: '256', Tags: [] }, { Cpu: '512', Tags: [{ Key: 'a' }] })).toEqual(['Cpu']);
  });

  test('nested properties are compared one level down', () => {
    expect(replacingChanges('AWS::Route53::HealthCheck', { HealthCheckConfig: { Type: 'HTTP', Port: 80 } }, { HealthCheckConfig: { Type: 'HTTPS', Port: 443 } }))
      .toEqual(['HealthCheckConfig.Type']);
  });

  test('updatable properties and unknown types are no replacement', () => {
    expect(replacingChanges('AWS::ElasticLoadBalancingV2::ListenerRule', { Priority: 1 }, { Priority: 2 })).toEqual([]);
    expect(replacingChanges('AWS::Unknown::Thing', { A: 1 }, { A: 2 })).toEqual([]);
  });
});

test('assertSafeUpdate throws with the report when an update is not safe', () => {
  const before = assembly({ Resources: { ...listener } }, { A: nestedWith({ Rule: rule(10) }), B: nestedWith({}) });
  const after = assembly({ Resources: { ...listener } }, { A: nestedWith({}), B: nestedWith({ Rule: rule(10) }) });
  expect(() => assertSafeUpdate(before, after)).toThrow(/the update is not safe:\nStack App: NOT SAFE.*\n +CLASH/);
  expect(assertSafeUpdate(before, before)).toHaveLength(1);
});

describe('route removals among 70 routes of one specificity, without the deployed assembly (issue 22)', () => {
  const env = { account: '111111111111', region: 'eu-west-1' };
  const paths = Array.from({ length: 70 }, (_, i) => ({ path: `/r${i}` }));
  /** A production of 7 services holding the exact-path routes (one band) but `removed`, synthesized without deployedAssembly. */
  const synth = (removed?: number) => {
    const outdir = path.join(tmp, `asm${n++}`);
    const app = unitTestApp({ outdir });
    const services: ServiceConfig[] = Array.from({ length: 7 }, (_, i) => ({
      name: `w${i}`, image: 'nginx:1.27', containerPort: 80, routes: paths.filter((_, j) => j % 7 === i && j !== removed),
    }));
    new ProductionStack(app, 'Prod', { env, config: { services } });
    app.synth();
    return outdir;
  };
  // The removals the previous assignment clashed on: a displaced route moved back onto the removed rule's priority.
  const clashedBefore = paths.map((_, i) => i).filter((i) => clashes(legacyAssign(paths), legacyAssign(paths.filter((_, j) => j !== i))).length > 0);

  test('the update check finds no clash where the previous assignment had one', () => {
    expect(clashedBefore.length).toBeGreaterThan(0);
    const deployed = synth();
    for (const i of clashedBefore.slice(0, 3)) {
      const [report] = checkAssemblies(deployed, synth(i));
      expect(report.clashes).toEqual([]);
      expect(report.deleted.filter((id) => id.includes('Rule'))).toHaveLength(1);
    }
  });
});
