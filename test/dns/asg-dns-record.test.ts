import * as path from 'path';
import { Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as esbuild from 'esbuild';
import { QaDnsStack } from '../../examples/dns/qa-dns-stack';
import { AsgDnsRecord, AsgDnsUpdater, DnsAddressType, WhenEmpty } from '../../lib/dns';
import { unitTestApp, validatedApp } from '../support/app';

const env = { account: '111111111111', region: 'eu-west-1' };

/** Unit-test stacks skip asset bundling (`aws:cdk:bundling-stacks: []`); the validated test below bundles for real. */
function stack(): Stack {
  return new Stack(unitTestApp({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test', { env });
}

function group(scope: Stack, id: string): autoscaling.AutoScalingGroup {
  const vpc = (scope.node.tryFindChild('Vpc') as ec2.Vpc) ?? new ec2.Vpc(scope, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }] });
  return new autoscaling.AutoScalingGroup(scope, id, {
    vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    launchTemplate: new ec2.LaunchTemplate(scope, `${id}Template`, {
      machineImage: ec2.MachineImage.latestAmazonLinux2023(), instanceType: new ec2.InstanceType('t3.micro'), requireImdsv2: true,
    }),
  });
}

const policyStatements = (t: Template) => Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);

describe('AsgDnsRecord', () => {
  let t: Template;
  let s: Stack;
  let blue: autoscaling.AutoScalingGroup;
  let green: autoscaling.AutoScalingGroup;
  let internal: autoscaling.AutoScalingGroup;

  beforeAll(() => {
    s = stack();
    blue = group(s, 'Blue');
    green = group(s, 'Green');
    internal = group(s, 'Internal');
    const publicZone = new route53.PublicHostedZone(s, 'PublicZone', { zoneName: 'example.com' });
    const privateZone = new route53.PrivateHostedZone(s, 'PrivateZone', { zoneName: 'example.internal', vpc: s.node.findChild('Vpc') as ec2.Vpc });
    new AsgDnsRecord(s, 'BlueDns', { autoScalingGroup: blue, hostedZone: publicZone, recordName: 'app' });
    new AsgDnsRecord(s, 'GreenDns', { autoScalingGroup: green, hostedZone: publicZone, recordName: 'app.example.com.' });
    new AsgDnsRecord(s, 'InternalDns', {
      autoScalingGroup: internal, hostedZone: privateZone, recordName: 'API.example.internal', ttl: Duration.seconds(10),
      whenEmpty: WhenEmpty.DELETE, perInstanceRecords: true,
    });
    t = Template.fromStack(s);
  });

  test('one updater function per stack, without reserved concurrency (accounts with a quota of 10 refuse any)', () => {
    t.resourcePropertiesCountIs('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('Route 53') }, 1);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Route 53'), Runtime: 'nodejs24.x', ReservedConcurrentExecutions: Match.absent(),
      Environment: { Variables: Match.objectLike({ DNS_UPDATER_OWNER: 'Test', DNS_UPDATER_MESSAGE_GROUP: 'asg-dns-updater', DNS_UPDATER_QUEUE_URL: { Ref: Match.stringLikeRegexp('AsgDnsUpdaterQueue') } }) },
    });
    for (const fn of Object.values(t.findResources('AWS::Lambda::Function'))) expect((fn as any).Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('serialized by one SQS FIFO queue: content-based deduplication, a FIFO dead-letter queue after 3 attempts, encrypted, TLS only', () => {
    t.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true, ContentBasedDeduplication: true, SqsManagedSseEnabled: true, VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AsgDnsUpdaterQueueDeadLetters'), 'Arn'] }, maxReceiveCount: 3 },
    });
    t.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, ContentBasedDeduplication: Match.absent(), MessageRetentionPeriod: 1209600 });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
  });

  test('the function consumes the queue with partial batch responses, after its consume policy exists', () => {
    t.hasResource('AWS::Lambda::EventSourceMapping', {
      Properties: {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AsgDnsUpdaterQueue'), 'Arn'] }, BatchSize: 5, FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('AsgDnsUpdaterConsumeQueue')]),
    });
    expect(t.toJSON().Resources[Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('Route 53') } }))[0]].Properties.Timeout).toBe(300);
  });

  test('the groups carry DomainMeta (zone id : full record name) and the options, not propagated to instances', () => {
    const tags = (id: string) => (Object.entries(t.findResources('AWS::AutoScaling::AutoScalingGroup')).find(([k]) => k.startsWith(id))![1] as any).Properties.Tags;
    const blueMeta = tags('BlueASG').find((x: any) => x.Key === 'DomainMeta');
    expect(blueMeta).toEqual({ Key: 'DomainMeta', Value: { 'Fn::Join': ['', [{ Ref: expect.stringMatching(/^PublicZone/) }, ':app.example.com']] }, PropagateAtLaunch: false });
    expect(tags('BlueASG')).toContainEqual({ Key: 'DomainMetaOptions', Value: 'ttl=60,address=public,whenEmpty=keep', PropagateAtLaunch: false });
    expect(tags('InternalASG')).toContainEqual({ Key: 'DomainMetaOptions', Value: 'ttl=10,address=private,whenEmpty=delete,perInstance=true', PropagateAtLaunch: false });
    expect(JSON.stringify(tags('GreenASG'))).toContain(':app.example.com');
    expect(tags('BlueASG')).toContainEqual({ Key: 'DomainMetaOwner', Value: 'Test', PropagateAtLaunch: false });
  });

  test('a terminate lifecycle hook per group that defaults to CONTINUE, so a broken updater never blocks scale-in', () => {
    t.resourceCountIs('AWS::AutoScaling::LifecycleHook', 3);
    t.hasResourceProperties('AWS::AutoScaling::LifecycleHook', {
      LifecycleHookName: 'asg-dns-updater-drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', DefaultResult: 'CONTINUE', HeartbeatTimeout: 300,
    });
  });

  test("EventBridge rules for each group's four event types, and the 5-minute reconcile schedule", () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.autoscaling'],
        'detail-type': ['EC2 Instance Launch Successful', 'EC2 Instance Terminate Successful', 'EC2 Instance-launch Lifecycle Action', 'EC2 Instance-terminate Lifecycle Action'],
        detail: { AutoScalingGroupName: [{ Ref: Match.stringLikeRegexp('BlueASG') }] },
      },
      // The record's own message group: a message of another record waiting for its retry never holds this one back.
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AsgDnsUpdaterQueue'), 'Arn'] }, SqsParameters: { MessageGroupId: 'record:app.example.com' },
        DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue(),
      })],
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { AutoScalingGroupName: [{ Ref: Match.stringLikeRegexp('InternalASG') }] } }),
      Targets: [Match.objectLike({ SqsParameters: { MessageGroupId: 'record:api.example.internal' } })],
    });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)', Targets: [Match.objectLike({ SqsParameters: { MessageGroupId: 'asg-dns-updater' } })] });
    t.resourcePropertiesCountIs('AWS::Events::Rule', { EventPattern: Match.anyValue() }, 3);
    t.resourcePropertiesCountIs('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' }, 1);
  });

  test('Route 53 writes only on the zone, narrowed to the record names, types and actions', () => {
    const writes = policyStatements(t).filter((st: any) => st.Action === 'route53:ChangeResourceRecordSets');
    expect(writes).toHaveLength(2);
    const byName = (name: string) => writes.find((st: any) => JSON.stringify(st.Condition).includes(`"${name}"`));
    expect(byName('app.example.com')).toMatchObject({
      Resource: { 'Fn::Join': ['', ['arn:aws:route53:::hostedzone/', { Ref: expect.stringMatching(/PublicZone/) }]] },
      Condition: { 'ForAllValues:StringEquals': {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['app.example.com'],
        'route53:ChangeResourceRecordSetsRecordTypes': ['A'],
        'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
      } },
    });
    // Per-instance records share one statement with the shared record: a change batch carries both, and
    // ForAllValues must hold for every name in it.
    expect(byName('api.example.internal').Condition).toEqual({ 'ForAllValues:StringLike': expect.objectContaining({
      'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['api.example.internal', 'i-*.api.example.internal'],
    }) });
    for (const st of writes) expect(JSON.stringify(st.Resource)).not.toContain('*');
  });

  test("the updater's own groups are the groups it was given, by name in its configuration (issue 22, item 4: no tag decides ownership)", () => {
    const fn = Object.values(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('Route 53') } }))[0] as any;
    const [, parts] = fn.Properties.Environment.Variables.DNS_UPDATER_GROUPS['Fn::Join'];
    expect(parts.map((p: any) => (typeof p === 'string' ? p : p.Ref.replace(/ASG.*/, ''))).join('')).toBe('Blue,Green,Internal');
    expect(fn.Properties.Environment.Variables.DNS_UPDATER_LIFECYCLE_GROUPS).toBe('');
  });

  test('lifecycle completion only on the given groups', () => {
    const resources = policyStatements(t).filter((st: any) => st.Action === 'autoscaling:CompleteLifecycleAction').flatMap((st: any) => [st.Resource].flat());
    expect(resources).toHaveLength(3);
    for (const r of resources) expect(JSON.stringify(r)).toMatch(/autoScalingGroupName\/".*"Ref":"(Blue|Green|Internal)ASG/);
  });

  test('a custom resource per record cleans up on deletion, after the function and its policy', () => {
    const crs = t.findResources('Custom::AsgDnsRecord');
    expect(Object.keys(crs)).toHaveLength(3);
    const internalCr = Object.entries(crs).find(([k]) => k.startsWith('InternalDns'))![1] as any;
    expect(internalCr.Properties).toMatchObject({
      AutoScalingGroupName: { Ref: expect.stringMatching(/InternalASG/) },
      DomainMetaOptions: 'ttl=10,address=private,whenEmpty=delete,perInstance=true',
    });
    expect(internalCr.DependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/AsgDnsUpdaterFunctionRoleDefaultPolicy/), expect.stringMatching(/AsgDnsUpdaterQueue[0-9A-F]{8}$/),
      expect.stringMatching(/AsgDnsUpdaterFunctionQueue/), expect.stringMatching(/AsgDnsUpdaterConsumeQueue/), expect.stringMatching(/InternalDnsDrainHook/),
    ]));
  });

  test('every rule feeding the queue is deleted before the cleanups (no event re-creates a cleaned-up record)', () => {
    const crIds = Object.keys(t.findResources('Custom::AsgDnsRecord'));
    const rules = t.findResources('AWS::Events::Rule');
    expect(Object.keys(rules)).toHaveLength(4);
    for (const rule of Object.values(rules)) expect((rule as any).DependsOn).toEqual(expect.arrayContaining(crIds));
  });
});

describe('AsgDnsRecord input checks', () => {
  const zone = (s: Stack) => route53.PublicHostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com' });

  test.each([
    ['*.example.com', /recordName '\*\.example\.com' is not a host name/],
    ['app.other.org.', /outside the hosted zone example.com/],
    // Issue 9: once silently appended to the zone (app.other.org.example.com).
    ['app.other.org', /Test\/Dns: recordName 'app.other.org' is outside the hosted zone example.com\. Fix: write the full name ending in \.example\.com \(e\.g\. 'app\.other\.org\.example\.com' if you meant it relative\) or one label relative to the zone \('app'\)/],
    ['api.qa', /recordName 'api.qa' is outside the hosted zone example.com/],
    ['bad_label-.example.com', /not a host name/],
  ])('recordName %j is refused', (recordName, message) => {
    const s = stack();
    expect(() => new AsgDnsRecord(s, 'Dns', { autoScalingGroup: group(s, 'G'), hostedZone: zone(s), recordName })).toThrow(message);
  });

  test('a zone whose name is not known at synth (imported by id, or a token): fully qualified names pass, relative ones are refused with the fix', () => {
    const s = stack();
    const byId = route53.HostedZone.fromHostedZoneId(s, 'ById', 'Z0123456789ABCDEFGHIJ');
    expect(() => new AsgDnsRecord(s, 'Rel', { autoScalingGroup: group(s, 'G1'), hostedZone: byId, recordName: 'qa' }))
      .toThrow(/Test\/Rel: recordName 'qa' is relative, but the hosted zone's name is not known at synth .* Fix: give the fully qualified name, e\.g\. 'qa\.<zone name>'/);
    const tokenName = route53.PublicHostedZone.fromHostedZoneAttributes(s, 'Tok', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: Fn.importValue('ZoneName') });
    const r = new AsgDnsRecord(s, 'Fq', { autoScalingGroup: group(s, 'G2'), hostedZone: tokenName, recordName: 'QA.example.com.' });
    expect(r.recordName).toBe('qa.example.com');
    new AsgDnsRecord(s, 'Fq2', { autoScalingGroup: group(s, 'G3'), hostedZone: byId, recordName: 'qa2.example.com' });
  });

  test('ttl, drainTimeout and a second record on one group are refused with the fix', () => {
    const s = stack();
    const g = group(s, 'G');
    const z = zone(s);
    expect(() => new AsgDnsRecord(s, 'A', { autoScalingGroup: g, hostedZone: z, recordName: 'a', ttl: Duration.millis(1500) })).toThrow(/Test\/A: ttl .* Fix: use whole seconds/);
    expect(() => new AsgDnsRecord(s, 'B', { autoScalingGroup: g, hostedZone: z, recordName: 'a', drainTimeout: Duration.hours(3) })).toThrow(/drainTimeout/);
    new AsgDnsRecord(s, 'C', { autoScalingGroup: g, hostedZone: z, recordName: 'a' });
    expect(() => new AsgDnsRecord(s, 'D', { autoScalingGroup: g, hostedZone: z, recordName: 'b' })).toThrow(/already has a DNS record \(Test\/C\)/);
  });

  test('an imported zone lets the function decide the address from the zone; an imported group gets a warning to tag it', () => {
    const s = stack();
    const imported = autoscaling.AutoScalingGroup.fromAutoScalingGroupName(s, 'Imported', 'legacy-asg');
    new AsgDnsRecord(s, 'Dns', { autoScalingGroup: imported, hostedZone: zone(s), recordName: 'legacy' });
    const t = Template.fromStack(s);
    t.hasResourceProperties('Custom::AsgDnsRecord', { DomainMeta: 'Z0123456789ABCDEFGHIJ:legacy.example.com', DomainMetaOptions: 'ttl=60,whenEmpty=keep' });
    Annotations.fromStack(s).hasWarning('/Test/Dns', Match.stringLikeRegexp('tag it yourself with DomainMeta=Z0123456789ABCDEFGHIJ:legacy.example.com, DomainMetaOptions=ttl=60,whenEmpty=keep and DomainMetaOwner=Test'));
    t.hasResourceProperties('AWS::AutoScaling::LifecycleHook', { AutoScalingGroupName: 'legacy-asg' });
  });

  test('ipv6 makes the record AAAA, in the tag and in the IAM condition', () => {
    const s = stack();
    const r = new AsgDnsRecord(s, 'Dns', { autoScalingGroup: group(s, 'G'), hostedZone: zone(s), recordName: 'v6', addressType: DnsAddressType.IPV6 });
    expect(r.recordType).toBe(route53.RecordType.AAAA);
    expect(r.recordType).toBe('AAAA');
    const write = policyStatements(Template.fromStack(s)).find((st: any) => st.Action === 'route53:ChangeResourceRecordSets');
    expect(write.Condition['ForAllValues:StringEquals']['route53:ChangeResourceRecordSetsRecordTypes']).toEqual(['AAAA']);
  });

  test('the reconcile interval is set once per stack', () => {
    const s = stack();
    AsgDnsUpdater.of(s, { reconcileInterval: Duration.minutes(10) });
    expect(() => AsgDnsUpdater.of(s, { reconcileInterval: Duration.minutes(5) })).toThrow(/reconcileInterval 5 min differs/);
    Template.fromStack(s).hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(10 minutes)' });
  });
});

describe('tag-only mode', () => {
  const zones = (s: Stack) => [route53.PublicHostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'qa.example.com' })];

  test('watches every group; writes only the declared names (normalised, StringLike), A/AAAA, UPSERT/DELETE, in the declared zones', () => {
    const s = stack();
    const z = zones(s);
    const updater = AsgDnsUpdater.watchTaggedGroups(s, { hostedZones: z, recordNames: ['*.QA.example.com.'] });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['aws.autoscaling'], 'detail-type': Match.anyValue(), detail: Match.absent() } });
    const statements = policyStatements(t);
    // No lifecycle completion on a tag anyone may set: none at all unless groups are named (issue 19).
    expect(statements.filter((st: any) => st.Action === 'autoscaling:CompleteLifecycleAction')).toEqual([]);
    expect(statements.find((st: any) => st.Action === 'route53:ChangeResourceRecordSets')).toEqual({
      Effect: 'Allow', Action: 'route53:ChangeResourceRecordSets', Resource: 'arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ',
      Condition: {
        'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['*.qa.example.com'] },
        'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA'], 'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'] },
      },
    });
    for (const st of statements.filter((x: any) => String(x.Action).startsWith('route53:') && x.Action !== 'route53:GetChange')) expect(JSON.stringify(st.Resource)).not.toContain('*');
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ DNS_UPDATER_TAGGED_ZONES: 'Z0123456789ABCDEFGHIJ', DNS_UPDATER_TAGGED_NAMES: '*.qa.example.com' }) } });
    expect(AsgDnsUpdater.watchTaggedGroups(s, { hostedZones: z, recordNames: ['i-*.web.qa.example.com'] })).toBe(updater);
  });

  test.each([
    [{ zones: true }, /watchTaggedGroups needs recordNames/],
    [{}, /watchTaggedGroups needs hostedZones/],
    [{ recordNames: ['*.qa.example.com'] }, /watchTaggedGroups needs hostedZones/],
    [{ recordNames: [], zones: true }, /Fix: list the record names tagged groups may write/],
    [{ recordNames: ['*.example.org'], zones: true }, /Test: recordNames pattern '\*\.example\.org' is outside the hosted zones \(qa\.example\.com\)\. Fix: end it in the literal name of one of the zones, e\.g\. '\*\.qa\.example\.com'/],
    [{ recordNames: ['*'], zones: true }, /recordNames pattern '\*' is not a fully qualified name pattern/],
  ])('without explicit zones and names, or with names outside the zones, it is refused: %j', (opts: any, message) => {
    const s = stack();
    const hostedZones = opts.zones ? zones(s) : undefined;
    expect(() => AsgDnsUpdater.watchTaggedGroups(s, { hostedZones, recordNames: opts.recordNames } as any)).toThrow(message);
  });
});

describe('tag-only mode: lifecycle completion by explicit group names (issue 19)', () => {
  const zones = (s: Stack) => [route53.PublicHostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'qa.example.com' })];

  test('CompleteLifecycleAction only on the listed groups, by name; the handler is told which', () => {
    const s = stack();
    AsgDnsUpdater.watchTaggedGroups(s, { hostedZones: zones(s), recordNames: ['*.qa.example.com'], lifecycleGroupNames: ['legacy-web', 'legacy-api'] });
    const t = Template.fromStack(s);
    const completes = policyStatements(t).filter((st: any) => st.Action === 'autoscaling:CompleteLifecycleAction');
    expect(completes.flatMap((st: any) => [st.Resource].flat()).sort()).toEqual([
      'arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:*:autoScalingGroupName/legacy-api',
      'arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:*:autoScalingGroupName/legacy-web',
    ]);
    for (const st of completes) expect(st.Condition).toBeUndefined();
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ DNS_UPDATER_LIFECYCLE_GROUPS: 'legacy-web,legacy-api' }) } });
  });

  test('an ARN instead of a name is refused with the fix', () => {
    const s = stack();
    expect(() => AsgDnsUpdater.watchTaggedGroups(s, { hostedZones: zones(s), recordNames: ['*.qa.example.com'], lifecycleGroupNames: ['arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:x:autoScalingGroupName/web'] }))
      .toThrow(/lifecycleGroupNames entry 'arn:aws:autoscaling.*' is not an Auto Scaling group name\. Fix: give the group names/);
  });

  test('more groups than the configuration holds is refused at synth', () => {
    const s = stack();
    const names = Array.from({ length: 26 }, (_, i) => `legacy-${i}`);
    AsgDnsUpdater.watchTaggedGroups(s, { hostedZones: zones(s), recordNames: ['*.qa.example.com'], lifecycleGroupNames: names });
    expect(() => Template.fromStack(s)).toThrow(/26 Auto Scaling groups on one DNS updater, more than 25/);
    const ok = stack();
    AsgDnsUpdater.watchTaggedGroups(ok, { hostedZones: zones(ok), recordNames: ['*.qa.example.com'], lifecycleGroupNames: names.slice(0, 25) });
    expect(() => Template.fromStack(ok)).not.toThrow();
  });
});

describe('the QA example stack', () => {
  test('synthesizes clean under built-in validation (strict) and cdk-nag AwsSolutions, with a tag-only stack beside it', () => {
    const app = validatedApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new QaDnsStack(app, 'QaDns', { env });
    const tagOnly = new Stack(app, 'TagOnly', { env });
    AsgDnsUpdater.watchTaggedGroups(tagOnly, {
      hostedZones: [route53.PublicHostedZone.fromHostedZoneAttributes(tagOnly, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'qa.example.com' })],
      recordNames: ['*.qa.example.com'],
      lifecycleGroupNames: ['legacy-web'],
    });
    expect(() => app.synth()).not.toThrow();
  });
});

describe('bundling', () => {
  test('the handler bundles with esbuild for Node.js 22', async () => {
    const common: esbuild.BuildOptions = {
      entryPoints: [path.join(__dirname, '../../lambda/asg-dns-updater/index.ts')],
      bundle: true, platform: 'node', target: 'node22', minify: true, write: false, logLevel: 'silent',
    };
    // As deployed: the runtime's AWS SDK (NodejsFunction leaves @aws-sdk/* and @smithy/* out), and self-contained.
    const deployed = await esbuild.build({ ...common, external: ['@aws-sdk/*', '@smithy/*'] });
    const full = await esbuild.build(common);
    expect(deployed.errors).toEqual([]);
    expect(full.errors).toEqual([]);
    const size = (r: esbuild.BuildResult) => r.outputFiles![0].contents.length;
    expect(size(deployed)).toBeGreaterThan(1000);
    expect(new TextDecoder().decode(full.outputFiles![0].contents)).toContain('PriorRequestNotComplete');
  });
});

describe('the updater queue\'s concurrency (deploy-time review)', () => {
  test('one message group per record could run an invocation per record: the event source mapping caps it at 3', () => {
    const stack = new Stack(unitTestApp(), 'Capped', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
    const group = new autoscaling.AutoScalingGroup(stack, 'Asg', { vpc, instanceType: new ec2.InstanceType('t3.micro'), machineImage: ec2.MachineImage.latestAmazonLinux2023(), vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } });
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1D633PJN98FT9', zoneName: 'example.com' });
    new AsgDnsRecord(stack, 'Dns', { autoScalingGroup: group, hostedZone, recordName: 'a.example.com' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 3 }, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });
});

// Enums replaced string-literal unions for jsii: their values are the old literals, so tags and templates do not change.
describe('DNS enums keep the values of the string literals they replaced', () => {
  test('DnsAddressType and WhenEmpty', () => {
    expect(Object.entries(DnsAddressType)).toEqual([['PUBLIC_IPV4', 'publicIpv4'], ['PRIVATE_IPV4', 'privateIpv4'], ['IPV6', 'ipv6']]);
    expect(Object.entries(WhenEmpty)).toEqual([['KEEP', 'keep'], ['DELETE', 'delete']]);
  });
});
