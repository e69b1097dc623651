import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, IPolicyValidationContext, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { FleetPreflightChecks, PREFLIGHT_RULES } from '../../lib/preflight';
import { CERTIFICATE_REGION } from '../../lib/preflight/rules/certificate-region';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { FleetService } from '../../lib/service/fleet-service';
import { unitTestApp } from '../support/app';

/** An app with the preflight plugin added the way users add it. */
function preflightApp(context: Record<string, unknown> = {}): App {
  const app = unitTestApp({ context });
  Validations.of(app).addPlugins(new FleetPreflightChecks());
  return app;
}

const env = { account: '210987654321', region: 'eu-west-1' };

function reservedFunction(scope: Stack, reserved?: number): lambda.Function {
  return new lambda.Function(scope, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}'),
    reservedConcurrentExecutions: reserved,
  });
}

/** The message synthesis fails with. */
function synthError(app: App): string {
  try {
    app.synth();
  } catch (e) {
    return String(e);
  }
  throw new Error('synthesis did not fail');
}

function pluginViolations(app: App): any[] {
  const dir = app.synth().directory;
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'validation-report.json'), 'utf8'));
  return report.pluginReports.filter((p: any) => p.pluginName === 'FleetPreflightChecks').flatMap((p: any) => p.violations);
}

describe('FleetPreflightChecks (end to end)', () => {
  test('offers one rule id per rule', () => {
    expect(new FleetPreflightChecks().ruleIds).toEqual(PREFLIGHT_RULES.map((r) => r.id));
    expect(new FleetPreflightChecks().ruleIds).toContain('Preflight-LambdaReservedConcurrency');
  });

  test('passes the synth of a stack with no deploy-time problem', () => {
    const app = preflightApp();
    reservedFunction(new Stack(app, 'Clean', { env }));
    expect(() => app.synth()).not.toThrow();
  });

  test('fails the synth on a finding, naming the rule, the construct path and the fix', () => {
    const app = preflightApp();
    reservedFunction(new Stack(app, 'Reserved', { env }), 1);
    const error = synthError(app);
    expect(error).toMatch(/ERROR Reserved Fn[0-9A-F]+ \(AWS::Lambda::Function\): ReservedConcurrentExecutions 1/);
    expect(error).toMatch(/Reserved\/Fn\/Resource/);
    expect(error).toMatch(/Suggested fix: Remove the reservation/);
    expect(error).toMatch(/Preflight-LambdaReservedConcurrency/);
  });

  test('passes when the finding is acknowledged on the construct, as with cdk-nag', () => {
    const app = preflightApp();
    const fn = reservedFunction(new Stack(app, 'Reserved', { env }), 1);
    Validations.of(fn).acknowledge({ id: 'Preflight-LambdaReservedConcurrency', reason: 'our accounts have a raised concurrency quota' });
    expect(() => app.synth()).not.toThrow();
  });

  test('passes when the finding is acknowledged on the stack, or with the plugin-qualified id', () => {
    const app = preflightApp();
    const stack = new Stack(app, 'Reserved', { env });
    reservedFunction(stack, 1);
    Validations.of(stack).acknowledge({ id: 'Preflight-LambdaReservedConcurrency', reason: 'raised quota' });
    const other = new Stack(app, 'Qualified', { env });
    Validations.of(reservedFunction(other, 1)).acknowledge({ id: 'FleetPreflightChecks::Preflight-LambdaReservedConcurrency', reason: 'raised quota' });
    expect(pluginViolations(app)).toEqual([]);
  });

  test('an acknowledgement of one rule does not hide another rule\'s finding', () => {
    const app = preflightApp();
    const stack = new Stack(app, 'Both', { env });
    reservedFunction(stack, 1);
    Validations.of(stack).acknowledge({ id: 'Preflight-PlaceholderIds', reason: 'not this one' });
    expect(() => app.synth()).toThrow(/Preflight-LambdaReservedConcurrency/);
  });

  test('inspects nested stacks and names the resource inside them', () => {
    const app = preflightApp();
    const parent = new Stack(app, 'Parent', { env });
    const nested = new NestedStack(parent, 'Dns');
    const zone = route53.HostedZone.fromHostedZoneAttributes(nested, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com' });
    new route53.ARecord(nested, 'App', { zone, recordName: 'app', target: route53.RecordTarget.fromIpAddresses('192.0.2.1') });
    const error = synthError(app);
    expect(error).toMatch(/Parent\/Dns\/App\/Resource/);
    expect(error).toMatch(/hosted zone id "Z0123456789ABCDEFGHIJ" looks like a placeholder/);
    expect(error).toMatch(/Preflight-PlaceholderIds/);
  });

  test('finds the same simple record created by stacks in two regions', () => {
    // Report instead of throwing, so the validation report can be read.
    const app = preflightApp({ '@aws-cdk/core:failSynthOnValidationErrors': false });
    for (const region of ['eu-west-1', 'us-east-1']) {
      const stack = new Stack(app, `Site-${region}`, { env: { ...env, region } });
      const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z06181913LDV9Q2SJR3RF', zoneName: 'example.com' });
      new route53.ARecord(stack, 'App', { zone, recordName: 'app', target: route53.RecordTarget.fromIpAddresses('192.0.2.1') });
    }
    const violations = pluginViolations(app);
    expect(violations.map((v: any) => v.ruleName)).toEqual(['Preflight-DuplicateSimpleRecord', 'Preflight-DuplicateSimpleRecord']);
    expect(violations[0].violatingConstructs[0]).toMatchObject({
      constructPath: 'Site-eu-west-1/App/Resource',
      cloudFormationResource: { templatePath: 'Site-eu-west-1.template.json', propertyPaths: ['Properties'] },
    });
    expect(violations[0].description).toMatch(/also created by Site-us-east-1 App/);
  });

  test('passes the library\'s cluster, load balancer and routed services (no false positives from our own constructs)', () => {
    const app = preflightApp({ '@aws-cdk/core:failSynthOnValidationErrors': false });
    const stack = new Stack(app, 'Fleet', { env });
    const cluster = new FleetCluster(stack, 'Cluster');
    const lb = new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc });
    lb.route(new FleetService(stack, 'boot', { cluster, image: 'laszlocph/spring-boot-dummy:exposed', containerPort: 8080 }), { path: '/*' });
    lb.route(new FleetService(stack, 'api', { cluster, image: 'nginx:1.27', containerPort: 80 }), { host: 'api.example.com' });
    expect(pluginViolations(app)).toEqual([]);
  });
});

describe('FleetPreflightChecks on aws-cdk-lib before 2.269.0', () => {
  test('takes each stack\'s region and account from the stack when the validation context has no per-template ones', () => {
    const app = unitTestApp();
    const certificateArn = 'arn:aws:acm:us-east-1:210987654321:certificate/8f2c1a7e-5b7d-4c1e-9a3b-6d0e2f4a1c9b';
    const listener = (stack: Stack) => new CfnResource(stack, 'Listener', {
      type: 'AWS::ElasticLoadBalancingV2::Listener',
      properties: { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: certificateArn }] },
    });
    const stacks = [new Stack(app, 'Regional', { env }), new Stack(app, 'Agnostic')];
    stacks.forEach(listener);
    const dir = app.synth().directory;
    // The context of 2.262.0 to 2.268.0: stackTemplates without region and accountId.
    const stackTemplates = stacks.map((s) => ({ templatePath: path.join(dir, s.templateFile), stackConstructPath: s.node.path }));
    const context = { appConstruct: app, templatePaths: stackTemplates.map((t) => t.templatePath), stackTemplates } as unknown as IPolicyValidationContext;

    const violations = new FleetPreflightChecks().validate(context).violations.filter((v) => v.ruleName === CERTIFICATE_REGION.id);
    expect(violations).toHaveLength(1);
    expect(violations[0].description).toMatch(/is in us-east-1 but the load balancer is in eu-west-1/);
    expect(violations[0].violatingResources[0].templatePath).toBe(path.join(dir, 'Regional.template.json'));
  });
});
