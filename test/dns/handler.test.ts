import { fakeHttp } from '../support/fake-http';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import {
  AutoScalingClient, CompleteLifecycleActionCommand, DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand, GetChangeCommand, GetHostedZoneCommand, InvalidChangeBatch, ListResourceRecordSetsCommand,
  NoSuchHostedZone, Route53Client,
} from '@aws-sdk/client-route-53';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, resetClients, retryStrategy } from '../../lambda/asg-dns-updater/index';
import { DNS_LIFECYCLE_HOOK_NAME } from '../../lib/dns/contract';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'aws-events');
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));

const asg = mockClient(AutoScalingClient);
const ec2 = mockClient(EC2Client);
const r53 = mockClient(Route53Client);
const calls: string[] = [];

/** One instance of the simulated account. `ec2`: how EC2 reports it (default running; absent: not returned at all). */
interface Inst { id: string; state?: string; public?: string; private?: string; ipv6?: string; ec2?: 'absent' | 'stopped' }
/** `owner`: the group's DomainMetaOwner tag (default: this updater's, 'qa-a'); null: no owner tag. */
interface Group { name: string; tag?: string; options?: string; status?: string; owner?: string | null; instances: Inst[] }
interface Rrset { Name: string; Type: string; TTL?: number; ResourceRecords?: Array<{ Value: string }>; AliasTarget?: any }

const ZONE = 'Z0123456789ABCDEFGHIJ';
const OWNER = 'qa-a';
const I1 = 'i-1234567890abcdef0'; // the instance the fixtures name
const I2 = 'i-0aaaaaaaaaaaaaaa2';
const I3 = 'i-0bbbbbbbbbbbbbbb3';

/**
 * Wires the mocks to a simulated state, with response shapes as the API references document them. Groups without an
 * explicit `owner` are this updater's own: their names are in its configuration, as the construct sets it.
 */
function world(groups: Group[], records: Rrset[] = [], privateZone = false) {
  process.env.DNS_UPDATER_GROUPS = groups.filter((g) => g.owner === undefined).map((g) => g.name).join(',');
  asg.on(DescribeAutoScalingGroupsCommand).callsFake(() => {
    calls.push('DescribeAutoScalingGroups');
    return {
      AutoScalingGroups: groups.filter((g) => g.tag !== undefined).map((g) => ({
        AutoScalingGroupName: g.name,
        AutoScalingGroupARN: `arn:aws:autoscaling:us-west-2:123456789012:autoScalingGroup:12345678-1234-1234-1234-123456789012:autoScalingGroupName/${g.name}`,
        MinSize: 0, MaxSize: 10, DesiredCapacity: g.instances.length, DefaultCooldown: 300,
        AvailabilityZones: ['us-west-2a'], HealthCheckType: 'EC2', CreatedTime: new Date('2026-01-01T00:00:00Z'),
        Status: g.status,
        Instances: g.instances.map((i) => ({
          InstanceId: i.id, InstanceType: 't3.micro', AvailabilityZone: 'us-west-2a', LifecycleState: i.state ?? 'InService',
          HealthStatus: 'Healthy', ProtectedFromScaleIn: false,
        })),
        Tags: [
          { ResourceId: g.name, ResourceType: 'auto-scaling-group', Key: 'DomainMeta', Value: g.tag, PropagateAtLaunch: false },
          ...(g.options ? [{ ResourceId: g.name, ResourceType: 'auto-scaling-group', Key: 'DomainMetaOptions', Value: g.options, PropagateAtLaunch: false }] : []),
          ...(g.owner === null ? [] : [{ ResourceId: g.name, ResourceType: 'auto-scaling-group', Key: 'DomainMetaOwner', Value: g.owner ?? OWNER, PropagateAtLaunch: false }]),
        ],
      })),
    };
  });
  ec2.on(DescribeInstancesCommand).callsFake((input: any) => {
    calls.push('DescribeInstances');
    const names: string[] = input.Filters.find((f: any) => f.Name === 'tag:aws:autoscaling:groupName').Values;
    const insts = groups.filter((g) => names.includes(g.name)).flatMap((g) => g.instances).filter((i) => i.ec2 !== 'absent');
    return {
      Reservations: insts.map((i) => ({
        ReservationId: 'r-1234567890abcdef0', OwnerId: '123456789012',
        Instances: [{
          InstanceId: i.id, State: i.ec2 === 'stopped' ? { Code: 80, Name: 'stopped' } : { Code: 16, Name: 'running' }, PublicIpAddress: i.public, PrivateIpAddress: i.private,
          NetworkInterfaces: [{ Attachment: { DeviceIndex: 0 }, Ipv6Addresses: i.ipv6 ? [{ Ipv6Address: i.ipv6, IsPrimaryIpv6: false }] : [] }],
        }],
      })),
    };
  });
  r53.on(GetHostedZoneCommand).callsFake(() => {
    calls.push('GetHostedZone');
    return { HostedZone: { Id: `/hostedzone/${ZONE}`, Name: 'example.com.', CallerReference: 'ref', Config: { PrivateZone: privateZone }, ResourceRecordSetCount: 3 } };
  });
  r53.on(ListResourceRecordSetsCommand).callsFake((input: any) => {
    calls.push('ListResourceRecordSets');
    const sorted = [...records].sort((a, b) => (rev(a.Name) < rev(b.Name) ? -1 : rev(a.Name) > rev(b.Name) ? 1 : a.Type < b.Type ? -1 : 1));
    const start = sorted.findIndex((r) => rev(r.Name) > rev(input.StartRecordName) || (rev(r.Name) === rev(input.StartRecordName) && (!input.StartRecordType || r.Type >= input.StartRecordType)));
    const page = start < 0 ? [] : sorted.slice(start, start + input.MaxItems);
    const next = start < 0 ? undefined : sorted[start + input.MaxItems];
    return { ResourceRecordSets: page, IsTruncated: Boolean(next), NextRecordName: next?.Name, NextRecordType: next?.Type, MaxItems: input.MaxItems };
  });
  r53.on(ChangeResourceRecordSetsCommand).callsFake((input: any) => {
    calls.push('ChangeResourceRecordSets');
    for (const c of input.ChangeBatch.Changes) {
      const rr = c.ResourceRecordSet;
      const at = records.findIndex((r) => r.Name === `${rr.Name}.` && r.Type === rr.Type);
      if (c.Action === 'DELETE') records.splice(at, 1);
      else if (at >= 0) records[at] = { ...rr, Name: `${rr.Name}.` };
      else records.push({ ...rr, Name: `${rr.Name}.` });
    }
    return { ChangeInfo: { Id: '/change/C2682N5HXP0BZ4', Status: 'PENDING', SubmittedAt: new Date() } };
  });
  r53.on(GetChangeCommand).callsFake(() => {
    calls.push('GetChange');
    return { ChangeInfo: { Id: '/change/C2682N5HXP0BZ4', Status: 'INSYNC', SubmittedAt: new Date() } };
  });
  asg.on(CompleteLifecycleActionCommand).callsFake(() => { calls.push('CompleteLifecycleAction'); return {}; });
  return records;
}

/** Route 53 orders names with their labels reversed. */
function rev(name: string): string {
  return name.toLowerCase().replace(/\.$/, '').split('.').reverse().join('.');
}

function written(): any[] {
  return r53.commandCalls(ChangeResourceRecordSetsCommand).flatMap((c) => c.args[0].input.ChangeBatch!.Changes!);
}

const values = (records: Rrset[], name: string, type = 'A') =>
  records.find((r) => r.Name === name && r.Type === type)?.ResourceRecords?.map((v) => v.Value).sort();

const event = (name: string, changes: Record<string, unknown> = {}) => {
  const e = fixture(name);
  e.detail = { ...e.detail, ...changes };
  return e;
};
const terminateHook = (instanceId = I1) => event('eventbridge-terminate-lifecycle-action.json', { LifecycleHookName: DNS_LIFECYCLE_HOOK_NAME, EC2InstanceId: instanceId });

beforeAll(() => {
  process.env.AWS_REGION = 'us-west-2';
  process.env.DNS_UPDATER_OWNER = OWNER;
  process.env.DNS_UPDATER_POLL_MS = '0';
});
beforeEach(() => {
  asg.reset(); ec2.reset(); r53.reset();
  calls.length = 0;
  resetClients();
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

const tag = `${ZONE}:app.example.com`;

describe('launch', () => {
  test('an EventBridge launch writes every InService address of the group, read from the truth, in one write', async () => {
    const records = world([{ name: 'my-asg', tag, instances: [
      { id: I1, public: '203.0.113.1' }, { id: I2, public: '203.0.113.2' }, { id: I3, public: '203.0.113.3', state: 'Pending' },
    ] }]);
    await handler(fixture('eventbridge-launch-successful.json'));
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1', '203.0.113.2']);
    expect(calls).toEqual(['DescribeAutoScalingGroups', 'GetHostedZone', 'DescribeInstances', 'ListResourceRecordSets', 'ChangeResourceRecordSets']);
    expect(written()[0].ResourceRecordSet).toMatchObject({ Name: 'app.example.com', Type: 'A', TTL: 60 });
  });

  test('the same launch through an SNS notification does the same', async () => {
    const records = world([{ name: 'my-asg', tag: `/hostedzone/${ZONE.toLowerCase()}:App.Example.com.`, instances: [{ id: I1, public: '203.0.113.1' }] }]);
    await handler(fixture('sns-launch-notification.json'));
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1']);
  });

  test('nothing is written when the record already holds exactly those values', async () => {
    world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }, { id: I2, public: '203.0.113.2' }] }],
      [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.2' }, { Value: '203.0.113.1' }] }]);
    await handler(fixture('eventbridge-launch-successful.json'));
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  test('an instance without a public address is left out, not written as garbage', async () => {
    const records = world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }, { id: I2, private: '10.0.0.2' }] }]);
    await handler(fixture('eventbridge-launch-successful.json'));
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1']);
  });

  test('private hosted zones get private addresses; ipv6 makes an AAAA record and leaves the A record alone', async () => {
    let records = world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1', private: '10.0.0.1' }] }], [], true);
    await handler(fixture('eventbridge-launch-successful.json'));
    expect(values(records, 'app.example.com.')).toEqual(['10.0.0.1']);

    r53.reset(); asg.reset(); ec2.reset(); calls.length = 0;
    records = world([{ name: 'my-asg', tag, options: 'address=ipv6', instances: [{ id: I1, public: '203.0.113.1', ipv6: '2001:db8::1' }] }],
      [{ Name: 'app.example.com.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.99' }] }]);
    await handler(fixture('eventbridge-launch-successful.json'));
    expect(values(records, 'app.example.com.', 'AAAA')).toEqual(['2001:db8::1']);
    expect(values(records, 'app.example.com.', 'A')).toEqual(['192.0.2.99']);
    expect(calls).not.toContain('GetHostedZone');
  });

  test('blue/green: groups tagged with the same record share it', async () => {
    const records = world([
      { name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] },
      { name: 'my-asg-green', tag: `${ZONE}:APP.example.com.`, instances: [{ id: I2, public: '203.0.113.2' }] },
      { name: 'other', tag: `${ZONE}:other.example.com`, instances: [{ id: I3, public: '203.0.113.3' }] },
    ]);
    await handler(fixture('eventbridge-launch-successful.json'));
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1', '203.0.113.2']);
    expect(values(records, 'other.example.com.')).toBeUndefined();
  });

  test('per-instance records beside the shared one', async () => {
    const records = world([{ name: 'my-asg', tag, options: 'perInstance=true', instances: [{ id: I1, public: '203.0.113.1' }, { id: I2, public: '203.0.113.2' }] }],
      [{ Name: 'db.app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.5' }] },
        // Sorts between app and its children when Route 53 compares reversed names as strings ('-' < '.').
        { Name: 'app-2.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.6' }] },
        { Name: 'i-0123456789abcdef0.app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.7' }] }]);
    await handler(fixture('eventbridge-launch-successful.json'));
    expect(values(records, 'i-0123456789abcdef0.app.example.com.')).toBeUndefined();
    expect(values(records, 'app-2.example.com.')).toEqual(['192.0.2.6']);
    expect(values(records, `${I1}.app.example.com.`)).toEqual(['203.0.113.1']);
    expect(values(records, `${I2}.app.example.com.`)).toEqual(['203.0.113.2']);
    expect(values(records, 'db.app.example.com.')).toEqual(['192.0.2.5']);
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(1);
  });
});

describe('terminate', () => {
  test('drain before terminate: the instance leaves DNS, the change is in sync, then the action completes with the token (CONTINUE)', async () => {
    const records = world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1', state: 'Terminating:Wait' }, { id: I2, public: '203.0.113.2' }] }],
      [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }, { Value: '203.0.113.2' }] }]);
    const result = await handler(terminateHook());
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.2']);
    expect(calls.slice(-3)).toEqual(['ChangeResourceRecordSets', 'GetChange', 'CompleteLifecycleAction']);
    expect(asg.commandCalls(CompleteLifecycleActionCommand)[0].args[0].input).toEqual({
      AutoScalingGroupName: 'my-asg', LifecycleHookName: DNS_LIFECYCLE_HOOK_NAME, LifecycleActionToken: '87654321-4321-4321-4321-210987654321',
      InstanceId: I1, LifecycleActionResult: 'CONTINUE',
    });
    expect(result).toMatchObject({ completedLifecycleActions: [I1] });
  });

  test('the instance named by a terminate event is removed even while the group still lists it InService', async () => {
    const records = world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }, { id: I2, public: '203.0.113.2' }] }]);
    await handler(fixture('eventbridge-terminate-successful.json'));
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.2']);
  });

  test("another hook's action (e.g. ECS managed draining) is never completed by the updater", async () => {
    world([{ name: 'my-asg', tag, instances: [{ id: I2, public: '203.0.113.2' }] }]);
    await handler(fixture('eventbridge-terminate-lifecycle-action.json'));
    expect(asg.commandCalls(CompleteLifecycleActionCommand)).toHaveLength(0);
  });

  test('the last instance leaving keeps the last values by default (no record with zero values)', async () => {
    const records = world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1', state: 'Terminating:Wait' }] }],
      [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] }]);
    await handler(terminateHook());
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1']);
    expect(asg.commandCalls(CompleteLifecycleActionCommand)).toHaveLength(1);
  });

  test('whenEmpty=delete deletes it with its exact current TTL and values', async () => {
    const records = world([{ name: 'my-asg', tag, options: 'whenEmpty=delete', instances: [{ id: I1, public: '203.0.113.1', state: 'Terminating:Wait' }] }],
      [{ Name: 'app.example.com.', Type: 'A', TTL: 10, ResourceRecords: [{ Value: '203.0.113.1' }] },
        { Name: 'app.example.com.', Type: 'TXT', TTL: 10, ResourceRecords: [{ Value: '"owner"' }] }]);
    await handler(terminateHook());
    expect(written()).toEqual([{ Action: 'DELETE', ResourceRecordSet: { Name: 'app.example.com', Type: 'A', TTL: 10, ResourceRecords: [{ Value: '203.0.113.1' }] } }]);
    expect(records.map((r) => r.Type)).toEqual(['TXT']);
  });

  test('a duplicate lifecycle event (action already completed) is not a failure', async () => {
    world([{ name: 'my-asg', tag, instances: [{ id: I2, public: '203.0.113.2' }] }]);
    asg.on(CompleteLifecycleActionCommand).rejects(Object.assign(new Error('No active Lifecycle Action found with instance ID i-1234567890abcdef0'), { name: 'ValidationError' }));
    await expect(handler(terminateHook())).resolves.toMatchObject({ completedLifecycleActions: [] });
  });
});

describe('what changes nothing', () => {
  test('autoscaling:TEST_NOTIFICATION and unknown events make no AWS call and do not fail', async () => {
    world([]);
    await expect(handler(fixture('sns-test-notification.json'))).resolves.toMatchObject({ ignored: ['autoscaling:TEST_NOTIFICATION'] });
    await expect(handler({ source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: {} })).resolves.toBeDefined();
    expect(calls).toEqual([]);
  });

  test('a group without the tag, or with a malformed one, writes nothing and says why', async () => {
    world([{ name: 'my-asg', tag: 'app.example.com', instances: [{ id: I1, public: '203.0.113.1' }] }]);
    await handler(fixture('eventbridge-launch-successful.json'));
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect((console.log as jest.Mock).mock.calls.flat().join('\n')).toMatch(/my-asg: DomainMeta 'app.example.com' is not <HostedZoneId>:<RecordName>/);

    calls.length = 0;
    world([]);
    await handler(fixture('eventbridge-launch-successful.json'));
    expect(calls).toEqual(['DescribeAutoScalingGroups']);
  });

  test('a record that is an alias is not ours: the invocation fails and it stays as it was', async () => {
    world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }],
      [{ Name: 'app.example.com.', Type: 'A', AliasTarget: { HostedZoneId: 'Z2', DNSName: 'lb.example.com.', EvaluateTargetHealth: false } }]);
    await expect(handler(fixture('eventbridge-launch-successful.json'))).rejects.toThrow(/alias/);
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  test('more instances than one record holds: a clear error, and the record holds 400 of them', async () => {
    const many = Array.from({ length: 401 }, (_, i) => ({ id: `i-${String(i).padStart(17, '0')}`, private: `10.0.${i >> 8}.${i & 255}` }));
    const records = world([{ name: 'my-asg', tag, options: 'address=private', instances: many }]);
    await expect(handler(fixture('eventbridge-launch-successful.json'))).rejects.toThrow(/401 instances .* 400 values Route 53 allows/);
    expect(values(records, 'app.example.com.')).toHaveLength(400);
  });

  test('above 400 instances, a departing instance still leaves the record and its drain completes after the write (issue 22, item 7)', async () => {
    const addr = (i: number) => `10.0.${i >> 8}.${i & 255}`;
    const many = Array.from({ length: 402 }, (_, i) => ({ id: `i-${String(i).padStart(17, '0')}`, private: addr(i) }));
    many[0] = { ...many[0], id: I1, state: 'Terminating:Wait' } as any;
    const records = world([{ name: 'my-asg', tag, options: 'address=private', instances: many }],
      [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: many.slice(0, 400).map((i) => ({ Value: i.private! })) }]);
    await expect(handler(terminateHook())).rejects.toThrow(/401 instances .* 400 values/);
    expect(values(records, 'app.example.com.')).toHaveLength(400);
    expect(values(records, 'app.example.com.')).not.toContain(addr(0));
    expect(calls.slice(-3)).toEqual(['ChangeResourceRecordSets', 'GetChange', 'CompleteLifecycleAction']);
  });
});

describe('failures', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });

  test('a read that fails for good (after the SDK retries) fails the invocation and DNS is untouched', async () => {
    world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }]);
    ec2.on(DescribeInstancesCommand).rejects(throttled());
    await expect(handler(fixture('eventbridge-launch-successful.json'))).rejects.toThrow('Rate exceeded');
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  test.each(['keep', 'delete'])('an in-service instance EC2 does not return yet never shrinks the record, and is no failure (whenEmpty=%s)', async (whenEmpty) => {
    const records = world([{ name: 'my-asg', tag, options: `whenEmpty=${whenEmpty}`, instances: [{ id: I1, public: '203.0.113.1' }, { id: I2, public: '203.0.113.2' }] }],
      [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }, { Value: '203.0.113.2' }] }]);
    // EC2 lags behind Auto Scaling: DescribeInstances answers without the second instance (eventual consistency).
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: I1, State: { Code: 16, Name: 'running' }, PublicIpAddress: '203.0.113.1' }] }] });
    await expect(handler(fixture('eventbridge-launch-successful.json'))).resolves.toMatchObject({ records: [{ errors: [] }] });
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1', '203.0.113.2']);
    expect((console.log as jest.Mock).mock.calls.flat().join('\n')).toMatch(/i-0aaaaaaaaaaaaaaa2 in service but not returned running by EC2/);
  });

  test('a group sharing the record with an unreadable options tag blocks the write instead of dropping out', async () => {
    const records = world([
      { name: 'blue', tag, instances: [{ id: I1, public: '203.0.113.1' }] },
      { name: 'green', tag, options: 'ttl=soon', instances: [{ id: I2, public: '203.0.113.2' }] },
    ], [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }, { Value: '203.0.113.2' }] }]);
    await expect(handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })).rejects.toThrow(/green.*DomainMetaOptions cannot be read/);
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1', '203.0.113.2']);
  });

  test('a partial page: page 2 of the groups fails, nothing is written', async () => {
    world([]);
    asg.on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce({ AutoScalingGroups: [{ AutoScalingGroupName: 'my-asg', MinSize: 0, MaxSize: 1, DesiredCapacity: 0, DefaultCooldown: 300, AvailabilityZones: [], HealthCheckType: 'EC2', CreatedTime: new Date(), Instances: [], Tags: [{ Key: 'DomainMeta', Value: tag }] }], NextToken: 'page2' })
      .rejectsOnce(throttled());
    await expect(handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })).rejects.toThrow('Rate exceeded');
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(r53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(0);
  });

  test('a failed DNS write fails the invocation and the lifecycle action is not completed (the hook times out to CONTINUE)', async () => {
    world([{ name: 'my-asg', tag, instances: [{ id: I2, public: '203.0.113.2' }] }]);
    r53.on(ChangeResourceRecordSetsCommand).rejects(Object.assign(new Error('The request was rejected because Route 53 was still processing a prior request.'), { name: 'PriorRequestNotComplete' }));
    await expect(handler(terminateHook())).rejects.toThrow(/prior request/);
    expect(asg.commandCalls(CompleteLifecycleActionCommand)).toHaveLength(0);
  });

  test('concurrent events each recompute from the truth, so the record ends equal to the in-service set', async () => {
    const groups: Group[] = [{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }, { id: I2, public: '203.0.113.2', state: 'Terminating:Wait' }] }];
    const records = world(groups, [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.2' }] }]);
    await Promise.all([
      handler(fixture('eventbridge-launch-successful.json')),
      handler(terminateHook(I2)),
      handler(fixture('sns-launch-notification.json')),
    ]);
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1']);
    for (const c of written()) expect(c.ResourceRecordSet.ResourceRecords).toEqual([{ Value: '203.0.113.1' }]);
  });
});

describe('reconcile and cleanup', () => {
  test('the schedule re-syncs every tagged group', async () => {
    const records = world([
      { name: 'a', tag, instances: [{ id: I1, public: '203.0.113.1' }] },
      { name: 'b', tag: `${ZONE}:b.example.com`, instances: [{ id: I2, public: '203.0.113.2' }] },
    ]);
    await handler({ version: '0', source: 'aws.events', 'detail-type': 'Scheduled Event', resources: [], detail: {} });
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1']);
    expect(values(records, 'b.example.com.')).toEqual(['203.0.113.2']);
  });

  test('when every group of a record is being deleted, its managed records are deleted (group-deleted path)', async () => {
    const records = world([{ name: 'my-asg', tag, options: 'perInstance=true', status: 'Delete in progress', instances: [{ id: I1, public: '203.0.113.1', state: 'Terminating' }] }],
      [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] },
        { Name: `${I1}.app.example.com.`, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] },
        { Name: 'www.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] }]);
    await handler(fixture('eventbridge-terminate-successful.json'));
    expect(records.map((r) => r.Name)).toEqual(['www.example.com.']);
  });

  describe('custom resource', () => {
    const fetchMock = jest.fn();
    beforeEach(() => {
      fetchMock.mockReset().mockResolvedValue({ ok: true, status: 200 });
      (global as any).fetch = fetchMock;
    });
    const cfn = (RequestType: string, group = 'my-asg') => ({
      RequestType, ResponseURL: 'https://cloudformation-custom-resource-response-uswest2.s3.amazonaws.com/x', StackId: 'arn:aws:cloudformation:us-west-2:123456789012:stack/s/1',
      RequestId: 'req', LogicalResourceId: 'DnsCleanup', ResourceType: 'Custom::AsgDnsRecord', PhysicalResourceId: `${ZONE}:app.example.com:${group}`,
      ResourceProperties: { ServiceToken: 'arn', AutoScalingGroupName: group, DomainMeta: tag, DomainMetaOptions: 'ttl=60,address=public,whenEmpty=keep' },
    });

    test('Delete removes the records when no other group shares them, and answers SUCCESS', async () => {
      const records = world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }],
        [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] }]);
      await handler(cfn('Delete'));
      expect(records).toEqual([]);
      const [url, init] = fetchMock.mock.calls[0];
      expect(url).toMatch(/^https:\/\/cloudformation-custom-resource-response/);
      expect(JSON.parse(init.body)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${ZONE}:app.example.com:my-asg`, RequestId: 'req' });
    });

    test('Delete of one of two groups sharing a record shrinks it to the other group', async () => {
      const records = world([
        { name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] },
        { name: 'green', tag, instances: [{ id: I2, public: '203.0.113.2' }] },
      ], [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }, { Value: '203.0.113.2' }] }]);
      await handler(cfn('Delete'));
      expect(values(records, 'app.example.com.')).toEqual(['203.0.113.2']);
    });

    test('a failed Delete answers FAILED; a failed Create still answers SUCCESS (the schedule repairs it)', async () => {
      world([{ name: 'my-asg', tag, instances: [] }], [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] }]);
      r53.on(ChangeResourceRecordSetsCommand).rejects(new Error('boom'));
      await handler(cfn('Delete'));
      expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/boom/) });
      world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }]);
      r53.on(ChangeResourceRecordSetsCommand).rejects(new Error('boom'));
      await handler(cfn('Create'));
      expect(JSON.parse(fetchMock.mock.calls[1][1].body)).toMatchObject({ Status: 'SUCCESS' });
    });
  });
});

describe("the SDK's retry strategy", () => {
  /** A fake HTTP layer under a real Route53Client: Route 53's documented XML error bodies, then success. */
  const fakeRoute53 = (errors: string[]) => fakeHttp(errors, {
    contentType: 'text/xml',
    errorBody: (code) => `<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
    okBody: '<?xml version="1.0"?>\n<ChangeResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeInfo><Id>/change/C1</Id><Status>PENDING</Status><SubmittedAt>2026-01-01T00:00:00.000Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>',
  });
  const change = new ChangeResourceRecordSetsCommand({
    HostedZoneId: ZONE, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'app.example.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] } }] },
  });
  const client = (h: any) => new Route53Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }, retryStrategy: retryStrategy(1), requestHandler: h });

  test('retries Throttling and PriorRequestNotComplete with backoff, then succeeds', async () => {
    r53.restore();
    try {
      const fake = fakeRoute53(['Throttling', 'PriorRequestNotComplete', 'Throttling']);
      const out = await client(fake.handler).send(change);
      expect(out.ChangeInfo?.Id).toBe('/change/C1');
      expect(fake.attempts()).toBe(4);
    } finally {
      mockClient(Route53Client);
    }
  });

  test('gives up after 8 attempts with the service error, which then fails the invocation', async () => {
    r53.restore();
    try {
      const fake = fakeRoute53(Array(20).fill('Throttling'));
      await expect(client(fake.handler).send(change)).rejects.toMatchObject({ name: 'Throttling' });
      expect(fake.attempts()).toBe(8);
    } finally {
      mockClient(Route53Client);
    }
  });
});

describe('two environments in one account (issue 10, item 5)', () => {
  const ZONE_B = 'Z0BBBBBBBBBBBBBBBBBBB';
  const accessDenied = (action: string, zone: string) => Object.assign(
    new Error(`User: arn:aws:sts::123456789012:assumed-role/qa-a-updater/fn is not authorized to perform: ${action} on resource: arn:aws:route53:::hostedzone/${zone}`),
    { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } },
  );
  const schedule = { version: '0', source: 'aws.events', 'detail-type': 'Scheduled Event', resources: [], detail: {} };

  test("an updater sharing the account with another environment's updater keeps its own record right when the other zone is AccessDenied", async () => {
    const records = world([
      // Sorts first, as in the report: another branch's group in a zone this updater may not read.
      { name: 'a-qa-b-web', tag: `${ZONE_B}:app.qa-b.example.org`, owner: 'qa-b', instances: [{ id: I2, public: '198.51.100.2' }] },
      { name: 'qa-a-web', tag, instances: [{ id: I1, public: '203.0.113.1' }] },
    ]);
    r53.on(ListResourceRecordSetsCommand, { HostedZoneId: ZONE_B }).rejects(accessDenied('route53:ListResourceRecordSets', ZONE_B));
    r53.on(ChangeResourceRecordSetsCommand, { HostedZoneId: ZONE_B }).rejects(accessDenied('route53:ChangeResourceRecordSets', ZONE_B));
    await expect(handler(schedule)).resolves.toMatchObject({ records: [{ record: `${ZONE}:app.example.com`, errors: [] }] });
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1']);
    expect(r53.commandCalls(ListResourceRecordSetsCommand).map((c) => c.args[0].input.HostedZoneId)).toEqual([ZONE]);
    // Its events are not ours either: nothing is read or written for the other group.
    r53.resetHistory();
    await handler(event('eventbridge-launch-successful.json', { AutoScalingGroupName: 'a-qa-b-web' }));
    expect(r53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(0);
    expect((console.log as jest.Mock).mock.calls.flat().join('\n')).toMatch(/a-qa-b-web: not this updater's group/);
  });

  test('a failure on one record never stops the others; the error names only the failed record', async () => {
    const records = world([
      { name: 'a', tag: `${ZONE}:a.example.com`, instances: [{ id: I1, public: '203.0.113.1' }] },
      { name: 'b', tag: `${ZONE}:b.example.com`, instances: [{ id: I2, public: '203.0.113.2' }] },
      { name: 'c', tag: `${ZONE}:c.example.com`, instances: [{ id: I3, public: '203.0.113.3' }] },
    ]);
    r53.on(ListResourceRecordSetsCommand, { StartRecordName: 'b.example.com' }).rejects(accessDenied('route53:ListResourceRecordSets', ZONE));
    const failure = handler(schedule);
    await expect(failure).rejects.toThrow(/b\.example\.com: AccessDenied/);
    await expect(failure).rejects.not.toThrow(/a\.example\.com|c\.example\.com/);
    expect(values(records, 'a.example.com.')).toEqual(['203.0.113.1']);
    expect(values(records, 'c.example.com.')).toEqual(['203.0.113.3']);
  });

  describe('tag-only mode bounds (issue 14, item 4)', () => {
    beforeEach(() => {
      process.env.DNS_UPDATER_TAGGED_ZONES = ZONE;
      process.env.DNS_UPDATER_TAGGED_NAMES = 'web.qa.example.com,i-*.web.qa.example.com,api.qa.example.com';
    });
    afterEach(() => {
      delete process.env.DNS_UPDATER_TAGGED_ZONES;
      delete process.env.DNS_UPDATER_TAGGED_NAMES;
    });

    test('an unowned tagged group inside the declared zones and names is followed', async () => {
      const records = world([{ name: 'legacy', owner: null, tag: `${ZONE}:web.qa.example.com`, options: 'perInstance=true', instances: [{ id: I1, public: '203.0.113.1' }] }]);
      await handler(schedule);
      expect(values(records, 'web.qa.example.com.')).toEqual(['203.0.113.1']);
      expect(values(records, `${I1}.web.qa.example.com.`)).toEqual(['203.0.113.1']);
    });

    test.each([
      ['a name outside the patterns', `${ZONE}:www.example.com`, '', /www\.example\.com matches none of the declared record names/],
      ['another zone', `${ZONE_B}:app.qa.example.com`, '', new RegExp(`hosted zone ${ZONE_B} is not one of the declared zones`)],
      ['per-instance names outside the patterns', `${ZONE}:api.qa.example.com`, 'perInstance=true', /per-instance names like i-0123456789abcdef0\.api\.qa\.example\.com match none/],
    ])('a tag naming %s is refused with a clear log, nothing read or written', async (_what, tagValue, options, message) => {
      world([{ name: 'rogue', owner: null, tag: tagValue, options: options || undefined, instances: [{ id: I1, public: '192.0.2.66' }] }]);
      await expect(handler(schedule)).resolves.toMatchObject({ records: [] });
      await handler(event('eventbridge-launch-successful.json', { AutoScalingGroupName: 'rogue' }));
      expect(r53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(0);
      expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
      const logs = (console.log as jest.Mock).mock.calls.flat().join('\n');
      expect(logs).toMatch(/group rogue: DomainMeta names .* refused, nothing written for it/);
      expect(logs).toMatch(message);
    });

    test("a group owned by another updater is not taken over by tag-only mode", async () => {
      world([{ name: 'theirs', owner: 'qa-b', tag: `${ZONE}:web.qa.example.com`, instances: [{ id: I1, public: '203.0.113.1' }] }]);
      await handler(schedule);
      expect(r53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(0);
    });
  });
});

describe('the FIFO queue path (issue 10, item 1)', () => {
  const documented = fixture('documented/sqs-lambda-event-fifo.json');
  /** The Lambda docs' FIFO event, one record per body. */
  const batch = (bodies: unknown[], receiveCount = 1) => ({
    Records: bodies.map((body, i) => ({
      ...documented.Records[0],
      messageId: `m${i + 1}`,
      body: JSON.stringify(body),
      attributes: { ...documented.Records[0].attributes, ApproximateReceiveCount: String(receiveCount), SequenceNumber: String(18849496460467696128n + BigInt(i)) },
    })),
  });
  const schedule = { version: '0', source: 'aws.events', 'detail-type': 'Scheduled Event', resources: [], detail: {} };
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 } });
  const metricLines = () => (console.log as jest.Mock).mock.calls.flat().filter((l: string) => l.includes('"_aws"')).map((l: string) => JSON.parse(l));

  test('messages are processed in order and a batch without failures reports none', async () => {
    const records = world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }, { id: I2, public: '203.0.113.2' }] }],
      [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.2' }] }]);
    await expect(handler(batch([fixture('eventbridge-launch-successful.json'), schedule]))).resolves.toEqual({ batchItemFailures: [] });
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1', '203.0.113.2']);
  });

  test('a transient failure of an instance event reports it and every later message (FIFO order), never the earlier ones', async () => {
    world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }]);
    r53.on(ChangeResourceRecordSetsCommand).rejectsOnce(throttled()).callsFake(() => ({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } }));
    const out = await handler(batch([fixture('sns-test-notification.json'), fixture('eventbridge-launch-successful.json'), schedule]));
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }] });
  });

  test('a record that cannot be made right is counted (metric for the alarm) and consumed, not retried', async () => {
    world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }],
      [{ Name: 'app.example.com.', Type: 'A', AliasTarget: { HostedZoneId: 'Z2', DNSName: 'lb.example.com.', EvaluateTargetHealth: false } }]);
    await expect(handler(batch([fixture('eventbridge-launch-successful.json')]))).resolves.toEqual({ batchItemFailures: [] });
    expect(metricLines()).toEqual([expect.objectContaining({
      Failures: 1, FunctionName: expect.any(String),
      _aws: expect.objectContaining({ CloudWatchMetrics: [{ Namespace: 'CdkContainerFleet/AsgDnsUpdater', Dimensions: [['FunctionName']], Metrics: [{ Name: 'Failures', Unit: 'Count' }] }] }),
    })]);
  });

  test('a failed reconcile is not retried (the next one is the retry) but counted', async () => {
    world([]);
    asg.on(DescribeAutoScalingGroupsCommand).rejects(throttled());
    await expect(handler(batch([schedule]))).resolves.toEqual({ batchItemFailures: [] });
    expect(metricLines()[0]).toMatchObject({ Failures: 1 });
  });

  describe('direct invocations join the queue', () => {
    const fetchMock = jest.fn();
    const sqs = mockClient(SQSClient);
    const cfn = (RequestType: string) => ({
      RequestType, ResponseURL: 'https://cloudformation-custom-resource-response-uswest2.s3.amazonaws.com/x', StackId: 'arn:aws:cloudformation:us-west-2:123456789012:stack/s/1',
      RequestId: `req-${RequestType}`, LogicalResourceId: 'DnsCleanup', ResourceType: 'Custom::AsgDnsRecord', PhysicalResourceId: `${ZONE}:app.example.com:my-asg`,
      ResourceProperties: { ServiceToken: 'arn', AutoScalingGroupName: 'my-asg', DomainMeta: tag, DomainMetaOptions: 'ttl=60,address=public,whenEmpty=keep' },
    });
    beforeEach(() => {
      sqs.reset();
      sqs.on(SendMessageCommand).resolves({ MessageId: '5fea7756-0ea4-451a-a703-a558b933e274', MD5OfMessageBody: 'x', SequenceNumber: '18849496460467696128' });
      fetchMock.mockReset().mockResolvedValue({ ok: true, status: 200 });
      (global as any).fetch = fetchMock;
    });
    afterEach(() => { delete process.env.DNS_UPDATER_QUEUE_URL; });

    test("a custom-resource request is forwarded into the FIFO queue, in its record's message group; nothing else happens", async () => {
      process.env.DNS_UPDATER_QUEUE_URL = 'https://sqs.us-west-2.amazonaws.com/123456789012/updater.fifo';
      process.env.DNS_UPDATER_MESSAGE_GROUP = 'asg-dns-updater';
      world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }]);
      await handler(cfn('Delete'));
      expect(sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([{
        QueueUrl: 'https://sqs.us-west-2.amazonaws.com/123456789012/updater.fifo', MessageGroupId: 'record:app.example.com', MessageBody: JSON.stringify(cfn('Delete')),
      }]);
      expect(calls).toEqual([]);
      expect(fetchMock).not.toHaveBeenCalled();
    });

    test('from the queue, a Delete whose write fails transiently is retried without answering, and answers FAILED on the last attempt', async () => {
      world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }], [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] }]);
      r53.on(ChangeResourceRecordSetsCommand).rejects(throttled());
      await expect(handler(batch([cfn('Delete')], 1))).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
      expect(fetchMock).not.toHaveBeenCalled();
      await expect(handler(batch([cfn('Delete')], 3))).resolves.toEqual({ batchItemFailures: [] });
      expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/Rate exceeded/) });
    });

    test('from the queue, an answer CloudFormation refused is retried (the request would otherwise hang for an hour)', async () => {
      world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }]);
      fetchMock.mockResolvedValueOnce({ ok: false, status: 503 });
      await expect(handler(batch([cfn('Create')], 1))).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
      await expect(handler(batch([cfn('Create')], 2))).resolves.toEqual({ batchItemFailures: [] });
      expect(fetchMock).toHaveBeenCalledTimes(2);
    });

    test('from the queue, a Delete removes the record and answers SUCCESS', async () => {
      const records = world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }], [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] }]);
      await expect(handler(batch([cfn('Delete')]))).resolves.toEqual({ batchItemFailures: [] });
      expect(records).toEqual([]);
      expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toMatchObject({ Status: 'SUCCESS' });
    });

    describe('daily create/destroy: a Delete with nothing left to clean up succeeds (issue 19)', () => {
      // Error shapes as the Route 53 API reference documents them (NoSuchHostedZone 404, InvalidChangeBatch 400 with
      // its messages list), and IAM's AccessDenied naming the zone.
      const noZone = () => new NoSuchHostedZone({ message: `No hosted zone found with ID: ${ZONE}`, $metadata: { httpStatusCode: 404 } });
      const denied = () => Object.assign(new Error(`User: arn:aws:sts::123456789012:assumed-role/updater/fn is not authorized to perform: route53:ListResourceRecordSets on resource: arn:aws:route53:::hostedzone/${ZONE}`),
        { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
      const notFound = "Tried to delete resource record set [name='app.example.com.', type='A'] but it was not found";
      const gone = () => new InvalidChangeBatch({ message: `[${notFound}]`, messages: [notFound], $metadata: { httpStatusCode: 400 } });

      test.each([
        ['the zone is gone (NoSuchHostedZone)', 'list', noZone],
        ['the zone is denied (AccessDenied on the hosted zone)', 'list', denied],
        ['the record went meanwhile (InvalidChangeBatch … but it was not found)', 'change', gone],
      ] as const)('%s: SUCCESS at the first attempt, with a log line', async (_what, where, error) => {
        world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }], [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] }]);
        if (where === 'list') r53.on(ListResourceRecordSetsCommand).rejects(error());
        else r53.on(ChangeResourceRecordSetsCommand).rejects(error());
        await expect(handler(batch([cfn('Delete')], 1))).resolves.toEqual({ batchItemFailures: [] });
        expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toMatchObject({ Status: 'SUCCESS', Reason: expect.stringMatching(/^nothing to clean up/) });
        expect((console.log as jest.Mock).mock.calls.flat().join('\n')).toMatch(/Delete of .*nothing left to clean up, answering SUCCESS/);
      });

      test('a record whose values changed meanwhile still fails the Delete (something is left)', async () => {
        world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }], [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] }]);
        const mismatch = "Tried to delete resource record set [name='app.example.com.', type='A'] but the values provided do not match the current values";
        r53.on(ChangeResourceRecordSetsCommand).rejects(new InvalidChangeBatch({ message: `[${mismatch}]`, messages: [mismatch], $metadata: { httpStatusCode: 400 } }));
        await handler(batch([cfn('Delete')], 1));
        expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toMatchObject({ Status: 'FAILED' });
      });

      test('a Create on a gone zone is not turned into anything else: it answers SUCCESS as Creates always do', async () => {
        world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }]);
        r53.on(ListResourceRecordSetsCommand).rejects(noZone());
        await handler(batch([cfn('Create')], 1));
        expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toMatchObject({ Status: 'SUCCESS', Reason: expect.stringMatching(/NoSuchHostedZone/) });
      });
    });

    describe('the intake group is fanned out into one message group per record (issue 22, item 5)', () => {
      const queued = (group: string, body: unknown, id = 'm1') => ({
        Records: [{ ...documented.Records[0], messageId: id, body: JSON.stringify(body), attributes: { ...documented.Records[0].attributes, MessageGroupId: group } }],
      });
      beforeEach(() => {
        process.env.DNS_UPDATER_QUEUE_URL = 'https://sqs.us-west-2.amazonaws.com/123456789012/updater.fifo';
        process.env.DNS_UPDATER_MESSAGE_GROUP = 'asg-dns-updater';
      });

      test('the schedule becomes one reconcile-record message per record, in that record\'s group; nothing is written at intake', async () => {
        world([{ name: 'a', tag: `${ZONE}:a.example.com`, instances: [{ id: I1, public: '203.0.113.1' }] },
          { name: 'b', tag: `${ZONE}:b.example.com`, instances: [{ id: I2, public: '203.0.113.2' }] }]);
        await expect(handler(queued('asg-dns-updater', schedule))).resolves.toEqual({ batchItemFailures: [] });
        expect(r53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(0);
        expect(sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([
          { QueueUrl: process.env.DNS_UPDATER_QUEUE_URL, MessageGroupId: 'record:a.example.com', MessageBody: JSON.stringify({ action: 'reconcile-record', record: `${ZONE}:a.example.com`, from: 'm1' }), MessageDeduplicationId: expect.stringMatching(/^[0-9a-f]{64}$/) },
          { QueueUrl: process.env.DNS_UPDATER_QUEUE_URL, MessageGroupId: 'record:b.example.com', MessageBody: JSON.stringify({ action: 'reconcile-record', record: `${ZONE}:b.example.com`, from: 'm1' }), MessageDeduplicationId: expect.stringMatching(/^[0-9a-f]{64}$/) },
        ]);
      });

      test('a reconcile-record message in its group syncs that record only', async () => {
        const records = world([{ name: 'a', tag: `${ZONE}:a.example.com`, instances: [{ id: I1, public: '203.0.113.1' }] },
          { name: 'b', tag: `${ZONE}:b.example.com`, instances: [{ id: I2, public: '203.0.113.2' }] }]);
        await handler(queued('record:a.example.com', { action: 'reconcile-record', record: `${ZONE}:a.example.com`, from: 'm1' }));
        expect(values(records, 'a.example.com.')).toEqual(['203.0.113.1']);
        expect(values(records, 'b.example.com.')).toBeUndefined();
      });

      test("an instance event at intake (tag-only mode's rule) goes as it came into its record's group", async () => {
        world([{ name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }] }]);
        const launch = fixture('eventbridge-launch-successful.json');
        await handler(queued('asg-dns-updater', launch));
        const sent = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
        expect(sent).toEqual([
          { QueueUrl: process.env.DNS_UPDATER_QUEUE_URL, MessageGroupId: 'record:app.example.com', MessageBody: JSON.stringify(launch), MessageDeduplicationId: expect.stringMatching(/^[0-9a-f]{64}$/) },
        ]);
        // Content-based deduplication would take the body's SHA-256, the intake message's own id for 5 minutes: the
        // fan-out must carry an id of its own, or SQS accepts it and never delivers it.
        expect(sent[0].MessageDeduplicationId).not.toBe(crypto.createHash('sha256').update(JSON.stringify(launch)).digest('hex'));
      });
    });
  });
});

describe('fault sequences of a real account (issue 22, items 4 and 5)', () => {
  const I4 = 'i-0ccccccccccccccc4';
  const X = 'i-0ddddddddddddddd5';
  const schedule = { version: '0', source: 'aws.events', 'detail-type': 'Scheduled Event', resources: [], detail: {} };
  const documented = fixture('documented/sqs-lambda-event-fifo.json');
  /** A FIFO batch as Lambda delivers it: each message with its own message group. */
  const batch = (messages: Array<[string, string, unknown]>) => ({
    Records: messages.map(([messageId, group, body], i) => ({
      ...documented.Records[0], messageId, body: JSON.stringify(body),
      attributes: { ...documented.Records[0].attributes, MessageGroupId: group, SequenceNumber: String(18849496460467696128n + BigInt(i)) },
    })),
  });
  const hook = (group: string, instanceId: string) => event('eventbridge-terminate-lifecycle-action.json', { AutoScalingGroupName: group, LifecycleHookName: DNS_LIFECYCLE_HOOK_NAME, EC2InstanceId: instanceId });
  const launch = (group: string, instanceId: string) => event('eventbridge-launch-successful.json', { AutoScalingGroupName: group, EC2InstanceId: instanceId });
  const completed = () => asg.commandCalls(CompleteLifecycleActionCommand).map((c) => c.args[0].input.InstanceId);
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 } });
  const logs = () => (console.log as jest.Mock).mock.calls.flat().join('\n');

  test('a group of another stack tagged DomainMetaOwner=<our stack> naming our record adds nothing, imposes no options, blocks nothing', async () => {
    const ours: Group = { name: 'qa-a-web', tag, instances: [{ id: I1, public: '203.0.113.1' }, { id: I2, public: '203.0.113.2' }] };
    const forged: Group = { name: 'intruder', owner: OWNER, tag, options: 'ttl=2147483647', instances: [{ id: I3, public: '198.51.100.66' }] };
    const records = world([forged, ours], [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }, { Value: '203.0.113.2' }] }]);

    // Its launch: nothing read or written for it, and the log says why.
    await handler(launch('intruder', I3));
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(logs()).toMatch(/group intruder: DomainMetaOwner names this updater, but the group is not one of the groups its AsgDnsRecords were given/);

    // The reconcile: our instances only, our TTL.
    await handler(schedule);
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(records).toEqual([{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }, { Value: '203.0.113.2' }] }]);

    // An unreadable options tag on it does not block our record: a newcomer of ours still joins.
    forged.options = 'ttl=soon';
    ours.instances.push({ id: I4, public: '203.0.113.4' });
    await expect(handler(launch('qa-a-web', I4))).resolves.toMatchObject({ records: [{ errors: [] }] });
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1', '203.0.113.2', '203.0.113.4']);

    // Our terminating instance: out of the record (in sync) before its hook is completed.
    ours.instances[0].state = 'Terminating:Wait';
    calls.length = 0;
    await handler(hook('qa-a-web', I1));
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.2', '203.0.113.4']);
    expect(calls.slice(-3)).toEqual(['ChangeResourceRecordSets', 'GetChange', 'CompleteLifecycleAction']);
    expect(completed()).toEqual([I1]);
    expect(records[0].TTL).toBe(60);
  });

  test.each(['absent', 'stopped'] as const)(
    'an in-service instance EC2 reports %s, in one batch and in a later one, stalls no record and no drain', async (how) => {
      const app: Group = { name: 'my-asg', tag, instances: [{ id: I1, public: '203.0.113.1' }, { id: I2, public: '203.0.113.2' }, { id: X, public: '203.0.113.5', ec2: how }] };
      const other: Group = { name: 'other', tag: `${ZONE}:other.example.com`, instances: [{ id: I3, public: '198.51.100.3', state: 'Terminating:Wait' }, { id: I4, public: '198.51.100.4' }] };
      const records = world([app, other], [
        { Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }, { Value: '203.0.113.2' }] },
        { Name: 'other.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '198.51.100.3' }, { Value: '198.51.100.4' }] },
      ]);

      // Batch 1: the unknown instance's launch, then another record's drain.
      await expect(handler(batch([['m1', 'record:app.example.com', launch('my-asg', X)], ['m2', 'record:other.example.com', hook('other', I3)]])))
        .resolves.toEqual({ batchItemFailures: [] });
      expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1', '203.0.113.2']);
      expect(values(records, 'other.example.com.')).toEqual(['198.51.100.4']);
      expect(completed()).toEqual([I3]);

      // Batch 2, later, the instance still unknown: a drain of the same record goes through.
      app.instances[0].state = 'Terminating:Wait';
      await expect(handler(batch([['m3', 'record:app.example.com', hook('my-asg', I1)]]))).resolves.toEqual({ batchItemFailures: [] });
      expect(values(records, 'app.example.com.')).toEqual(['203.0.113.2']);
      expect(completed()).toEqual([I3, I1]);
      const order = calls.filter((c) => c === 'ChangeResourceRecordSets' || c === 'CompleteLifecycleAction');
      expect(order.slice(-2)).toEqual(['ChangeResourceRecordSets', 'CompleteLifecycleAction']);

      // Once EC2 knows it, the next reconcile adds it.
      delete app.instances[2].ec2;
      app.instances.shift();
      await handler(batch([['m4', 'record:app.example.com', { action: 'reconcile-record', record: `${ZONE}:app.example.com` }]]));
      expect(values(records, 'app.example.com.')).toEqual(['203.0.113.2', '203.0.113.5']);
    });

  test('a leaving instance EC2 no longer returns, beside an unknown one: its drain completes and the record is declared failed (alarm)', async () => {
    const records = world([{ name: 'my-asg', tag, instances: [
      { id: I1, public: '203.0.113.1', state: 'Terminating:Wait', ec2: 'absent' }, { id: I2, public: '203.0.113.2' }, { id: X, public: '203.0.113.5', ec2: 'absent' },
    ] }], [{ Name: 'app.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }, { Value: '203.0.113.2' }] }]);
    await expect(handler(hook('my-asg', I1))).rejects.toThrow(/i-1234567890abcdef0 left but EC2 no longer returns it, while i-0ddddddddddddddd5 in service are unknown/);
    expect(values(records, 'app.example.com.')).toEqual(['203.0.113.1', '203.0.113.2']);
    expect(completed()).toEqual([I1]);
  });

  test("a drain behind another record's failed message is not held back; only the failed record's later messages wait", async () => {
    const records = world([
      { name: 'a', tag: `${ZONE}:a.example.com`, instances: [{ id: I1, public: '203.0.113.1' }] },
      { name: 'b', tag: `${ZONE}:b.example.com`, instances: [{ id: I2, public: '203.0.113.2', state: 'Terminating:Wait' }, { id: I3, public: '203.0.113.3' }] },
    ], [{ Name: 'b.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.2' }, { Value: '203.0.113.3' }] }]);
    // Every SDK retry of a's write was throttled.
    r53.on(ChangeResourceRecordSetsCommand, { ChangeBatch: { Comment: 'asg-dns-updater: a.example.com from a' } } as any).rejects(throttled());
    const out = await handler(batch([
      ['m1', 'record:a.example.com', launch('a', I1)],
      ['m2', 'record:b.example.com', hook('b', I2)],
      ['m3', 'record:a.example.com', schedule],
    ]));
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm3' }] });
    expect(values(records, 'b.example.com.')).toEqual(['203.0.113.3']);
    expect(completed()).toEqual([I2]);
  });

  describe('tag-only mode: lifecycle actions only on the listed groups (issue 19)', () => {
    beforeEach(() => {
      process.env.DNS_UPDATER_TAGGED_ZONES = ZONE;
      process.env.DNS_UPDATER_TAGGED_NAMES = 'web.qa.example.com';
    });
    afterEach(() => {
      delete process.env.DNS_UPDATER_TAGGED_ZONES;
      delete process.env.DNS_UPDATER_TAGGED_NAMES;
      delete process.env.DNS_UPDATER_LIFECYCLE_GROUPS;
    });
    const legacy = (): Group => ({ name: 'legacy', owner: null, tag: `${ZONE}:web.qa.example.com`, instances: [{ id: I1, public: '203.0.113.1', state: 'Terminating:Wait' }, { id: I2, public: '203.0.113.2' }] });
    const inRecord = [{ Name: 'web.qa.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }, { Value: '203.0.113.2' }] }];

    test('an unlisted tagged group: its instance leaves DNS, its hook is left to its timeout', async () => {
      const records = world([legacy()], inRecord.map((r) => ({ ...r })));
      await handler(hook('legacy', I1));
      expect(values(records, 'web.qa.example.com.')).toEqual(['203.0.113.2']);
      expect(completed()).toEqual([]);
      expect(logs()).toMatch(/the lifecycle action of legacy is not completed here/);
    });

    test('a listed one: completed once its instance is out', async () => {
      process.env.DNS_UPDATER_LIFECYCLE_GROUPS = 'legacy';
      const records = world([legacy()], inRecord.map((r) => ({ ...r })));
      await handler(hook('legacy', I1));
      expect(values(records, 'web.qa.example.com.')).toEqual(['203.0.113.2']);
      expect(completed()).toEqual([I1]);
    });
  });
});
