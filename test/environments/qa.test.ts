import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { NamedVolumeStorage } from '../../lib/compose/plan';
import { qaStackName, QaStack, QaStackProps, tagValue } from '../../lib/environments/qa';
import { unitTestApp } from '../support/app';

const env = { account: '111111111111', region: 'eu-west-1' };
const base: QaStackProps = { env, allowedCidrs: ['198.51.100.0/24'], domain: 'qa.example.internal' };
const VOLUME_COMPOSE = path.join(os.tmpdir(), `qa-named-volume-${process.pid}.compose.yml`);

/** Every resource of the stack and its nested stacks. */
function resourcesOf(stack: Stack): Record<string, any> {
  const dir = (stack.node.root as App).synth().directory;
  return Object.assign({}, ...fs.readdirSync(dir).filter((f) => f.endsWith('.template.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).Resources ?? {}));
}

describe('QaStack cleans up after itself (issue 10 item 8b)', () => {
  beforeAll(() => {
    fs.writeFileSync(VOLUME_COMPOSE, 'services:\n  db:\n    image: postgres:16\n    volumes: ["data:/var/lib/postgresql/data"]\nvolumes:\n  data: {}\n');
  });
  afterAll(() => fs.rmSync(VOLUME_COMPOSE, { force: true }));

  test('retains nothing: log groups, the access-log bucket and the EFS file system are deleted with the stack', () => {
    const stack = new QaStack(unitTestApp(), 'Qa', { ...base, composeFile: VOLUME_COMPOSE, namedVolumes: NamedVolumeStorage.EFS });
    const resources = resourcesOf(stack);
    const kept = Object.entries(resources).filter(([, r]) => r.DeletionPolicy && r.DeletionPolicy !== 'Delete').map(([id, r]) => `${id} ${r.Type}`);
    expect(kept).toEqual([]);
    expect(Object.values(resources).some((r) => r.Type === 'AWS::EFS::FileSystem')).toBe(true);
  });

  test('empties the access-log bucket before deleting it, after every load balancer is gone', () => {
    const stack = new QaStack(unitTestApp(), 'Qa', base);
    const t = Template.fromStack(stack);
    const [bucket] = Object.keys(t.findResources('AWS::S3::Bucket'));
    t.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: bucket } });
    const [autoDelete] = Object.keys(t.findResources('Custom::S3AutoDeleteObjects'));
    const lb = Object.values(t.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0];
    // The load balancer depends on the emptying: it is deleted first, so no log lands in an emptied bucket.
    expect(lb.DependsOn).toEqual(expect.arrayContaining([bucket, autoDelete]));
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.bucket', Value: { Ref: bucket } }]),
    });
  });

  test('cleanUpOnDelete: false keeps them, as production does', () => {
    const stack = new QaStack(unitTestApp(), 'Qa', { ...base, cleanUpOnDelete: false });
    const kept = Object.values(resourcesOf(stack)).filter((r) => r.DeletionPolicy === 'Retain').map((r) => r.Type);
    expect(kept).toEqual(expect.arrayContaining(['AWS::S3::Bucket', 'AWS::Logs::LogGroup']));
  });
});

describe('branch names (issue 10 item 8c)', () => {
  test('a branch with characters tag values reject is tagged with a valid value; the output keeps it as written', () => {
    const stack = new QaStack(unitTestApp(), qaStackName('fix#12(!)'), { ...base, branch: 'fix#12(!)' });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECS::Cluster', { Tags: Match.arrayWith([{ Key: 'qa-branch', Value: 'fix_12___' }]) });
    t.hasOutput('Branch', { Value: 'fix#12(!)' });
  });

  test.each([
    ['feature/x', 'feature/x'],
    ['release (2)!', 'release _2__'],
    ['ü/é: a=b+c@d', 'ü/é: a=b+c@d'],
  ])('tagValue(%j) is %j', (branch, value) => {
    expect(tagValue(branch)).toBe(value);
  });

  test('QaStack.stackNameFor (every CDK language) is qaStackName, refusal included', () => {
    for (const branch of [undefined, 'feature-x', 'feature/x', 'fix#12(!)']) expect(QaStack.stackNameFor(branch)).toBe(qaStackName(branch));
    expect(QaStack.stackNameFor('feature/x')).toBe('Qa-feature-x-217d2bf51f16e9dc');
    expect(QaStack.stackNameFor()).toBe('Qa');
    expect(() => QaStack.stackNameFor('\u00a0')).toThrow(/is empty or only white space/);
  });

  test('feature/x and feature-x get different stacks', () => {
    expect(qaStackName('feature/x')).not.toBe(qaStackName('feature-x'));
    expect(qaStackName('feature-x')).toBe('Qa-feature-x');
    expect(qaStackName('feature/x')).toBe('Qa-feature-x-217d2bf51f16e9dc');
  });

  test('the branch hash is 64 bits: the git-valid branch that collided with feature/x on 32 bits (issue 19) gets its own stack', () => {
    // Found in a few CPU-minutes against the 8-hex-character suffix: both were Qa-feature-x-217d2bf5.
    const attacker = "feature/x##!>%&'>";
    expect(qaStackName(attacker)).toBe('Qa-feature-x-217d2bf5ba0d466a');
    expect(qaStackName(attacker)).not.toBe(qaStackName('feature/x'));
    expect(qaStackName(attacker).slice(0, -8)).toBe(qaStackName('feature/x').slice(0, -8));
  });

  test('a branch that already ends like a hashed name gets a hash of its own; one ending like the old 8-character hash stays as written', () => {
    expect(qaStackName('a-0123456789abcdef')).toMatch(/^Qa-a-0123456789abcdef-[0-9a-f]{16}$/);
    expect(qaStackName('fix-deadbeef')).toBe('Qa-fix-deadbeef');
  });

  test('a branch name of any length fits CloudFormation\'s 128 characters, with the full hash', () => {
    fc.assert(fc.property(fc.string({ minLength: 100, maxLength: 400 }), (branch) => {
      fc.pre(branch.trim() !== '');
      const name = qaStackName(branch);
      expect(name.length).toBeLessThanOrEqual(128);
      if (name !== `Qa-${branch}`) expect(name).toMatch(/-[0-9a-f]{16}$/);
    }), { numRuns: 200 });
  });

  test('a branch that looks like a hashed name gets its own hash, so no two branches share a stack', () => {
    const hashed = qaStackName('feature/x');
    expect(qaStackName(hashed.slice(3))).not.toBe(hashed);
  });

  test('any two different branches map to different, valid stack names', () => {
    fc.assert(fc.property(fc.string({ maxLength: 140 }), fc.string({ maxLength: 140 }), (a, b) => {
      fc.pre(a.trim() !== '' && b.trim() !== '' && a !== b);
      const [x, y] = [qaStackName(a), qaStackName(b)];
      expect(x).toMatch(/^Qa(-[A-Za-z0-9-]*[A-Za-z0-9])?$/);
      // Either the branch as written or a hashed name, never something in between.
      expect(x === `Qa-${a}` || /-[0-9a-f]{16}$/.test(x)).toBe(true);
      expect(x.length).toBeLessThanOrEqual(128);
      expect(x).not.toBe(y);
    }), { numRuns: 500 });
    // Branches that differ only in the characters a stack name cannot hold.
    const variants = ['a/b', 'a-b', 'a_b', 'a.b', 'a--b', 'a b', 'a#b', 'feature/x', "feature/x##!>%&'>", qaStackName('feature/x').slice(3)];
    expect(new Set(variants.map(qaStackName)).size).toBe(variants.length);
  });
});

describe('QaStack observability and working hours (issue 20)', () => {
  test('every alarm of the environment, the DNS updater\'s included, notifies the one alarm topic; a dashboard shows it', () => {
    const template = Template.fromStack(new QaStack(unitTestApp(), 'Qa', base));
    const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    const alarms = Object.entries<any>(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.map(([id]) => id)).toContainEqual(expect.stringMatching(/^AsgDnsUpdaterErrorAlarm/));
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topics[0] }]);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'))).toContain('DNS updater: dead-letter queues');
  });

  test('dashboard: false makes none; without workingHours nothing is scheduled', () => {
    const template = Template.fromStack(new QaStack(unitTestApp(), 'Qa', { ...base, dashboard: false }));
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    template.resourceCountIs('AWS::AutoScaling::ScheduledAction', 0);
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
  });

  test('workingHours: each compose service and the instances scale to nothing outside them', () => {
    const template = Template.fromStack(new QaStack(unitTestApp(), 'Qa', { ...base, minCapacity: 1, workingHours: { start: 8, end: 18, timeZone: 'Europe/London' } }));
    const targets = Object.values<any>(template.findResources('AWS::ApplicationAutoScaling::ScalableTarget'));
    expect(targets).toHaveLength(Object.keys(template.findResources('AWS::ECS::Service')).length);
    for (const t of targets) {
      expect(t.Properties.ScheduledActions.map((a: any) => [a.Schedule, a.ScalableTargetAction.MaxCapacity === 0])).toEqual([['cron(30 7 ? * MON-FRI *)', false], ['cron(0 18 ? * MON-FRI *)', true]]);
    }
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', { Recurrence: '0 18 * * 1-5', MinSize: 0, DesiredCapacity: 0, TimeZone: 'Europe/London' });
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', { Recurrence: '30 7 * * 1-5', MinSize: 1, TimeZone: 'Europe/London' });
    expect(() => new QaStack(unitTestApp(), 'Qa', { ...base, workingHours: { start: 0, end: 18 } })).toThrow(/workingHours.start 0 is not an hour from 1 to 23/);
  });
});
