/**
 * Decides a record from the state of the groups (pure: no AWS calls, tested directly and with fast-check).
 *
 * The record is recomputed from the truth every time: the addresses of every InService instance across all groups
 * tagged with the same record. Events only say which record to look at.
 */
import {
  AddressKind, DOMAIN_META_OPTIONS_TAG, DOMAIN_META_TAG, MAX_VALUES_PER_RECORD, RecordKey, RecordOptions,
  keyString, parseDomainMeta, parseOptions,
} from '../../lib/dns/contract';

export type RecordType = 'A' | 'AAAA';

/** What the updater needs to know about one Auto Scaling group. */
export interface GroupState {
  readonly name: string;
  /** `Delete in progress` while the group is being deleted. */
  readonly status?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly instances: ReadonlyArray<{ readonly instanceId: string; readonly lifecycleState: string }>;
}

/** The groups that share one record. */
export interface RecordGroups {
  readonly key: RecordKey;
  /** Groups carrying the tag that are not being deleted. */
  readonly members: GroupState[];
  /** Groups carrying the tag that are being deleted. */
  readonly deleting: GroupState[];
  readonly options: RecordOptions;
  /** Problems worth logging (conflicting options). */
  readonly notes: string[];
  /**
   * Why the record must not be written: a group names it but its options cannot be read. Recomputing the record
   * without that group would shrink (or delete) it, so nothing is written until the tag is fixed.
   */
  readonly blocked: string[];
}

/** Groups by record, plus the groups whose tags could not be read (and why). */
export interface GroupIndex {
  readonly records: Map<string, RecordGroups>;
  readonly invalid: Map<string, string>;
}

const DEFAULT_OPTIONS = (() => {
  const parsed = parseOptions(undefined);
  if (!parsed.ok) throw new Error('default options must parse');
  return parsed.value;
})();

/** Groups the tagged groups by the record they name. */
export function indexGroups(groups: readonly GroupState[]): GroupIndex {
  const records = new Map<string, RecordGroups>();
  const invalid = new Map<string, string>();
  const sorted = [...groups].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const g of sorted) {
    const meta = parseDomainMeta(g.tags[DOMAIN_META_TAG]);
    if (!meta.ok) { invalid.set(g.name, meta.reason); continue; }
    const options = parseOptions(g.tags[DOMAIN_META_OPTIONS_TAG]);
    const id = keyString(meta.value);
    let rec = records.get(id);
    if (!options.ok) {
      invalid.set(g.name, options.reason);
      if (!rec) {
        rec = { key: meta.value, members: [], deleting: [], options: DEFAULT_OPTIONS, notes: [], blocked: [] };
        records.set(id, rec);
      }
      rec.blocked.push(`group ${g.name} names ${id} but its ${DOMAIN_META_OPTIONS_TAG} cannot be read (${options.reason}); ${id} is left as it is until the tag is fixed`);
      continue;
    }
    if (!rec) {
      // The alphabetically first group's options win, so the choice does not depend on API order.
      rec = { key: meta.value, members: [], deleting: [], options: options.value, notes: [], blocked: [] };
      records.set(id, rec);
    } else if (JSON.stringify(rec.options) !== JSON.stringify(options.value)) {
      rec.notes.push(`group ${g.name} has ${DOMAIN_META_OPTIONS_TAG} different from the other groups of ${id}; using ${JSON.stringify(rec.options)}`);
    }
    (g.status === 'Delete in progress' ? rec.deleting : rec.members).push(g);
  }
  return { records, invalid };
}

/**
 * The instances that belong in the record: InService in a member group, minus `leaving` (an instance a terminate
 * event names is leaving even if the group has not caught up), plus `joining` when it has passed every launch
 * hook (`Pending:Proceed`, InService moments later).
 */
export function inServiceInstances(members: readonly GroupState[], leaving: ReadonlySet<string>, joining: ReadonlySet<string>): string[] {
  const ids = new Set<string>();
  for (const g of members) {
    for (const i of g.instances) {
      const ok = i.lifecycleState === 'InService' || (i.lifecycleState === 'Pending:Proceed' && joining.has(i.instanceId));
      if (ok && !leaving.has(i.instanceId)) ids.add(i.instanceId);
    }
  }
  return [...ids].sort();
}

/** The addresses of one instance as EC2 reports them. */
export interface InstanceAddresses {
  readonly publicIpv4?: string;
  readonly privateIpv4?: string;
  readonly ipv6?: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]{2,39}$/;

/** The address of the wanted kind, or undefined when the instance has none (it is then left out, never written as garbage). */
export function pickAddress(a: InstanceAddresses | undefined, kind: AddressKind): string | undefined {
  if (!a) return undefined;
  const v = kind === 'public' ? a.publicIpv4 : kind === 'private' ? a.privateIpv4 : a.ipv6;
  if (!v) return undefined;
  if (kind === 'ipv6') return IPV6.test(v) && v.includes(':') ? v.toLowerCase() : undefined;
  return IPV4.test(v) ? v : undefined;
}

export function recordTypeOf(kind: AddressKind): RecordType {
  return kind === 'ipv6' ? 'AAAA' : 'A';
}

/** A record set as ListResourceRecordSets returns it, reduced to what matters here. */
export interface ExistingRecordSet {
  /** Lower case, without the trailing dot. */
  readonly name: string;
  readonly type: string;
  readonly ttl?: number;
  readonly values: readonly string[];
  /** Alias, weighted/latency/failover/geo (SetIdentifier) or traffic-policy records: never ours to change. */
  readonly special?: boolean;
}

/** One change for ChangeResourceRecordSets. DELETE repeats the current TTL and values, as Route 53 requires. */
export interface RecordChange {
  readonly action: 'UPSERT' | 'DELETE';
  readonly name: string;
  readonly type: RecordType;
  readonly ttl: number;
  readonly values: readonly string[];
}

export interface ReconcileInput {
  /** Normalised record name. */
  readonly recordName: string;
  readonly type: RecordType;
  readonly ttl: number;
  readonly whenEmpty: 'keep' | 'delete';
  /** Also keep `<instance-id>.<recordName>` records, one per instance. */
  readonly perInstance: boolean;
  /** Every group of the record is gone: remove what is managed, whatever `whenEmpty` says. */
  readonly cleanup: boolean;
  /** The instances that belong in the record, with their address (instances without one are already left out). */
  readonly targets: ReadonlyArray<{ readonly instanceId: string; readonly address: string }>;
  /**
   * In-service instances EC2 did not return running (eventual consistency after a launch, or stopped): their address is
   * unknown. The record then keeps every current value not known to belong to a departed instance, and their
   * per-instance records, while departing instances still leave and known ones still join.
   * @default none
   */
  readonly unknownInstanceIds?: readonly string[];
  /** Addresses of instances EC2 returned that do not belong in the record (leaving, Standby…): always removed. */
  readonly departedAddresses?: readonly string[];
  /** Record sets at `recordName` and below, any type (only the managed ones are looked at). */
  readonly existing: readonly ExistingRecordSet[];
}

export interface ReconcilePlan {
  /** To write, even beside errors (an over-full record still sheds departed instances). */
  readonly changes: RecordChange[];
  /** The record cannot be made right (quota, foreign record in the way): logged and reported as a failure. */
  readonly errors: string[];
  /** Worth a log line, not a failure. */
  readonly notes: string[];
}

const PER_INSTANCE_LABEL = /^i-[0-9a-f]{8,17}$/;

/** `<instance-id>.<recordName>` */
export function perInstanceName(instanceId: string, recordName: string): string {
  return `${instanceId.toLowerCase()}.${recordName}`;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].map((v) => v.toLowerCase()).sort();
  const sb = [...b].map((v) => v.toLowerCase()).sort();
  return sa.every((v, i) => v === sb[i]);
}

/**
 * The changes that make the record (and the per-instance records) equal the targets.
 * Guarantees: never a record with zero values, nor more than 400; only record sets of `type` at `recordName` (and,
 * with `perInstance`, at `i-….<recordName>`) are touched; nothing is sent when the record already holds exactly these
 * values; a departed instance's address never stays, even above 400 instances or beside an unknown instance.
 */
export function reconcile(input: ReconcileInput): ReconcilePlan {
  const changes: RecordChange[] = [];
  const errors: string[] = [];
  const notes: string[] = [];
  const { recordName, type, ttl } = input;
  const label = `${recordName} ${type}`;

  let values = [...new Set(input.targets.map((t) => t.address))].sort();
  const current = input.existing.find((r) => r.name === recordName && r.type === type);
  const unknown = input.unknownInstanceIds ?? [];
  let blocked = false;
  if (unknown.length > 0 && !input.cleanup && current && !current.special) {
    // An unknown instance's address may be any current value: keep those not known to be a departed instance's.
    const departed = new Set((input.departedAddresses ?? []).map((v) => v.toLowerCase()));
    const wanted = new Set(values.map((v) => v.toLowerCase()));
    const kept = current.values.filter((v) => !departed.has(v.toLowerCase()) && !wanted.has(v.toLowerCase()));
    values = [...values, ...kept].sort();
    notes.push(`${label}: ${unknown.join(', ')} in service but not returned running by EC2 (just launched, or stopped); their addresses are unknown, so the current values not known to be a departed instance's are kept${kept.length ? ` (${kept.join(' ')})` : ''}`);
  }

  if (current?.special) {
    errors.push(`${label} exists as an alias, routing-policy or traffic-policy record, which this updater did not create; left as it is (remove it or choose another record name)`);
    blocked = true;
  } else if (input.cleanup) {
    if (current && current.values.length > 0) changes.push({ action: 'DELETE', name: recordName, type, ttl: current.ttl ?? ttl, values: current.values });
  } else if (values.length === 0) {
    if (unknown.length > 0) {
      if (current) notes.push(`${label}: keeping ${current.values.join(' ')} until the addresses of ${unknown.join(', ')} are known (a record cannot be empty)`);
    } else if (input.whenEmpty === 'delete') {
      if (current && current.values.length > 0) changes.push({ action: 'DELETE', name: recordName, type, ttl: current.ttl ?? ttl, values: current.values });
    } else if (current) {
      notes.push(`${label}: no instance in service with an address; keeping the last values ${current.values.join(' ')} (whenEmpty=keep)`);
    } else {
      notes.push(`${label}: no instance in service with an address and no record yet; nothing to write`);
    }
  } else if (values.length > MAX_VALUES_PER_RECORD) {
    // Departed instances still leave: the record keeps its current values that are still wanted and fills the free
    // room (departures) with the other addresses, in order; never more than Route 53 holds.
    const wanted = new Set(values);
    const still = (current?.values ?? []).filter((v) => wanted.has(v));
    const fill = values.filter((v) => !still.includes(v)).slice(0, Math.max(0, MAX_VALUES_PER_RECORD - still.length));
    const capped = [...still.slice(0, MAX_VALUES_PER_RECORD), ...fill].sort();
    errors.push(`${label}: ${values.length} instances have an address, more than the ${MAX_VALUES_PER_RECORD} values Route 53 allows in one record; it holds ${MAX_VALUES_PER_RECORD} of them (departed instances removed, the others wait for room) (use fewer instances per record name, or per-instance records)`);
    if (!(current && current.ttl === ttl && sameValues(current.values, capped))) changes.push({ action: 'UPSERT', name: recordName, type, ttl, values: capped });
  } else if (!(current && current.ttl === ttl && sameValues(current.values, values))) {
    changes.push({ action: 'UPSERT', name: recordName, type, ttl, values });
  }

  if (input.perInstance) {
    const wanted = new Map<string, string>();
    if (!input.cleanup) for (const t of input.targets) wanted.set(perInstanceName(t.instanceId, recordName), t.address);
    const existing = new Map<string, ExistingRecordSet>();
    for (const r of input.existing) {
      if (r.type !== type || !r.name.endsWith(`.${recordName}`)) continue;
      const first = r.name.slice(0, r.name.length - recordName.length - 1);
      if (PER_INSTANCE_LABEL.test(first)) existing.set(r.name, r);
    }
    // Unknown instances keep their per-instance records (their address may not have changed).
    const unknownNames = new Set(unknown.map((id) => perInstanceName(id, recordName)));
    const upserts: RecordChange[] = [];
    const deletes: RecordChange[] = [];
    for (const [name, address] of [...wanted].sort()) {
      const cur = existing.get(name);
      if (cur?.special) { errors.push(`${name} ${type} is an alias or routing-policy record; left as it is`); blocked = true; continue; }
      if (cur && cur.ttl === ttl && sameValues(cur.values, [address])) continue;
      upserts.push({ action: 'UPSERT', name, type, ttl, values: [address] });
    }
    for (const [name, cur] of [...existing].sort()) {
      if (wanted.has(name) || unknownNames.has(name) || cur.special || cur.values.length === 0) continue;
      deletes.push({ action: 'DELETE', name, type, ttl: cur.ttl ?? ttl, values: cur.values });
    }
    changes.push(...upserts, ...deletes);
  }
  // A record in the way (not ours) leaves everything as it was; an over-full record still sheds departed instances.
  return { changes: blocked ? [] : changes, errors, notes };
}

/** ChangeResourceRecordSets quotas per request (UPSERT counts twice for both). */
export const CHANGE_BATCH_LIMITS = { resourceRecords: 1000, valueChars: 32000 } as const;

/**
 * Splits changes into as few requests as the quotas allow, in order (the shared record first).
 * A single change never exceeds them: a record holds at most 400 values of at most 39 characters.
 */
export function toBatches(changes: readonly RecordChange[]): RecordChange[][] {
  const batches: RecordChange[][] = [];
  let batch: RecordChange[] = [];
  let records = 0;
  let chars = 0;
  for (const c of changes) {
    const factor = c.action === 'UPSERT' ? 2 : 1;
    const r = c.values.length * factor;
    const ch = c.values.reduce((n, v) => n + v.length, 0) * factor;
    if (batch.length > 0 && (records + r > CHANGE_BATCH_LIMITS.resourceRecords || chars + ch > CHANGE_BATCH_LIMITS.valueChars)) {
      batches.push(batch);
      batch = [];
      records = 0;
      chars = 0;
    }
    batch.push(c);
    records += r;
    chars += ch;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
