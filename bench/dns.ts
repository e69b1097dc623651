/**
 * ASG → Route 53 updater: AWS API calls per event and handler time for groups of 10 to 1,000 instances, and the
 * bundled size of the function. The AWS clients are mocked (aws-sdk-client-mock) with a simulated account that
 * paginates as AWS does (DescribeAutoScalingGroups ≤ 100 groups a page, DescribeInstances ≤ MaxResults instances a
 * page, MaxResults 1000 here), so the figures count calls and the handler's own CPU time, not network latency.
 */
import * as path from 'path';
import { performance } from 'perf_hooks';
import { AutoScalingClient, CompleteLifecycleActionCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand, GetChangeCommand, GetHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import * as esbuild from 'esbuild';
import { handler, resetClients } from '../lambda/asg-dns-updater/index';
import { DNS_LIFECYCLE_HOOK_NAME } from '../lib/dns/contract';

const ZONE = 'Z0123456789ABCDEFGHIJ';
const NAME = 'app.example.com';
const SIZES = [10, 300, 400, 1000, 2500];
const RUNS = 15;
const OWNER = 'bench';
/** Another environment's groups in the same account: filtered out in memory, never read further. */
const FOREIGN_GROUPS = Array.from({ length: 20 }, (_, i) => ({
  AutoScalingGroupName: `other-env-${i}`, MinSize: 0, MaxSize: 2, DesiredCapacity: 1, DefaultCooldown: 300, AvailabilityZones: ['us-west-2a'],
  HealthCheckType: 'EC2', CreatedTime: new Date(), Instances: [],
  Tags: [{ Key: 'DomainMeta', Value: `Z0OTHERZONE${i}:app.other-${i}.example.org` }, { Key: 'DomainMetaOwner', Value: `other-env-${i}` }],
}));

type Scenario = 'launch' | 'terminate-lifecycle' | 'no-op';

interface State { instances: Array<{ id: string; state: string; ip: string }>; record: string[] }

const id = (i: number) => `i-${i.toString(16).padStart(17, '0')}`;
const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

function state(n: number, scenario: Scenario): State {
  const instances = Array.from({ length: n }, (_, i) => ({ id: id(i + 1), state: 'InService', ip: ip(i + 1) }));
  if (scenario === 'terminate-lifecycle') instances[0].state = 'Terminating:Wait';
  // launch: the record lacks the new instance; terminate: it still has the leaving one; no-op: it is right.
  const record = scenario === 'launch' ? instances.slice(1).map((i) => i.ip) : instances.map((i) => i.ip);
  return { instances, record: record.slice(0, 400) };
}

function event(scenario: Scenario): unknown {
  const detail = {
    AutoScalingGroupName: 'web', EC2InstanceId: id(1),
    ...(scenario === 'terminate-lifecycle'
      ? { LifecycleActionToken: '87654321-4321-4321-4321-210987654321', LifecycleHookName: DNS_LIFECYCLE_HOOK_NAME, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' }
      : { StatusCode: 'InProgress' }),
  };
  const detailType = scenario === 'terminate-lifecycle' ? 'EC2 Instance-terminate Lifecycle Action' : 'EC2 Instance Launch Successful';
  return { version: '0', id: '1', 'detail-type': detailType, source: 'aws.autoscaling', account: '123456789012', time: '2026-01-01T00:00:00Z', region: 'us-west-2', resources: [], detail };
}

const COMMANDS = ['DescribeAutoScalingGroups', 'DescribeInstances', 'GetHostedZone', 'ListResourceRecordSets', 'ChangeResourceRecordSets', 'GetChange', 'CompleteLifecycleAction'] as const;

function wire(s: State, counts: Record<string, number>) {
  const asg = mockClient(AutoScalingClient);
  const ec2 = mockClient(EC2Client);
  const r53 = mockClient(Route53Client);
  const count = (name: string) => { counts[name] = (counts[name] ?? 0) + 1; };
  asg.on(DescribeAutoScalingGroupsCommand).callsFake(() => {
    count('DescribeAutoScalingGroups');
    return { AutoScalingGroups: [{
      AutoScalingGroupName: 'web', MinSize: 0, MaxSize: 2000, DesiredCapacity: s.instances.length, DefaultCooldown: 300, AvailabilityZones: ['us-west-2a'],
      HealthCheckType: 'EC2', CreatedTime: new Date(),
      Instances: s.instances.map((i) => ({ InstanceId: i.id, LifecycleState: i.state, HealthStatus: 'Healthy', AvailabilityZone: 'us-west-2a', ProtectedFromScaleIn: false })),
      Tags: [{ Key: 'DomainMeta', Value: `${ZONE}:${NAME}` }, { Key: 'DomainMetaOptions', Value: 'ttl=60,address=private,whenEmpty=keep' }, { Key: 'DomainMetaOwner', Value: OWNER }],
    }, ...FOREIGN_GROUPS] };
  });
  ec2.on(DescribeInstancesCommand).callsFake((input: any) => {
    count('DescribeInstances');
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = s.instances.slice(start, start + input.MaxResults);
    const next = start + input.MaxResults < s.instances.length ? String(start + input.MaxResults) : undefined;
    return { Reservations: page.map((i) => ({ ReservationId: 'r-1', Instances: [{ InstanceId: i.id, PrivateIpAddress: i.ip, State: { Code: 16, Name: 'running' } }] })), NextToken: next };
  });
  r53.on(GetHostedZoneCommand).callsFake(() => { count('GetHostedZone'); return { HostedZone: { Id: ZONE, Name: 'example.com.', CallerReference: 'x', Config: { PrivateZone: true } } }; });
  r53.on(ListResourceRecordSetsCommand).callsFake(() => {
    count('ListResourceRecordSets');
    return { ResourceRecordSets: [{ Name: `${NAME}.`, Type: 'A', TTL: 60, ResourceRecords: s.record.map((Value) => ({ Value })) }], IsTruncated: true, NextRecordName: 'www.example.com.', NextRecordType: 'A', MaxItems: 1 };
  });
  r53.on(ChangeResourceRecordSetsCommand).callsFake(() => { count('ChangeResourceRecordSets'); return { ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } }; });
  r53.on(GetChangeCommand).callsFake(() => { count('GetChange'); return { ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } }; });
  asg.on(CompleteLifecycleActionCommand).callsFake(() => { count('CompleteLifecycleAction'); return {}; });
  return () => { asg.restore(); ec2.restore(); r53.restore(); };
}

async function measure(n: number, scenario: Scenario): Promise<string> {
  const counts: Record<string, number> = {};
  let outcome = 'ok';
  const s = state(n, scenario);
  const restore = wire(s, counts);
  try {
    const once = async () => {
      try { await handler(event(scenario)); } catch (e: any) { outcome = /400 values/.test(e.message) ? 'quota error (> 400 values): 400 kept, departed removed' : `error: ${e.message}`; }
    };
    await once();
    const perEvent = { ...counts };
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await once();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const total = COMMANDS.reduce((sum, c) => sum + (perEvent[c] ?? 0), 0);
    const writes = perEvent.ChangeResourceRecordSets ?? 0;
    return `| ${n.toLocaleString('en-US')} | ${scenario} | ${COMMANDS.map((c) => perEvent[c] ?? 0).join(' | ')} | ${total} | ${writes} | ${times[Math.floor(times.length / 2)].toFixed(2)} | ${outcome} |`;
  } finally {
    restore();
  }
}

async function bundleSizes(): Promise<string> {
  const common: esbuild.BuildOptions = {
    entryPoints: [path.join(__dirname, '../lambda/asg-dns-updater/index.ts')],
    bundle: true, platform: 'node', target: 'node22', minify: true, write: false, logLevel: 'silent',
  };
  const deployed = await esbuild.build({ ...common, external: ['@aws-sdk/*', '@smithy/*'] });
  const full = await esbuild.build(common);
  const kib = (r: esbuild.BuildResult) => (r.outputFiles![0].contents.length / 1024).toFixed(1);
  return [
    '| bundle (esbuild, minified, node22) | size |',
    '|---|---|',
    `| without the AWS SDK (for comparison) | ${kib(deployed)} KiB |`,
    `| self-contained, as shipped (lambda/bundle.mjs bundles the SDK clients, SQS included) | ${kib(full)} KiB |`,
  ].join('\n');
}

export async function main(): Promise<string> {
  process.env.AWS_REGION = process.env.AWS_REGION ?? 'us-west-2';
  process.env.DNS_UPDATER_POLL_MS = '0';
  process.env.DNS_UPDATER_OWNER = OWNER;
  // The updater's own groups are named in its configuration (the construct sets it); the others are other environments'.
  process.env.DNS_UPDATER_GROUPS = 'web';
  resetClients();
  // The handler logs a JSON line per step: silence stdout while measuring (console.log itself stays untouched).
  const write = process.stdout.write;
  process.stdout.write = (() => true) as any;
  const rows: string[] = [];
  try {
    for (const n of SIZES) for (const scenario of ['launch', 'terminate-lifecycle', 'no-op'] as Scenario[]) rows.push(await measure(n, scenario));
  } finally {
    process.stdout.write = write;
  }
  return [
    'API calls per event (one group, private IPv4 via the construct\'s options tag, so no GetHostedZone; 20 groups of other '
      + 'environments in the same account, which are skipped) and median handler time over '
      + `${RUNS} runs with mocked clients (CPU only, no network). Delivery through the FIFO queue costs no handler call `
      + '(EventBridge sends, Lambda polls); a direct invocation (custom resource, SNS) adds one SendMessage to forward it:',
    '',
    `| instances | event | ${COMMANDS.join(' | ')} | total calls | writes | handler ms | outcome |`,
    `|---|---|${COMMANDS.map(() => '---').join('|')}|---|---|---|---|`,
    ...rows,
    '',
    await bundleSizes(),
  ].join('\n');
}

if (require.main === module) main().then(console.log);
