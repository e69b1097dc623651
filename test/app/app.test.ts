import * as fs from 'fs';
import * as path from 'path';
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../../bin/environments';
import { unitTestApp, validatedApp } from '../support/app';

/**
 * Every stack of the example app, synthesized once with aws-cdk-lib's built-in template validation
 * in construct-library strict mode and cdk-nag's AwsSolutions checks: any finding throws.
 */
describe('the example app', () => {
  let assembly: ReturnType<ReturnType<typeof validatedApp>['synth']>;
  let report: any;

  beforeAll(() => {
    const app = validatedApp();
    buildApp(app);
    assembly = app.synth();
    report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
  });

  test('synthesizes with zero unacknowledged findings from built-in validation (strict), cdk-nag and the preflight checks', () => {
    const open = report.pluginReports.flatMap((p: any) => p.violations);
    expect(open).toEqual([]);
  });

  test('logical ids stay put (a renamed id replaces the resource on deploy): tripwire snapshot', () => {
    const ids: Record<string, string[]> = {};
    for (const f of fs.readdirSync(assembly.directory).filter((n) => n.endsWith('.template.json'))) {
      const resources = JSON.parse(fs.readFileSync(path.join(assembly.directory, f), 'utf8')).Resources as Record<string, any>;
      // Asset hashes and nested-stack suffixes are normalised so the snapshot only moves when an id really changes.
      ids[f.replace(/[0-9A-F]{8}\.nested/, '.nested')] = Object.entries(resources)
        .filter(([, r]) => r.Type !== 'AWS::CDK::Metadata')
        .map(([id, r]) => `${id} ${r.Type}`).sort();
    }
    expect(ids).toMatchSnapshot();
  });

  test('contains production in three regions, its conductor, QA and Swarm', () => {
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['Production', 'Production-ap-southeast-2', 'Production-us-east-1', 'ProductionConductor', 'Qa', 'Swarm']);
  });

  test('the reference service has exactly cpu 300, memory 300, port 8080, 2 tasks, 200 % / 50 %, deregistration delay ≤ 60 s', () => {
    const dir = assembly.directory;
    const nested = fs.readdirSync(dir).filter((f) => f.startsWith('Production') && f.endsWith('.nested.template.json'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).Resources as Record<string, any>);
    const resources = Object.assign({}, ...nested);
    const [taskDef] = Object.values(resources).filter((r: any) => r.Type === 'AWS::ECS::TaskDefinition'
      && r.Properties.ContainerDefinitions[0].Image === 'laszlocph/spring-boot-dummy:exposed') as any[];
    expect(taskDef.Properties.ContainerDefinitions[0]).toMatchObject({ Cpu: 300, Memory: 300, PortMappings: [{ ContainerPort: 8080 }] });
    const taskDefId = Object.keys(resources).find((k) => resources[k] === taskDef)!;
    const service = Object.values(resources).find((r: any) => r.Type === 'AWS::ECS::Service' && r.Properties.TaskDefinition.Ref === taskDefId) as any;
    // It scales from 2 tasks: the count is the scalable target's, not pinned in the template.
    expect(service.Properties.DesiredCount).toBeUndefined();
    const serviceId = Object.keys(resources).find((k) => resources[k] === service)!;
    const target = Object.values(resources).find((r: any) => r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget'
      && JSON.stringify(r.Properties.ResourceId).includes(`"${serviceId}"`)) as any;
    expect(target.Properties).toMatchObject({ MinCapacity: 2, MaxCapacity: 10 });
    expect(service.Properties.DeploymentConfiguration).toMatchObject({ MaximumPercent: 200, MinimumHealthyPercent: 50 });
    const tgId = service.Properties.LoadBalancers[0].TargetGroupArn.Ref;
    const delay = resources[tgId].Properties.TargetGroupAttributes.find((a: any) => a.Key === 'deregistration_delay.timeout_seconds');
    expect(Number(delay.Value)).toBeLessThanOrEqual(60);
  });
});

describe('the example app scales, alarms and rolls back (issue 20)', () => {
  let dir: string;
  let templates: Record<string, Record<string, any>>;

  beforeAll(() => {
    const app = unitTestApp();
    buildApp(app);
    dir = app.synth().directory;
    templates = {};
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.template.json'))) {
      templates[f] = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).Resources ?? {};
    }
  });

  const of = (prefix: string, type: string) => Object.entries(templates).filter(([f]) => f.startsWith(prefix))
    .flatMap(([f, rs]) => Object.entries(rs).filter(([, r]) => r.Type === type).map(([id, r]) => ({ file: f, id, r, all: rs })));

  test('every routed production service scales (min < max, target tracking), has no pinned DesiredCount and rolls back on its alarms', () => {
    const services = of('Production', 'AWS::ECS::Service').filter(({ r }) => r.Properties.LoadBalancers?.length);
    expect(services.length).toBe(9);
    for (const { id, r, all } of services) {
      expect(r.Properties.DesiredCount).toBeUndefined();
      expect(r.Properties.DeploymentConfiguration.Alarms).toMatchObject({ Enable: true, Rollback: true });
      expect(r.Properties.DeploymentConfiguration.Alarms.AlarmNames.length).toBeGreaterThanOrEqual(3);
      const [targetId, target] = Object.entries(all).find(([, t]) => t.Type === 'AWS::ApplicationAutoScaling::ScalableTarget' && JSON.stringify(t.Properties.ResourceId).includes(`"${id}"`))!;
      expect(target.Properties.MinCapacity).toBeLessThan(target.Properties.MaxCapacity);
      const policies = Object.values(all).filter((p) => p.Type === 'AWS::ApplicationAutoScaling::ScalingPolicy' && p.Properties.ScalingTargetId?.Ref === targetId);
      expect(policies.map((p) => p.Properties.PolicyType)).toContain('TargetTrackingScaling');
      const prefix = `${id.replace(/Service[0-9A-F]{8}$/, '')}Alarms`;
      const alarms = Object.entries(all).filter(([a, r]) => r.Type === 'AWS::CloudWatch::Alarm' && a.startsWith(prefix) && r.Properties.AlarmActions?.length > 0);
      expect(alarms.length).toBeGreaterThanOrEqual(3);
    }
  });

  test('every alarm of every stack notifies an SNS topic', () => {
    const alarms = Object.entries(templates).flatMap(([f, rs]) => Object.entries(rs).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm').map(([id, r]) => ({ at: `${f}#${id}`, r })));
    expect(alarms.length).toBeGreaterThan(30);
    const silent = alarms.filter(({ r }) => !(r.Properties.AlarmActions?.length > 0)).map(({ at }) => at);
    expect(silent).toEqual([]);
  });

  test('each environment has a dashboard', () => {
    for (const stack of ['Production.template.json', 'Production-us-east-1.template.json', 'Production-ap-southeast-2.template.json', 'Qa.template.json']) {
      expect(Object.values(templates[stack]).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
    }
  });

  test('QA sleeps outside working hours: its services and its instances scale on a schedule in its time zone', () => {
    const targets = of('Qa', 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(targets.length).toBeGreaterThan(0);
    for (const { r } of targets) {
      expect(r.Properties.ScheduledActions).toEqual(expect.arrayContaining([
        expect.objectContaining({ Schedule: 'cron(30 6 ? * MON-FRI *)', Timezone: 'Europe/Berlin' }),
        expect.objectContaining({ Schedule: 'cron(0 20 ? * MON-FRI *)', ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 }, Timezone: 'Europe/Berlin' }),
      ]));
    }
    const actions = of('Qa', 'AWS::AutoScaling::ScheduledAction').map(({ r }) => r.Properties);
    expect(actions).toEqual(expect.arrayContaining([
      expect.objectContaining({ Recurrence: '30 6 * * 1-5', MinSize: 1, TimeZone: 'Europe/Berlin' }),
      expect.objectContaining({ Recurrence: '0 20 * * 1-5', MinSize: 0, DesiredCapacity: 0, TimeZone: 'Europe/Berlin' }),
    ]));
  });
});

describe('the validation harness', () => {
  test('the example app runs the preflight checks: a deploy-time failure added to it fails synthesis', () => {
    const app = unitTestApp();
    buildApp(app);
    const stack = app.node.findChild('Qa') as Stack;
    new CfnResource(stack, 'Reserved', {
      type: 'AWS::Lambda::Function',
      properties: { Role: 'arn:aws:iam::493827162534:role/r', Code: { ZipFile: 'x' }, Runtime: 'nodejs24.x', Handler: 'index.handler', ReservedConcurrentExecutions: 1 },
    });
    expect(() => app.synth()).toThrow(/Preflight-LambdaReservedConcurrency/);
  });

  test('fails synthesis on an unacknowledged cdk-nag finding (so a clean run means something)', () => {
    const app = validatedApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'Leaky', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
    const sg = new ec2.SecurityGroup(stack, 'Open', { vpc });
    sg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22));
    expect(() => app.synth()).toThrow(/AwsSolutions-EC23|AwsSolutions-VPC7/);
  });
});

describe('the built-in validation', () => {
  test('fails synthesis on a template error in strict mode (so a clean run means something)', () => {
    const app = validatedApp();
    const stack = new Stack(app, 'Broken', { env: { account: '111111111111', region: 'eu-west-1' } });
    new CfnResource(stack, 'Queue', { type: 'AWS::SQS::Queue', properties: { VisibilityTimeout: 'not-a-number', NoSuchProperty: true } });
    expect(() => app.synth()).toThrow(/NoSuchProperty: Additional properties are not allowed/);
  });
});
