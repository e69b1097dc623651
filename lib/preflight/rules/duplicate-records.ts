import { acknowledgeHint, describeResource, finding, PreflightFinding, IPreflightRule } from '../rule';
import { asArray, ResourceRef, TemplateSet } from '../template-set';

const ID = 'Preflight-DuplicateSimpleRecord';

/** One Route 53 record declared in the app. */
interface DeclaredRecord {
  readonly ref: ResourceRef;
  readonly location: string;
  readonly zone: string;
  readonly name: string;
  readonly type: string;
  readonly simple: boolean;
  /** For a record an AsgDnsRecord's updater writes: which updater (its template and service token). */
  readonly updater?: string;
}

/** A record name as Route 53 compares it: lowercase, with the trailing dot. */
export function normalizeRecordName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/**
 * The same record name and type declared twice in one hosted zone where at least one of them is a simple record (no
 * `SetIdentifier`): "you can't create multiple records that have the same name and type" with simple routing, and a
 * simple record cannot share its name and type with weighted, latency or other routed records. The second stack to
 * deploy (often the second region) fails.
 */
export const DUPLICATE_SIMPLE_RECORD: IPreflightRule = {
  id: ID,
  summary: 'the same simple Route 53 record (name and type, no SetIdentifier) created twice in a zone, by two stacks or one',
  check(templates: TemplateSet): PreflightFinding[] {
    const groups = new Map<string, DeclaredRecord[]>();
    for (const record of declaredRecords(templates)) {
      const key = `${record.zone}\u0000${record.name}\u0000${record.type}`;
      groups.set(key, [...(groups.get(key) ?? []), record]);
    }
    const findings: PreflightFinding[] = [];
    for (const records of groups.values()) {
      if (records.length < 2 || !records.some((r) => r.simple)) continue;
      for (const record of records) {
        const others = records.filter((r) => r !== record).map((r) => describeResource(r.ref)).join('; ');
        const what = record.updater ? 'the record an AsgDnsRecord writes,' : record.simple ? 'simple record' : 'routed record';
        const outcome = records.some((r) => r.updater)
          ? 'and a DNS updater UPSERTs it at run time: it silently overwrites the other writer\'s record (or CloudFormation\'s create fails when the updater wrote first)'
          : 'so the stack deployed second fails ("it already exists")';
        findings.push(finding(ID, record.ref, record.location,
          `${what} ${record.name} ${record.type} is also created by ${others}; a simple record's name and type exist once per hosted zone, ${outcome}`,
          'Create the record once (in one stack), or give every copy a routing policy with its own SetIdentifier ' +
          `(latency records per region, e.g. RegionalEndpoint), or use a different name per stack. ${acknowledgeHint(ID)}`));
      }
    }
    return findings;
  },
};

function declaredRecords(templates: TemplateSet): DeclaredRecord[] {
  const records: DeclaredRecord[] = [];
  const add = (ref: ResourceRef, location: string, props: Record<string, any> | undefined, groupZone?: { id?: unknown; name?: unknown }, updater?: string) => {
    if (!props) return;
    const zone = zoneKey(templates, ref, props.HostedZoneId ?? groupZone?.id, props.HostedZoneName ?? groupZone?.name);
    const name = templates.literal(ref.template, props.Name);
    const type = templates.literal(ref.template, props.Type);
    if (!zone || typeof name !== 'string' || typeof type !== 'string') return;
    const record = { ref, location, zone, name: normalizeRecordName(name), type: type.toUpperCase(), simple: props.SetIdentifier === undefined, updater };
    // Groups that share an updater and a name share one record on purpose (blue/green): that is one record, not two.
    if (updater && records.some((r) => r.updater === updater && r.zone === record.zone && r.name === record.name && r.type === record.type)) return;
    records.push(record);
  };
  for (const ref of templates.resourcesOfType('AWS::Route53::RecordSet')) add(ref, 'Properties', ref.resource.Properties);
  for (const ref of templates.resourcesOfType('AWS::Route53::RecordSetGroup')) {
    const props = ref.resource.Properties ?? {};
    asArray(props.RecordSets).forEach((set, i) => add(ref, `Properties.RecordSets.${i}`, set, { id: props.HostedZoneId, name: props.HostedZoneName }));
  }
  // An AsgDnsRecord's record is written by its updater, not by CloudFormation, but it is a simple record all the same:
  // beside a record of the same name and type, one overwrites the other (or CloudFormation's create fails).
  for (const ref of templates.resourcesOfType('Custom::AsgDnsRecord')) {
    const props = ref.resource.Properties ?? {};
    const meta = splitDomainMeta(templates, ref, props.DomainMeta);
    if (!meta) continue;
    const options = templates.literal(ref.template, props.DomainMetaOptions);
    const type = typeof options === 'string' && /(^|,)address=ipv6(,|$)/.test(options) ? 'AAAA' : 'A';
    add(ref, 'Properties.DomainMeta', { HostedZoneId: meta.zone, Name: meta.name, Type: type }, undefined,
      `${ref.template.templateFile}#${JSON.stringify(props.ServiceToken)}`);
  }
  return records;
}

/** `DomainMeta` is `<zone id>:<record name>`: a literal, or a join of the zone (a reference) and `:<name>`. */
function splitDomainMeta(templates: TemplateSet, ref: ResourceRef, meta: unknown): { zone: unknown; name: string } | undefined {
  const literal = templates.literal(ref.template, meta);
  if (typeof literal === 'string') {
    const colon = literal.indexOf(':');
    return colon > 0 ? { zone: literal.slice(0, colon), name: literal.slice(colon + 1) } : undefined;
  }
  const join = (meta as any)?.['Fn::Join'];
  if (!Array.isArray(join) || join[0] !== '' || !Array.isArray(join[1]) || join[1].length < 2) return undefined;
  const [zone, ...rest] = join[1];
  const tail = templates.literal(ref.template, { 'Fn::Join': ['', rest] });
  return typeof tail === 'string' && tail.startsWith(':') ? { zone, name: tail.slice(1) } : undefined;
}

/** Identifies a hosted zone: by literal id, by the zone resource in the app, or by literal zone name. */
function zoneKey(templates: TemplateSet, ref: ResourceRef, id: unknown, name: unknown): string | undefined {
  if (id !== undefined) {
    const literal = templates.literal(ref.template, id);
    if (typeof literal === 'string') return `id:${literal.replace(/^\/hostedzone\//, '')}`;
    const zone = templates.resolveResource(ref.template, id);
    return zone?.resource.Type === 'AWS::Route53::HostedZone' ? `resource:${zone.template.templateFile}#${zone.logicalId}` : undefined;
  }
  const literal = templates.literal(ref.template, name);
  return typeof literal === 'string' ? `name:${normalizeRecordName(literal)}` : undefined;
}
