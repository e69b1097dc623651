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
    expect(service.Properties.DesiredCount).toBe(2);
    expect(service.Properties.DeploymentConfiguration).toMatchObject({ MaximumPercent: 200, MinimumHealthyPercent: 50 });
    const tgId = service.Properties.LoadBalancers[0].TargetGroupArn.Ref;
    const delay = resources[tgId].Properties.TargetGroupAttributes.find((a: any) => a.Key === 'deregistration_delay.timeout_seconds');
    expect(Number(delay.Value)).toBeLessThanOrEqual(60);
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
