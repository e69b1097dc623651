import { Stack, StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { AsgDnsRecord, DnsAddressType, FleetCluster } from '../../lib';

/** Properties of a {@link QaDnsStack}. */
export interface QaDnsStackProps extends StackProps {
  /**
   * Name of the public hosted zone.
   *
   * @default 'qa.example.com'
   */
  readonly zoneName?: string;
  /**
   * Id of an existing public hosted zone named `zoneName` (no lookup: synthesis stays offline).
   *
   * @default - a new public hosted zone
   */
  readonly hostedZoneId?: string;
  /**
   * The name that follows the instances.
   *
   * @default 'app.<zoneName>'
   */
  readonly recordName?: string;
}

/**
 * A QA environment without a load balancer: a small {@link FleetCluster} whose instances sit in public subnets
 * (no NAT), and a DNS name in a public hosted zone that always holds the public addresses of its InService
 * instances. The example stack behind docs/dns.md and its validated test.
 */
export class QaDnsStack extends Stack {
  public readonly cluster: FleetCluster;
  public readonly hostedZone: route53.IPublicHostedZone;
  public readonly dns: AsgDnsRecord;

  constructor(scope: Construct, id: string, props: QaDnsStackProps = {}) {
    super(scope, id, props);
    const zoneName = props.zoneName ?? 'qa.example.com';
    this.cluster = new FleetCluster(this, 'Cluster', { natGateways: 0, minCapacity: 1, maxCapacity: 2 });
    this.hostedZone = props.hostedZoneId
      ? route53.PublicHostedZone.fromPublicHostedZoneAttributes(this, 'Zone', { hostedZoneId: props.hostedZoneId, zoneName })
      : new route53.PublicHostedZone(this, 'Zone', { zoneName });
    this.dns = new AsgDnsRecord(this, 'Dns', {
      autoScalingGroup: this.cluster.autoScalingGroup,
      hostedZone: this.hostedZone,
      recordName: props.recordName ?? `app.${zoneName}`,
      // Without NAT the instances have public addresses; say so, so an imported zone needs no GetHostedZone.
      addressType: DnsAddressType.PUBLIC_IPV4,
    });
  }
}
