/**
 * The contract between `AsgDnsRecord` / `AsgDnsUpdater` and their handler (lambda/asg-dns-updater): the `DomainMeta`
 * tag, the lifecycle hook name and the event detail types. A leaf module with no AWS or CDK imports, imported by both
 * sides (lib/ never imports handler code).
 *
 * `DomainMeta=<HostedZoneId>:<RecordName>` is the original updater's tag. `DomainMetaOptions` is optional and
 * carries what the original hard-coded: `ttl=60,address=public|private|ipv6,whenEmpty=keep|delete,perInstance=true`.
 */

/** Key of the tag that names the record a group's instances are published in. */
export const DOMAIN_META_TAG = 'DomainMeta';
/** Key of the optional tag with the record's options. */
export const DOMAIN_META_OPTIONS_TAG = 'DomainMetaOptions';
/**
 * Key of the tag naming the updater a group belongs to (the updater's owner id, its stack name). Informational: an
 * updater's own groups are those named in its configuration ({@link UPDATER_ENV.groups}), never those carrying a tag
 * another stack could set. Tag-only mode leaves groups carrying any owner tag alone.
 */
export const DOMAIN_META_OWNER_TAG = 'DomainMetaOwner';
/** Environment variables the construct sets and the handler reads. */
export const UPDATER_ENV = {
  /** This updater's owner id (its stack name), for logs and the informational owner tag. */
  owner: 'DNS_UPDATER_OWNER',
  /**
   * The names of the groups the constructs wired to this updater, comma-separated: its own groups. Ownership comes
   * from here (the function's configuration, which only this stack sets), never from a tag another stack could forge.
   */
  groups: 'DNS_UPDATER_GROUPS',
  /** Tag-only mode: the groups whose drain lifecycle actions the updater may complete, comma-separated. */
  lifecycleGroups: 'DNS_UPDATER_LIFECYCLE_GROUPS',
  /** URL of the FIFO queue every event goes through (direct invocations are forwarded into it). */
  queueUrl: 'DNS_UPDATER_QUEUE_URL',
  /** The queue's intake message group (schedule, tag-only events, SNS), fanned out into one group per record. */
  messageGroup: 'DNS_UPDATER_MESSAGE_GROUP',
  /** The queue's maxReceiveCount: the last attempt of a custom-resource message answers CloudFormation whatever happens. */
  maxReceives: 'DNS_UPDATER_MAX_RECEIVES',
  /** Tag-only mode: the hosted zone ids unowned groups may name, comma-separated. Absent: tag-only mode is off. */
  taggedZones: 'DNS_UPDATER_TAGGED_ZONES',
  /** Tag-only mode: the record-name patterns (`*` wildcard, IAM StringLike) unowned groups may name, comma-separated. */
  taggedNames: 'DNS_UPDATER_TAGGED_NAMES',
} as const;
/**
 * The intake message group of the updater's FIFO queue: the reconcile schedule, tag-only mode's events and SNS
 * notifications arrive here and are fanned out into the message group of each record they concern.
 */
export const UPDATER_MESSAGE_GROUP = 'asg-dns-updater';

/** Longest message group id SQS accepts. */
const MAX_MESSAGE_GROUP_ID = 128;

/**
 * The message group of one record's messages. Messages of one record are processed in order, one at a time (each
 * reads the record, then writes it); a message that fails and waits for its retry holds back only its own record.
 * Keyed by the normalised record name alone, so blue/green groups sharing a record share its group.
 */
export function recordMessageGroup(recordName: string): string {
  const id = `record:${recordName}`;
  if (id.length <= MAX_MESSAGE_GROUP_ID) return id;
  // Long names: a stable digest (FNV-1a, 2 × 32 bits) after a readable prefix. No crypto import: this module is a leaf.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < recordName.length; i++) {
    const c = recordName.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x811c9dc5) >>> 0;
  }
  const digest = `${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
  return `${id.slice(0, MAX_MESSAGE_GROUP_ID - digest.length - 1)}~${digest}`;
}

/** Name of the terminate lifecycle hook whose actions the updater completes (and no other hook's). */
export const DNS_LIFECYCLE_HOOK_NAME = 'asg-dns-updater-drain';
/** Route 53's limit on values in one record set. */
export const MAX_VALUES_PER_RECORD = 400;
/** TTL when the options tag gives none. */
export const DEFAULT_TTL_SECONDS = 60;

/** The detail types the construct's rules forward. */
export const HANDLED_DETAIL_TYPES = [
  'EC2 Instance Launch Successful',
  'EC2 Instance Terminate Successful',
  'EC2 Instance-launch Lifecycle Action',
  'EC2 Instance-terminate Lifecycle Action',
];

/** Which address of an instance goes into the record. */
export type AddressKind = 'public' | 'private' | 'ipv6';

/** A record the updater manages: one hosted zone and one normalised name. */
export interface RecordKey {
  /** Bare zone id, upper case, without `/hostedzone/`. */
  readonly zoneId: string;
  /** Lower case, no trailing dot. */
  readonly recordName: string;
}

/** The options of a managed record. */
export interface RecordOptions {
  readonly ttl: number;
  /** Undefined: decided from the hosted zone (private zone → private IPv4, else public IPv4). */
  readonly address?: AddressKind;
  readonly whenEmpty: 'keep' | 'delete';
  readonly perInstance: boolean;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** `key` as a stable string, for maps. */
export function keyString(key: RecordKey): string {
  return `${key.zoneId}:${key.recordName}`;
}

/**
 * Normalises a DNS name as Route 53's IAM condition keys expect it: lower case, no trailing dot.
 * Returns undefined when the name is not a plain host name (wildcards and escapes are not managed).
 */
export function normaliseRecordName(raw: string): string | undefined {
  const name = raw.trim().toLowerCase().replace(/\.$/, '');
  if (name.length === 0 || name.length > 253) return undefined;
  const labels = name.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return undefined;
  return name;
}

/**
 * Parses `DomainMeta`. Accepts the spellings people write: `/hostedzone/` prefix, any case, a trailing dot,
 * surrounding spaces.
 */
export function parseDomainMeta(value: string | undefined): Parsed<RecordKey> {
  if (value === undefined) return { ok: false, reason: `no ${DOMAIN_META_TAG} tag` };
  const raw = value.trim();
  const colon = raw.lastIndexOf(':');
  if (colon <= 0) {
    return { ok: false, reason: `${DOMAIN_META_TAG} '${value}' is not <HostedZoneId>:<RecordName>` };
  }
  const zoneId = raw.slice(0, colon).trim().replace(/^\/?hostedzone\//i, '').toUpperCase();
  if (!ZONE_ID.test(zoneId)) {
    return { ok: false, reason: `${DOMAIN_META_TAG} '${value}': '${zoneId}' is not a hosted zone id (Z followed by letters and digits)` };
  }
  const recordName = normaliseRecordName(raw.slice(colon + 1));
  if (!recordName) {
    return { ok: false, reason: `${DOMAIN_META_TAG} '${value}': the record name is not a host name like app.example.com` };
  }
  return { ok: true, value: { zoneId, recordName } };
}

/** Parses `DomainMetaOptions`; unknown keys or bad values are errors, so a typo never silently changes behaviour. */
export function parseOptions(value: string | undefined): Parsed<RecordOptions> {
  let ttl = DEFAULT_TTL_SECONDS;
  let address: AddressKind | undefined;
  let whenEmpty: 'keep' | 'delete' = 'keep';
  let perInstance = false;
  const parts = (value ?? '').split(/[,; ]+/).map((p) => p.trim()).filter((p) => p.length > 0);
  for (const part of parts) {
    const [k, v = ''] = part.split('=', 2).map((s) => s.trim());
    const key = k.toLowerCase();
    const val = v.toLowerCase();
    if (key === 'ttl' && /^\d{1,10}$/.test(val) && Number(val) <= 2147483647) {
      ttl = Number(val);
    } else if (key === 'address' && (val === 'public' || val === 'private' || val === 'ipv6')) {
      address = val;
    } else if (key === 'whenempty' && (val === 'keep' || val === 'delete')) {
      whenEmpty = val;
    } else if (key === 'perinstance' && (val === 'true' || val === 'false')) {
      perInstance = val === 'true';
    } else {
      return { ok: false, reason: `${DOMAIN_META_OPTIONS_TAG} '${value}': '${part}' is not one of ttl=<seconds>, address=public|private|ipv6, whenEmpty=keep|delete, perInstance=true|false` };
    }
  }
  return { ok: true, value: { ttl, address, whenEmpty, perInstance } };
}

/** Renders options as the tag value the handler parses. */
export function formatOptions(options: RecordOptions): string {
  const parts = [`ttl=${options.ttl}`];
  if (options.address) parts.push(`address=${options.address}`);
  parts.push(`whenEmpty=${options.whenEmpty}`);
  if (options.perInstance) parts.push('perInstance=true');
  return parts.join(',');
}

/** A per-instance record name as the updater writes it, to test name patterns against. */
export function perInstanceSample(recordName: string): string {
  return `i-0123456789abcdef0.${recordName}`;
}

/** The metric the handler publishes (CloudWatch embedded metric format, from its logs) and the alarm watches. */
export const UPDATER_METRIC = {
  namespace: 'CdkContainerFleet/AsgDnsUpdater',
  /** Records that could not be made right, and messages given up (per function). */
  failures: 'Failures',
  dimension: 'FunctionName',
} as const;
