import { acknowledgeHint, finding, PreflightFinding, IPreflightRule } from '../rule';
import { isObject, jsonOf, ResourceRef, TemplateSet } from '../template-set';

const ID = 'Preflight-PlaceholderIds';

/** Account ids that documentation uses as examples. */
const EXAMPLE_ACCOUNTS = new Set(['123456789012', '012345678901', '111122223333', '444455556666', '123412341234']);

/** Runs this long of one character, or of consecutive characters, do not occur in real ids by chance. */
const RUN = 6;

/**
 * Why an id looks like a placeholder rather than a real one (`Z0123456789ABCDEFGHIJ`, `123456789012`,
 * `…EXAMPLE…`, all zeros, long repeated or sequential runs), or undefined when it looks real.
 *
 * TypeScript only; from other languages use `PreflightRules.placeholderReason`.
 *
 * @jsii ignore
 */
export function placeholderReason(id: string): string | undefined {
  if (/example/i.test(id)) return 'contains "EXAMPLE"';
  if (EXAMPLE_ACCOUNTS.has(id)) return 'is a documentation example account id';
  const chars = id.toUpperCase().replace(/[^0-9A-Z]/g, '');
  let repeated = 1;
  let sequential = 1;
  for (let i = 1; i < chars.length; i++) {
    repeated = chars[i] === chars[i - 1] ? repeated + 1 : 1;
    sequential = isSuccessor(chars[i - 1], chars[i]) ? sequential + 1 : 1;
    if (repeated >= RUN) return `repeats "${chars[i]}" ${RUN} or more times`;
    if (sequential >= RUN) return `contains the sequence "${chars.slice(i - RUN + 1, i + 1)}"`;
  }
  return undefined;
}

function isSuccessor(a: string, b: string): boolean {
  return b.charCodeAt(0) === a.charCodeAt(0) + 1 && /[0-9A-Z]/.test(a) && /[0-9A-Z]/.test(b);
}

/** A hosted zone id, certificate id, account id or CIDR found in a template string. */
export interface FoundId {
  /** What it is, for messages (`hosted zone id`). */
  readonly kind: string;
  /** The id as found. */
  readonly id: string;
  /**
   * Why it is a placeholder, when that follows from where it was found.
   *
   * @default - judged by {@link placeholderReason}
   */
  readonly reason?: string;
}

/** The address ranges reserved for documentation (RFC 5737, RFC 3849). */
const DOCUMENTATION_RANGES = /^(192\.0\.2\.|198\.51\.100\.|203\.0\.113\.)\d{1,3}\/\d{1,2}$|^2001:db8:/i;

/**
 * The hosted zone ids, ACM certificate ids and ARN account ids in one template string, and CIDRs from the ranges
 * reserved for documentation in CIDR properties (an office range left at `203.0.113.0/24` admits nobody).
 */
export function idsIn(text: string, key: string): FoundId[] {
  const found: FoundId[] = [];
  if (/Cidr/i.test(key) && DOCUMENTATION_RANGES.test(text)) {
    found.push({ kind: 'CIDR', id: text, reason: 'is in a range reserved for documentation (RFC 5737 / RFC 3849)' });
  }
  if (/ZoneId$/i.test(key)) {
    const zone = /^(?:\/hostedzone\/)?(Z[A-Z0-9]{4,32})$/.exec(text);
    if (zone) found.push({ kind: 'hosted zone id', id: zone[1] });
  }
  for (const m of text.matchAll(/hostedzone\/(Z[A-Z0-9]{4,32})/g)) found.push({ kind: 'hosted zone id', id: m[1] });
  const tagged = /^(Z[A-Z0-9]{8,32}):\S/.exec(text); // `<zone id>:<record name>` (DomainMeta tags)
  if (tagged) found.push({ kind: 'hosted zone id', id: tagged[1] });
  for (const m of text.matchAll(/:acm:[a-z0-9-]*:[^:]*:certificate\/([A-Za-z0-9-]+)/g)) found.push({ kind: 'certificate id', id: m[1] });
  const arn = /^(?:arn:[\w-]*)?:[a-z0-9-]+:[a-z0-9-]*:(\d{12})(?:[:/]|$)/.exec(text);
  if (arn) found.push({ kind: 'account id in an ARN', id: arn[1] });
  return found;
}

/**
 * Hosted zone ids, certificate ARNs and account ids that look like placeholders: the resource that uses them fails
 * to deploy (NoSuchHostedZone, certificate not found, access denied) after everything before it was created. Also
 * documentation CIDRs in CIDR properties, which deploy but admit nobody.
 */
export const PLACEHOLDER_IDS: IPreflightRule = {
  id: ID,
  summary: 'hosted zone ids, certificate ARNs, account ids and CIDRs that look like documentation placeholders',
  check(templates: TemplateSet): PreflightFinding[] {
    const findings: PreflightFinding[] = [];
    const scan = (ref: ResourceRef, value: unknown, path: string, key: string, seen: Set<string>) => {
      if (typeof value === 'string') {
        for (const { kind, id, reason: known } of idsIn(value, key)) {
          const reason = known ?? placeholderReason(id);
          if (!reason || seen.has(id)) continue;
          seen.add(id);
          findings.push(kind === 'CIDR'
            ? finding(ID, ref, path, `CIDR "${id}" ${reason}; no real client comes from it, so whatever it should admit stays unreachable`,
              `Give the real ranges (configuration or context), or fail synthesis until they are given. ${acknowledgeHint(ID)}`)
            : finding(ID, ref, path, `${kind} "${id}" looks like a placeholder (it ${reason}); the deployment fails when CloudFormation uses it`,
              `Replace it with the real ${kind} (from configuration or context, or look the zone up with HostedZone.fromLookup), ` +
              `or leave the feature off until one is given. ${acknowledgeHint(ID)}`));
        }
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => scan(ref, v, `${path}.${i}`, key, seen));
      } else if (isObject(value)) {
        for (const [k, v] of Object.entries(value)) scan(ref, v, `${path}.${k}`, k, seen);
      }
    };
    for (const template of templates.templates) {
      for (const [logicalId, resource] of Object.entries(jsonOf(template).Resources ?? {})) {
        if (resource.Properties) scan({ template, logicalId, resource }, resource.Properties, 'Properties', '', new Set());
      }
    }
    return findings;
  },
};
