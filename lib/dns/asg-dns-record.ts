import { Annotations, CustomResource, Duration, Tags, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import {
  AddressKind, DNS_LIFECYCLE_HOOK_NAME, DOMAIN_META_OPTIONS_TAG, DOMAIN_META_OWNER_TAG, DOMAIN_META_TAG, formatOptions,
  normaliseRecordName, RecordOptions,
} from './contract';
import { fleetError } from '../errors';
import { checkDuration } from '../validation';
import { AsgDnsUpdater, knownZoneName } from './asg-dns-updater';

/** Which address of each instance the record holds. */
export enum DnsAddressType {
  /** The instance's public IPv4 address (an A record). */
  PUBLIC_IPV4 = 'publicIpv4',
  /** The instance's private IPv4 address (an A record). */
  PRIVATE_IPV4 = 'privateIpv4',
  /** The instance's IPv6 address (an AAAA record). */
  IPV6 = 'ipv6',
}

/** What an {@link AsgDnsRecord} does when no instance is in service. */
export enum WhenEmpty {
  /**
   * Leave the last values: a deleted name makes resolvers cache NXDOMAIN for the zone's negative TTL, so clients would
   * fail longer than they need to.
   */
  KEEP = 'keep',
  /** Delete the record. */
  DELETE = 'delete',
}

/** Properties of an {@link AsgDnsRecord}. */
export interface AsgDnsRecordProps {
  /** The group whose InService instances the record follows. */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;

  /** The hosted zone of the record. */
  readonly hostedZone: route53.IHostedZone;

  /**
   * The record's name: fully qualified (`qa.example.com`, trailing dot allowed) or one label relative to the zone
   * (`qa`). A name with dots that does not end in the zone's name is an error, never silently appended to the zone.
   * Groups of one stack with the same record name share one record (blue/green): it holds the instances of all of them.
   */
  readonly recordName: string;

  /**
   * TTL of the record. Resolvers keep a terminated instance's address up to this long after it left the record.
   *
   * @default 60 seconds
   */
  readonly ttl?: Duration;

  /**
   * Which address of each instance goes into the record (IPv6 makes it an AAAA record). Instances without that
   * address are left out.
   *
   * @default - private IPv4 for a `PrivateHostedZone`, public IPv4 for a `PublicHostedZone`; for an imported zone,
   *   decided at run time from the zone (private zone: private IPv4, else public IPv4)
   */
  readonly addressType?: DnsAddressType;

  /**
   * What happens when no instance is in service. `KEEP` leaves the last values (a deleted name makes resolvers
   * cache NXDOMAIN for the zone's negative TTL, so clients fail longer than they need to); `DELETE` removes it.
   *
   * @default WhenEmpty.KEEP
   */
  readonly whenEmpty?: WhenEmpty;

  /**
   * Also keep one record per instance, `<instance-id>.<recordName>`, beside the multi-value record.
   *
   * @default false
   */
  readonly perInstanceRecords?: boolean;

  /**
   * How long a terminating instance may wait for the updater to take it out of DNS. After it, Auto Scaling
   * terminates the instance anyway (the hook's default result is CONTINUE), so a broken updater never blocks scale-in.
   *
   * @default 5 minutes
   */
  readonly drainTimeout?: Duration;
}

/**
 * A Route 53 record that follows an Auto Scaling group: it holds the address of every InService instance, is
 * updated when instances launch or terminate (a terminating instance leaves DNS before it is let go), and is
 * re-synced every few minutes. The group gets the `DomainMeta=<zone id>:<record name>` tag the updater reads.
 * When the construct (or its stack) is deleted, the records it manages are deleted too, unless another group
 * still shares the name.
 */
export class AsgDnsRecord extends Construct {
  /** The fully qualified record name, lower case, no trailing dot. */
  public readonly recordName: string;
  /** `A`, or `AAAA` for IPv6 addresses. */
  public readonly recordType: route53.RecordType;
  /** The shared updater function of the stack. */
  public readonly updater: AsgDnsUpdater;
  /** The terminate lifecycle hook that holds an instance until it is out of DNS. */
  public readonly drainHook: autoscaling.LifecycleHook;
  /** The rule forwarding the group's events (undefined when another record already watches the group). */
  public readonly rule?: events.Rule;

  constructor(scope: Construct, id: string, props: AsgDnsRecordProps) {
    super(scope, id);
    const { autoScalingGroup: group, hostedZone } = props;

    this.recordName = this.fullName(props.recordName, hostedZone);
    const ttl = props.ttl ?? Duration.seconds(60);
    checkDuration(this, 'ttl', ttl, { min: Duration.seconds(0), max: Duration.seconds(2147483647), wholeUnit: 'seconds', why: 'the Route 53 TTL range' });
    const ttlSeconds = ttl.toSeconds();
    const drainTimeout = props.drainTimeout ?? Duration.minutes(5);
    checkDuration(this, 'drainTimeout', drainTimeout, { min: Duration.seconds(30), max: Duration.hours(2), why: 'the lifecycle hook heartbeat range' });
    const whenEmpty = whenEmptyOption(props.whenEmpty ?? WhenEmpty.KEEP);
    if (!whenEmpty) {
      throw fleetError(this, `whenEmpty '${props.whenEmpty}' is not valid`, 'use WhenEmpty.KEEP or WhenEmpty.DELETE');
    }
    const address = addressKind(props.addressType, hostedZone);
    if (props.addressType && !address) {
      throw fleetError(this, `addressType '${props.addressType}' is not valid`, 'use DnsAddressType.PUBLIC_IPV4, PRIVATE_IPV4 or IPV6');
    }
    if (address === 'public' && isPrivateZone(hostedZone)) {
      Annotations.of(this).addWarningV2('@cdk-container-fleet/dns:publicAddressInPrivateZone', 'addressType DnsAddressType.PUBLIC_IPV4 in a private hosted zone: clients inside the VPC usually want DnsAddressType.PRIVATE_IPV4');
    }
    this.recordType = address === 'ipv6' ? route53.RecordType.AAAA : route53.RecordType.A;
    const perInstance = props.perInstanceRecords ?? false;
    const options = formatOptions({ ttl: ttlSeconds, address, whenEmpty, perInstance });
    const domainMeta = `${hostedZone.hostedZoneId}:${this.recordName}`;

    this.updater = AsgDnsUpdater.of(this);
    const owner = this.updater.owner;
    const claimed = AsgDnsRecord.claims.get(group) ?? new Set<string>();
    if (claimed.size > 0) {
      throw fleetError(this, `the group ${group.node.path} already has a DNS record (${[...claimed].join(', ')}); it carries one ${DOMAIN_META_TAG} tag`,
        'use one AsgDnsRecord per group (groups may share a record name, not the other way round)');
    }
    claimed.add(this.node.path);
    AsgDnsRecord.claims.set(group, claimed);

    if (group instanceof autoscaling.AutoScalingGroup) {
      // Not on the instances: the updater reads the group's tags only.
      Tags.of(group).add(DOMAIN_META_TAG, domainMeta, { applyToLaunchedInstances: false });
      Tags.of(group).add(DOMAIN_META_OPTIONS_TAG, options, { applyToLaunchedInstances: false });
      // Informational, and keeps another environment's tag-only mode off this group. Ownership itself is the group's
      // name in the updater's configuration (watchGroup), which no other stack can set.
      Tags.of(group).add(DOMAIN_META_OWNER_TAG, owner, { applyToLaunchedInstances: false });
    } else {
      Annotations.of(this).addWarningV2('@cdk-container-fleet/dns:importedGroupNotTagged',
        `the group is imported, so it cannot be tagged here: tag it yourself with ${DOMAIN_META_TAG}=${Token.isUnresolved(domainMeta) ? '<zone id>:' + this.recordName : domainMeta}, ${DOMAIN_META_OPTIONS_TAG}=${options} and ${DOMAIN_META_OWNER_TAG}=${owner} (the updater follows it by name; the owner tag keeps other environments' tag-only mode off it)`);
    }

    this.drainHook = new autoscaling.LifecycleHook(this, 'DrainHook', {
      autoScalingGroup: group,
      lifecycleHookName: DNS_LIFECYCLE_HOOK_NAME,
      lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_TERMINATING,
      defaultResult: autoscaling.DefaultResult.CONTINUE,
      heartbeatTimeout: drainTimeout,
    });
    this.rule = this.updater.watchGroup(this, group, this.recordName);
    this.grantRecord(hostedZone, perInstance);

    // Cleanup on deletion, and a first sync on creation, through the updater's queue like every other write. It is
    // deleted before the function, its policies and its queue (so the cleanup can still run) and after every rule
    // feeding the queue (so no later event writes the record again).
    const cleanup = new CustomResource(this, 'Cleanup', {
      serviceToken: this.updater.function.functionArn,
      resourceType: 'Custom::AsgDnsRecord',
      properties: { AutoScalingGroupName: group.autoScalingGroupName, DomainMeta: domainMeta, DomainMetaOptions: options },
    });
    cleanup.node.addDependency(this.drainHook);
    this.updater.addRecordResource(cleanup);
  }

  private static readonly claims = new WeakMap<autoscaling.IAutoScalingGroup, Set<string>>();

  /** Route 53 writes on this zone, for this record name and type only (and `i-*.<name>` with per-instance records). */
  private grantRecord(zone: route53.IHostedZone, perInstance: boolean): void {
    const fn = this.updater.function;
    const conditions = (op: string, names: string[]) => ({
      [`ForAllValues:${op}`]: {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': names,
        'route53:ChangeResourceRecordSetsRecordTypes': [this.recordType],
        'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
      },
    });
    // One statement: ForAllValues must hold for every name of a change batch, and a batch carries the shared record and
    // the per-instance records together. Under StringLike the exact name still matches only itself.
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['route53:ChangeResourceRecordSets'],
      resources: [zone.hostedZoneArn],
      conditions: perInstance
        ? conditions('StringLike', [this.recordName, `i-*.${this.recordName}`])
        : conditions('StringEquals', [this.recordName]),
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['route53:GetHostedZone', 'route53:ListResourceRecordSets'], resources: [zone.hostedZoneArn] }));
  }

  /**
   * The fully qualified, normalised name. Relative names are one label (`qa`); a name with dots must end in the zone's
   * name (when it is known at synth: an imported zone's name may be a token, or absent).
   */
  private fullName(recordName: string, zone: route53.IHostedZone): string {
    if (Token.isUnresolved(recordName)) {
      throw fleetError(this, 'recordName is a token', 'give the record name as a plain string (it becomes an IAM condition and a tag)');
    }
    const zoneName = knownZoneName(zone);
    const raw = recordName.trim().toLowerCase().replace(/\.$/, '');
    const firstLabel = raw.split('.')[0] || 'app';
    let fqdn = raw;
    if (!raw.includes('.')) {
      if (!zoneName) {
        throw fleetError(this, `recordName '${recordName}' is relative, but the hosted zone's name is not known at synth (a token, or a zone imported by id)`,
          `give the fully qualified name, e.g. '${firstLabel}.<zone name>', or import the zone with its name (fromHostedZoneAttributes)`);
      }
      fqdn = `${raw}.${zoneName}`;
    } else if (zoneName && raw !== zoneName && !raw.endsWith(`.${zoneName}`)) {
      throw fleetError(this, `recordName '${recordName}' is outside the hosted zone ${zoneName}`,
        `write the full name ending in .${zoneName} (e.g. '${raw.replace(/\.$/, '')}.${zoneName}' if you meant it relative) or one label relative to the zone ('${firstLabel}')`);
    }
    const name = normaliseRecordName(fqdn);
    if (!name) {
      throw fleetError(this, `recordName '${recordName}' is not a host name`, "use labels of letters, digits, '-' and '_' like 'qa.example.com' (no wildcards)");
    }
    return name;
  }
}

function isPrivateZone(zone: route53.IHostedZone): boolean {
  return zone instanceof route53.PrivateHostedZone;
}

function addressKind(type: DnsAddressType | undefined, zone: route53.IHostedZone): AddressKind | undefined {
  switch (type) {
    case DnsAddressType.PUBLIC_IPV4: return 'public';
    case DnsAddressType.PRIVATE_IPV4: return 'private';
    case DnsAddressType.IPV6: return 'ipv6';
    case undefined:
      if (isPrivateZone(zone)) return 'private';
      if (zone instanceof route53.PublicHostedZone) return 'public';
      return undefined;
    default: return undefined;
  }
}


/** The `whenEmpty` option of the updater's tag (the handler contract's literal), or undefined for a value that is none. */
function whenEmptyOption(value: WhenEmpty): RecordOptions['whenEmpty'] | undefined {
  switch (value) {
    case WhenEmpty.KEEP: return 'keep';
    case WhenEmpty.DELETE: return 'delete';
    default: return undefined;
  }
}
