/**
 * ASG-driven Route 53 updater: a thin adapter around ./reconcile and ./ownership. Consumes the updater's SQS FIFO queue
 * (partial batch responses) and forwards direct invocations into it; for each event reads the truth (this updater's
 * groups, their instances, the record), asks the pure logic what to change, writes record by record (a failure on one
 * never stops the others), and completes the drain lifecycle action.
 */
import {
  AutoScalingClient, AutoScalingGroup, CompleteLifecycleActionCommand, DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import * as crypto from 'crypto';
import { DescribeInstancesCommand, EC2Client, Instance } from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand, GetChangeCommand, GetHostedZoneCommand, ListResourceRecordSetsCommand,
  ListResourceRecordSetsCommandOutput, Route53Client,
} from '@aws-sdk/client-route-53';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { backoffRetryStrategy, log } from '../shared/aws';
import { respondToCloudFormation } from '../shared/custom-resource';
import { now } from '../shared/clock';
import { InstanceTrigger, RECONCILE_RECORD, ReconcileTrigger, parseInvocation } from './events';
import { GroupSelection, mayCompleteLifecycle, scopeFromEnv, selectGroups, sharedWithForeign } from './ownership';
import { MessageKind, MessageResult, messageVerdict } from './queue';
import {
  ExistingRecordSet, GroupState, InstanceAddresses, RecordGroups, indexGroups, inServiceInstances, pickAddress,
  reconcile, recordTypeOf, toBatches,
} from './reconcile';
import {
  AddressKind, DNS_LIFECYCLE_HOOK_NAME, DOMAIN_META_TAG, RecordKey, UPDATER_ENV, UPDATER_MESSAGE_GROUP,
  UPDATER_METRIC, keyString, parseDomainMeta, parseOptions, recordMessageGroup,
} from '../../lib/dns/contract';

/** Extra client settings, for tests (a fake request handler, fixed credentials). */
let clientOverrides: Record<string, unknown> = {};
let clients: { autoscaling: AutoScalingClient; ec2: EC2Client; route53: Route53Client; sqs: SQSClient } | undefined;
const zoneKinds = new Map<string, AddressKind>();

/**
 * Retries throttling (`Throttling`, `RequestLimitExceeded`…) and Route 53's `PriorRequestNotComplete`, which the
 * SDK classifies as throttling errors, with exponential backoff and jitter: 0.5 s, 1 s, 2 s… capped at 20 s.
 */
export function retryStrategy(baseMs = Number(process.env.DNS_UPDATER_BACKOFF_MS ?? 500)): ConfiguredRetryStrategy {
  return backoffRetryStrategy(baseMs);
}

/** Drops the cached clients and zone kinds; later clients get `overrides` (tests only). */
export function resetClients(overrides: Record<string, unknown> = {}): void {
  clientOverrides = overrides;
  clients = undefined;
  zoneKinds.clear();
}

function aws() {
  if (!clients) {
    const config = { retryStrategy: retryStrategy(), ...clientOverrides };
    clients = { autoscaling: new AutoScalingClient(config), ec2: new EC2Client(config), route53: new Route53Client(config), sqs: new SQSClient(config) };
  }
  return clients;
}


/** What one invocation did, for logs and tests. */
export interface UpdateResult {
  readonly records: Array<{ record: string; changes: number; batches: number; errors: string[] }>;
  readonly ignored: string[];
  readonly completedLifecycleActions: string[];
}

/** Raised at the end of an invocation when a record could not be made right (quota, foreign record, bad tag on a lifecycle group). */
export class RecordConfigurationError extends Error {
  constructor(public readonly problems: string[]) {
    super(`asg-dns-updater: ${problems.join('; ')}`);
    this.name = 'RecordConfigurationError';
  }
}

/** What processing one event gave: the result, problems a retry cannot fix, and failures a retry may fix. */
interface Outcome {
  readonly result: UpdateResult;
  /** Records that cannot be made right (quota, foreign record, AccessDenied…): logged, counted, not retried. */
  readonly problems: string[];
  /** Failures a later attempt may fix (throttling after every SDK retry, EC2 lagging behind Auto Scaling). */
  readonly transient: string[];
}

/** The SQS event source's batch (only the fields used). */
interface SqsBatch {
  Records: Array<{ messageId: string; body: string; eventSource: string; attributes?: { ApproximateReceiveCount?: string; MessageGroupId?: string } }>;
}

/** Partial batch response (`ReportBatchItemFailures`). */
export interface BatchResponse { batchItemFailures: Array<{ itemIdentifier: string }> }

/**
 * Entry point. From the FIFO queue: each message in order, failures reported per message. Anything else (a
 * CloudFormation custom resource, SNS, a manual `{ "action": "reconcile" }`) is forwarded into the queue when one is
 * configured, so every write of the updater goes through one serialized path; without a queue it is processed here.
 */
export async function handler(event: unknown): Promise<UpdateResult | BatchResponse | void> {
  if (isSqsBatch(event)) return processQueue(event);
  const queueUrl = process.env[UPDATER_ENV.queueUrl];
  if (queueUrl) return forward(event, queueUrl);
  if (isCustomResourceEvent(event)) { await handleCustomResource(event, true); return; }
  const outcome = await processEvent(event);
  const failed = [...outcome.problems, ...outcome.transient];
  if (failed.length > 0) throw new RecordConfigurationError(failed);
  return outcome.result;
}

function isSqsBatch(e: unknown): e is SqsBatch {
  const records = (e as any)?.Records;
  return Array.isArray(records) && records.length > 0 && records.every((r: any) => r?.eventSource === 'aws:sqs');
}

function intakeGroup(): string {
  return process.env[UPDATER_ENV.messageGroup] ?? UPDATER_MESSAGE_GROUP;
}

/**
 * Direct invocations join the queue (the queue deduplicates by content): a custom-resource request behind its record's
 * messages, anything else (SNS, a manual reconcile) in the intake group, from where it is fanned out.
 */
async function forward(event: unknown, QueueUrl: string): Promise<void> {
  const meta = isCustomResourceEvent(event) ? parseDomainMeta(event.ResourceProperties?.DomainMeta) : undefined;
  const MessageGroupId = meta?.ok ? recordMessageGroup(meta.value.recordName) : intakeGroup();
  await aws().sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(event), MessageGroupId }));
  log('INFO', 'forwarded into the updater queue', { kind: isCustomResourceEvent(event) ? `custom resource ${event.RequestType}` : 'event' });
}

/**
 * One FIFO batch, in order (what to retry or count: ./queue). A retried message is reported in `batchItemFailures`
 * together with every later message of its own message group, as FIFO ordering requires; messages of other groups
 * (other records) go on, so a failing record never holds back another.
 */
async function processQueue(batch: SqsBatch): Promise<BatchResponse> {
  const batchItemFailures: Array<{ itemIdentifier: string }> = [];
  const maxReceives = Number(process.env[UPDATER_ENV.maxReceives] ?? 3);
  const held = new Set<string>();
  let failures = 0;
  for (const message of batch.Records) {
    const group = message.attributes?.MessageGroupId ?? '';
    if (held.has(group)) { batchItemFailures.push({ itemIdentifier: message.messageId }); continue; }
    const attempt = Number(message.attributes?.ApproximateReceiveCount ?? 1);
    let body: unknown;
    try {
      body = JSON.parse(message.body);
    } catch {
      log('ERROR', `message ${message.messageId} is not JSON; dropped`, { body: message.body.slice(0, 500) });
      failures++;
      continue;
    }
    const kind: MessageKind = isCustomResourceEvent(body) ? 'custom-resource' : hasInstanceTrigger(body) ? 'instance' : 'reconcile';
    let result: MessageResult = { kind, problems: 0, transient: 0, threw: false, attempt, maxReceives };
    try {
      if (isCustomResourceEvent(body)) {
        result = { ...result, deferred: await handleCustomResource(body, attempt >= maxReceives) };
      } else {
        const queueUrl = process.env[UPDATER_ENV.queueUrl];
        const outcome = queueUrl && group === intakeGroup()
          ? await fanOut(body, message.messageId, queueUrl)
          : await processEvent(body, group.startsWith('record:') ? group : undefined);
        result = { ...result, problems: outcome.problems.length, transient: outcome.transient.length };
      }
    } catch (err: any) {
      // The shared reads failed (nothing was written), or CloudFormation's response URL refused the answer.
      log('ERROR', `message ${message.messageId} (attempt ${attempt}): ${describeError(err)}`);
      result = { ...result, threw: true };
    }
    const verdict = messageVerdict(result);
    failures += verdict.failures;
    if (verdict.retry) {
      log('WARN', `message ${message.messageId} will be retried (attempt ${attempt} of ${maxReceives}; then the dead-letter queue); later messages of its group ${group} wait, other groups go on`);
      batchItemFailures.push({ itemIdentifier: message.messageId });
      held.add(group);
    }
  }
  if (failures > 0) publishFailures(failures);
  return { batchItemFailures };
}

function hasInstanceTrigger(body: unknown): boolean {
  return parseInvocation(body).some((t) => t.kind === 'instance');
}

/** CloudWatch embedded metric format: one log line becomes a metric, no API call. */
function publishFailures(count: number): void {
  console.log(JSON.stringify({
    _aws: {
      Timestamp: now(),
      CloudWatchMetrics: [{ Namespace: UPDATER_METRIC.namespace, Dimensions: [[UPDATER_METRIC.dimension]], Metrics: [{ Name: UPDATER_METRIC.failures, Unit: 'Count' }] }],
    },
    [UPDATER_METRIC.dimension]: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'asg-dns-updater',
    [UPDATER_METRIC.failures]: count,
  }));
}

function describeError(err: any): string {
  return `${err?.name ?? 'Error'}: ${err?.message ?? err}`;
}

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'PriorRequestNotComplete', 'TooManyRequestsException']);

/** A client error that is not throttling (AccessDenied, InvalidChangeBatch…) fails the same way every time. */
export function isPermanent(err: any): boolean {
  return err?.$fault === 'client' && !THROTTLING.has(err?.name) && !err?.$retryable;
}

/** Groups this updater acts on, indexed by record, with the refusals and foreign groups logged. */
async function ownGroups(logRefusals: boolean) {
  const scope = scopeFromEnv(process.env);
  const selection = selectGroups(await describeTaggedGroups(), scope);
  if (logRefusals) for (const r of selection.refused) log('WARN', `group ${r.group}: ${r.reason}`, { group: r.group });
  const index = indexGroups(selection.groups);
  return { index, selection, scope };
}

type ActiveTrigger = InstanceTrigger | ReconcileTrigger;

/** The triggers to act on; the ignored ones are logged and listed in `result`. */
function activeTriggers(event: unknown, result: UpdateResult): ActiveTrigger[] {
  const active: ActiveTrigger[] = [];
  for (const t of parseInvocation(event)) {
    if (t.kind === 'ignore') { result.ignored.push(t.reason); log('INFO', `ignored: ${t.reason}`); } else active.push(t);
  }
  return active;
}

/** The records the triggers concern (every record for a full reconcile), and each group's record. */
function recordsOf(active: readonly ActiveTrigger[], index: ReturnType<typeof indexGroups>, selection: GroupSelection) {
  const wanted = new Map<string, RecordGroups>();
  const groupRecord = new Map<string, string>();
  for (const rec of index.records.values()) {
    for (const g of [...rec.members, ...rec.deleting]) groupRecord.set(g.name, keyString(rec.key));
  }
  if (active.some((t) => t.kind === 'reconcile' && !t.record)) {
    for (const [id, rec] of index.records) wanted.set(id, rec);
    for (const [group, reason] of index.invalid) log('WARN', `group ${group}: ${reason}; nothing written for it`, { group });
  }
  for (const t of active) {
    if (t.kind !== 'reconcile' || !t.record) continue;
    const rec = index.records.get(t.record);
    if (rec) wanted.set(t.record, rec);
    else log('INFO', `${t.record}: no group of this updater names it any more; nothing to reconcile`);
  }
  for (const t of active) {
    if (t.kind !== 'instance') continue;
    const id = groupRecord.get(t.groupName);
    if (id) { wanted.set(id, index.records.get(id)!); continue; }
    const refused = selection.refused.find((r) => r.group === t.groupName);
    const foreign = selection.foreign.some((g) => g.name === t.groupName);
    log('WARN', `group ${t.groupName}: ${refused?.reason ?? index.invalid.get(t.groupName)
      ?? (foreign ? 'not this updater\'s group (not one of the groups its AsgDnsRecords were given, nor an unowned group while tag-only mode is on)' : `no ${DOMAIN_META_TAG} tag (or the group is gone)`)}; nothing written`, { group: t.groupName });
  }
  return { wanted, groupRecord };
}

/**
 * An intake message (the schedule, tag-only mode's events, SNS): one message into the message group of each record it
 * concerns, where it is processed in order with that record's other messages. A reconcile becomes one
 * `reconcile-record` message per record, so each record is re-read and written inside its own group, never beside an
 * event of the same record.
 */
async function fanOut(event: unknown, messageId: string, QueueUrl: string): Promise<Outcome> {
  const result: UpdateResult = { records: [], ignored: [], completedLifecycleActions: [] };
  const outcome = { result, problems: [] as string[], transient: [] as string[] };
  const active = activeTriggers(event, result);
  if (active.length === 0) return outcome;
  const { index, selection } = await ownGroups(active.some((t) => t.kind === 'reconcile'));
  const { wanted, groupRecord } = recordsOf(active, index, selection);
  const eventRecords = new Set(active.flatMap((t) => (t.kind === 'instance' && groupRecord.has(t.groupName) ? [groupRecord.get(t.groupName)!] : [])));
  for (const [id, rec] of wanted) {
    // An instance event goes as it came (its lifecycle action is completed there); a reconcile names the record.
    const body = eventRecords.has(id) ? event : { action: RECONCILE_RECORD, record: id, from: messageId };
    // An explicit deduplication id: the queue deduplicates by content for 5 minutes even after a message is deleted,
    // and an instance event passed on as it came has the body of the intake message itself, so it would be dropped.
    // Derived from the intake message, so a retried intake message still sends each record's message once.
    const MessageDeduplicationId = crypto.createHash('sha256').update(`${messageId}\n${id}`).digest('hex');
    await aws().sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(body), MessageGroupId: recordMessageGroup(rec.key.recordName), MessageDeduplicationId }));
  }
  if (wanted.size > 0) log('INFO', `fanned out into ${wanted.size} record message group(s)`, { records: [...wanted.keys()] });
  return outcome;
}

/**
 * Turns one event into record syncs. Every record is isolated: a failure on one never stops the others. `onlyGroup`:
 * processing a record's message group, so only the records of that group are touched (their own groups serialize the
 * others).
 */
async function processEvent(event: unknown, onlyGroup?: string): Promise<Outcome> {
  const result: UpdateResult = { records: [], ignored: [], completedLifecycleActions: [] };
  const outcome = { result, problems: [] as string[], transient: [] as string[] };
  const active = activeTriggers(event, result);
  if (active.length === 0) return outcome;

  const { index, selection, scope } = await ownGroups(active.some((t) => t.kind === 'reconcile' && !t.record));
  const instanceTriggers = active.filter((t): t is InstanceTrigger => t.kind === 'instance');
  const leaving = new Set(instanceTriggers.filter((t) => t.transition === 'terminate' && t.instanceId).map((t) => t.instanceId!));
  const joining = new Set(instanceTriggers.filter((t) => t.transition === 'launch' && t.instanceId).map((t) => t.instanceId!));
  const { wanted, groupRecord } = recordsOf(active, index, selection);
  if (onlyGroup) {
    for (const [id, rec] of [...wanted]) if (recordMessageGroup(rec.key.recordName) !== onlyGroup) wanted.delete(id);
  }

  const failedTransiently = new Set<string>();
  const changeIds = new Map<string, string[]>();
  for (const note of sharedWithForeign(new Set(wanted.keys()), selection.foreign)) log('WARN', note);
  for (const [id, rec] of wanted) {
    for (const note of rec.notes) log('WARN', note, { record: id });
    try {
      const sync = await syncRecord(rec, leaving, joining);
      result.records.push({ record: id, changes: sync.changes, batches: sync.changeIds.length, errors: sync.errors });
      changeIds.set(id, sync.changeIds);
      outcome.problems.push(...sync.errors);
    } catch (err: any) {
      const message = `${id}: ${describeError(err)}`;
      result.records.push({ record: id, changes: 0, batches: 0, errors: [message] });
      if (isPermanent(err)) outcome.problems.push(message);
      else { outcome.transient.push(message); failedTransiently.add(id); }
    }
  }

  // Drain before terminate: only now that the instance has left DNS does the group let it go. When the write failed
  // transiently the action stays open for the retry (or the hook's timeout, whose default result is CONTINUE).
  for (const t of instanceTriggers) {
    if (!t.lifecycle || t.transition !== 'terminate' || t.lifecycle.hookName !== DNS_LIFECYCLE_HOOK_NAME || !t.instanceId) continue;
    const id = groupRecord.get(t.groupName);
    if (!id || !wanted.has(id)) continue;
    if (failedTransiently.has(id)) continue;
    if (!mayCompleteLifecycle(t.groupName, scope)) {
      log('INFO', `${t.instanceId} left ${id}; the lifecycle action of ${t.groupName} is not completed here (not a group this updater was given lifecycle rights on): the hook's timeout continues it`, { group: t.groupName });
      continue;
    }
    try {
      await waitInSync(changeIds.get(id) ?? []);
      if (await completeLifecycleAction(t)) result.completedLifecycleActions.push(t.instanceId);
    } catch (err: any) {
      const message = `lifecycle action of ${t.instanceId} in ${t.groupName}: ${describeError(err)}`;
      (isPermanent(err) ? outcome.problems : outcome.transient).push(message);
    }
  }

  for (const p of [...outcome.problems, ...outcome.transient]) log('ERROR', p);
  return outcome;
}

/** Every group carrying the DomainMeta tag (whatever its value), page by page (100 groups per page). */
async function describeTaggedGroups(): Promise<GroupState[]> {
  const groups: GroupState[] = [];
  let NextToken: string | undefined;
  do {
    const page = await aws().autoscaling.send(new DescribeAutoScalingGroupsCommand({
      Filters: [{ Name: 'tag-key', Values: [DOMAIN_META_TAG] }], MaxRecords: 100, NextToken,
    }));
    for (const g of page.AutoScalingGroups ?? []) groups.push(toGroupState(g));
    NextToken = page.NextToken;
  } while (NextToken);
  return groups;
}

function toGroupState(g: AutoScalingGroup): GroupState {
  const tags: Record<string, string> = {};
  for (const t of g.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  return {
    name: g.AutoScalingGroupName ?? '',
    status: g.Status,
    tags,
    instances: (g.Instances ?? []).map((i) => ({ instanceId: i.InstanceId ?? '', lifecycleState: i.LifecycleState ?? '' })),
  };
}

interface SyncResult { changes: number; changeIds: string[]; errors: string[] }

/**
 * Reads, decides, writes one record. All reads happen before the first write, so a failed read leaves DNS as it was.
 * `excludeGroup`: a group whose construct is being deleted no longer counts.
 */
async function syncRecord(rec: RecordGroups, leaving: ReadonlySet<string>, joining: ReadonlySet<string>, excludeGroup?: string): Promise<SyncResult> {
  const { zoneId, recordName } = rec.key;
  if (rec.blocked.length > 0) return { changes: 0, changeIds: [], errors: rec.blocked };
  const members = rec.members.filter((g) => g.name !== excludeGroup);
  const cleanup = members.length === 0 && (rec.deleting.length > 0 || excludeGroup !== undefined);
  const kind = rec.options.address ?? await zoneAddressKind(zoneId);
  const type = recordTypeOf(kind);
  const ids = cleanup ? [] : inServiceInstances(members, leaving, joining);
  const addresses = ids.length > 0 ? await describeAddresses(members.map((g) => g.name)) : new Map<string, InstanceAddresses>();
  // EC2 lags behind Auto Scaling (eventual consistency), and an instance may be stopped while its group still says
  // InService: such an instance is unknown, not address-less. The record keeps what may be its address (pure logic),
  // while departing instances still leave and known ones still join. Not a failure: a retry would hold back every
  // later message of this record (a drain among them) for minutes; the next event or reconcile sees it.
  const unknown = ids.filter((id) => !addresses.has(id));
  const wantedIds = new Set(ids);
  const departedAddresses = [...addresses].filter(([id]) => !wantedIds.has(id)).map(([, a]) => pickAddress(a, kind)).filter((a): a is string => a !== undefined);
  const targets: Array<{ instanceId: string; address: string }> = [];
  for (const instanceId of ids) {
    if (!addresses.has(instanceId)) continue;
    const address = pickAddress(addresses.get(instanceId), kind);
    if (address) targets.push({ instanceId, address });
    else log('WARN', `${instanceId} is in service but has no ${kind} address; left out of ${recordName}`, { instanceId });
  }
  const existing = await listExisting(zoneId, recordName, type, rec.options.perInstance);
  const plan = reconcile({
    recordName, type, ttl: rec.options.ttl, whenEmpty: rec.options.whenEmpty, perInstance: rec.options.perInstance, cleanup, targets, existing,
    unknownInstanceIds: unknown, departedAddresses,
  });
  for (const note of plan.notes) log(unknown.length > 0 ? 'WARN' : 'INFO', note, { record: recordName });
  // A leaving instance EC2 no longer returns has no known address: beside an unknown instance, whose possible values
  // are kept, its value may stay. Its drain still completes (holding it helps nothing), so the record is declared failed.
  const memberIds = new Set(members.flatMap((g) => g.instances.map((i) => i.instanceId)));
  const leavingUnseen = unknown.length > 0 ? [...leaving].filter((id) => memberIds.has(id) && !addresses.has(id)) : [];
  const errors = [...plan.errors];
  if (leavingUnseen.length > 0) {
    errors.push(`${recordName}: ${leavingUnseen.join(', ')} left but EC2 no longer returns it, while ${unknown.join(', ')} in service are unknown too: its address may still be in the record until the next reconcile after EC2 knows them`);
  }

  const changeIds: string[] = [];
  for (const batch of toBatches(plan.changes)) {
    const out = await aws().route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Comment: `asg-dns-updater: ${recordName} from ${members.map((g) => g.name).join(', ') || 'no group (cleanup)'}`,
        Changes: batch.map((c) => ({
          Action: c.action,
          ResourceRecordSet: { Name: c.name, Type: c.type, TTL: c.ttl, ResourceRecords: c.values.map((Value) => ({ Value })) },
        })),
      },
    }));
    if (out.ChangeInfo?.Id) changeIds.push(out.ChangeInfo.Id);
    log('INFO', `${recordName}: ${batch.map((c) => `${c.action} ${c.name} ${c.type} [${c.values.join(' ')}]`).join('; ')}`, { zoneId });
  }
  return { changes: plan.changes.length, changeIds, errors };
}

/** Private zones get private addresses, public zones public ones, unless the options say otherwise (cached per container). */
async function zoneAddressKind(zoneId: string): Promise<AddressKind> {
  const cached = zoneKinds.get(zoneId);
  if (cached) return cached;
  const zone = await aws().route53.send(new GetHostedZoneCommand({ Id: zoneId }));
  const kind: AddressKind = zone.HostedZone?.Config?.PrivateZone ? 'private' : 'public';
  zoneKinds.set(zoneId, kind);
  return kind;
}

/**
 * Addresses of the groups' running instances. Filtering on the group tag (not on instance ids) means an id that EC2
 * does not know yet is simply absent instead of failing the whole call with InvalidInstanceID.NotFound.
 */
async function describeAddresses(groupNames: string[]): Promise<Map<string, InstanceAddresses>> {
  const out = new Map<string, InstanceAddresses>();
  for (let i = 0; i < groupNames.length; i += 200) {
    let NextToken: string | undefined;
    do {
      const page = await aws().ec2.send(new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:aws:autoscaling:groupName', Values: groupNames.slice(i, i + 200) },
          { Name: 'instance-state-name', Values: ['running'] },
        ],
        MaxResults: 1000,
        NextToken,
      }));
      for (const r of page.Reservations ?? []) {
        // The filter asks for running instances; an instance reported in another state is unknown all the same.
        for (const inst of r.Instances ?? []) if (inst.InstanceId && (inst.State?.Name ?? 'running') === 'running') out.set(inst.InstanceId, addressesOf(inst));
      }
      NextToken = page.NextToken;
    } while (NextToken);
  }
  return out;
}

function addressesOf(i: Instance): InstanceAddresses {
  const primary = (i.NetworkInterfaces ?? []).find((n) => n.Attachment?.DeviceIndex === 0) ?? i.NetworkInterfaces?.[0];
  return {
    publicIpv4: i.PublicIpAddress,
    privateIpv4: i.PrivateIpAddress,
    ipv6: i.Ipv6Address ?? primary?.Ipv6Addresses?.find((a) => a.IsPrimaryIpv6)?.Ipv6Address ?? primary?.Ipv6Addresses?.[0]?.Ipv6Address,
  };
}

function reversed(name: string): string {
  return name.split('.').reverse().join('.');
}

function normaliseListedName(name: string | undefined): string {
  return (name ?? '').toLowerCase().replace(/\.$/, '');
}

/**
 * The record set at `recordName` of `type`, and with per-instance records every set below it. Route 53 lists names
 * with their labels reversed, so `i-….name` sort right after `name`: one listing from `name` finds them all.
 */
async function listExisting(zoneId: string, recordName: string, type: string, subtree: boolean): Promise<ExistingRecordSet[]> {
  const found: ExistingRecordSet[] = [];
  let start: { name?: string; type?: string; id?: string } | undefined = { name: recordName, type: subtree ? undefined : type };
  while (start) {
    const page: ListResourceRecordSetsCommandOutput = await aws().route53.send(new ListResourceRecordSetsCommand({
      HostedZoneId: zoneId, StartRecordName: start.name, StartRecordType: start.type as any, StartRecordIdentifier: start.id,
      MaxItems: subtree ? 300 : 1,
    }));
    let left = false;
    for (const r of page.ResourceRecordSets ?? []) {
      const name = normaliseListedName(r.Name);
      // Whether Route 53 compares reversed names as strings or label by label, every name below `recordName` lies
      // among those whose reversed form starts with the reversed record name ('app-2' may sit between them).
      if (!reversed(name).startsWith(reversed(recordName))) { left = true; break; }
      if (name !== recordName && !(subtree && name.endsWith(`.${recordName}`))) continue;
      found.push({
        name, type: r.Type ?? '', ttl: r.TTL, values: (r.ResourceRecords ?? []).map((v) => v.Value ?? ''),
        special: Boolean(r.AliasTarget || r.SetIdentifier || r.TrafficPolicyInstanceId),
      });
    }
    start = subtree && !left && page.IsTruncated ? { name: page.NextRecordName, type: page.NextRecordType, id: page.NextRecordIdentifier } : undefined;
  }
  return found;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until Route 53's authoritative servers serve the change, so the drained instance is really out. */
async function waitInSync(ids: string[]): Promise<void> {
  const pollMs = Number(process.env.DNS_UPDATER_POLL_MS ?? 5000);
  const deadline = now() + Number(process.env.DNS_UPDATER_INSYNC_WAIT_MS ?? 60_000);
  for (const Id of ids) {
    for (;;) {
      const out = await aws().route53.send(new GetChangeCommand({ Id }));
      if (out.ChangeInfo?.Status === 'INSYNC') break;
      if (now() >= deadline) { log('WARN', `change ${Id} still ${out.ChangeInfo?.Status} at the deadline; completing the lifecycle action anyway`); return; }
      await sleep(pollMs);
    }
  }
}

/** CONTINUE with the event's token. A second completion (duplicate event, retry) is not an error. */
async function completeLifecycleAction(t: InstanceTrigger): Promise<boolean> {
  try {
    await aws().autoscaling.send(new CompleteLifecycleActionCommand({
      AutoScalingGroupName: t.groupName, LifecycleHookName: t.lifecycle!.hookName, LifecycleActionToken: t.lifecycle!.token,
      InstanceId: t.instanceId, LifecycleActionResult: 'CONTINUE',
    }));
    log('INFO', `completed ${t.lifecycle!.hookName} for ${t.instanceId} (CONTINUE)`, { group: t.groupName });
    return true;
  } catch (err: any) {
    if (err?.name === 'ValidationError' && /no active lifecycle action/i.test(String(err.message))) {
      log('INFO', `lifecycle action of ${t.instanceId} was already completed or timed out`, { group: t.groupName });
      return false;
    }
    throw err;
  }
}

// ---- CloudFormation custom resource: cleanup when the construct (or its stack) is deleted ----

interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: { AutoScalingGroupName: string; DomainMeta: string; DomainMetaOptions?: string };
}

function isCustomResourceEvent(e: unknown): e is CustomResourceEvent {
  return typeof e === 'object' && e !== null && 'RequestType' in e && 'ResponseURL' in e;
}

/**
 * Errors after which a Delete has nothing left to remove: the hosted zone is gone (`NoSuchHostedZone`), access to it is
 * denied (`AccessDenied` naming the zone: it was deleted and its ARN's policy with it, or it is no longer this
 * stack's), or Route 53 says the record set to delete was not found (`InvalidChangeBatch`, "… but it was not found").
 */
export function nothingLeftToDelete(err: any): boolean {
  const name = String(err?.name ?? '');
  const text = [String(err?.message ?? ''), ...(Array.isArray(err?.messages) ? err.messages.map(String) : [])].join(' ');
  if (name === 'NoSuchHostedZone') return true;
  if ((name === 'AccessDenied' || name === 'AccessDeniedException') && /hostedzone\//i.test(text)) return true;
  return name === 'InvalidChangeBatch' && /but it was not found/i.test(text);
}

/**
 * Create/Update: sync the record now (a failure is logged; the schedule repairs it, so deployments never hang on it).
 * Delete: the group no longer counts; when no other group shares the record, its managed records are deleted. A Delete
 * whose write failed transiently is retried through the queue (returns true, nothing answered yet) until the
 * `lastAttempt`, which answers FAILED: the stack deletion stops rather than leaving a name pointing at dead addresses.
 */
async function handleCustomResource(e: CustomResourceEvent, lastAttempt: boolean): Promise<boolean> {
  const p = e.ResourceProperties;
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'ok';
  const meta = parseDomainMeta(p.DomainMeta);
  const options = parseOptions(p.DomainMetaOptions);
  const physicalId = meta.ok ? `${keyString(meta.value)}:${p.AutoScalingGroupName}` : e.PhysicalResourceId ?? e.LogicalResourceId;
  try {
    if (!meta.ok || !options.ok) throw new Error(meta.ok ? (options as any).reason : meta.reason);
    const key: RecordKey = meta.value;
    const { index } = await ownGroups(false);
    const rec = index.records.get(keyString(key)) ?? { key, members: [], deleting: [], options: options.value, notes: [], blocked: [] };
    const sync = await syncRecord(rec, new Set(), new Set(), e.RequestType === 'Delete' ? p.AutoScalingGroupName : undefined);
    if (sync.errors.length > 0) throw new RecordConfigurationError(sync.errors);
  } catch (err: any) {
    reason = describeError(err);
    if (e.RequestType === 'Delete' && nothingLeftToDelete(err)) {
      // Daily create/destroy: the zone went first, or is no longer ours to read, or the record went meanwhile. There is
      // nothing left that this resource could remove, so its deletion succeeds rather than stopping the stack's.
      log('WARN', `Delete of ${physicalId}: ${reason}; nothing left to clean up, answering SUCCESS`);
      reason = `nothing to clean up (${reason})`;
    } else {
      log('ERROR', `${e.RequestType} of ${physicalId}: ${reason}`);
      if (e.RequestType === 'Delete') {
        if (!lastAttempt && !isPermanent(err) && !(err instanceof RecordConfigurationError)) return true;
        status = 'FAILED';
      }
    }
  }
  await respondToCloudFormation(e, { status, reason, physicalResourceId: physicalId });
  return false;
}
