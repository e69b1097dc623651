import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { fleetError } from '../errors';
import { checkWholeNumber } from '../validation';

/** Properties of a {@link RegionalEndpoint}. */
export interface RegionalEndpointProps {
  /** The public hosted zone of the name (`HostedZone.fromHostedZoneAttributes`: no lookup). */
  readonly zone: route53.IHostedZone;
  /**
   * The public name, the same in every region, e.g. `app.example.com` (or `app`, relative to the zone).
   */
  readonly recordName: string;
  /** The region's load balancer that the name points to. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /**
   * Path Route 53's health checkers request on the load balancer; a 2xx or 3xx answer is healthy. The request's Host
   * header is the load balancer's own DNS name, so the path must be served by a path route (a host-only route never
   * matches it, and the load balancer's default answer is 404).
   *
   * @default '/'
   */
  readonly healthCheckPath?: string;
  /**
   * Protocol (and port, 80 or 443) of the health check. Use HTTPS when the load balancer has a certificate: its HTTP
   * listener then only redirects, and Route 53 counts a redirect (3xx) as healthy even when no task answers.
   *
   * @default ApplicationProtocol.HTTP
   */
  readonly healthCheckProtocol?: elbv2.ApplicationProtocol;
  /**
   * Consecutive failed (or passed) checks before the region leaves (or rejoins) DNS.
   *
   * @default 3
   */
  readonly failureThreshold?: number;
  /**
   * Seconds between checks from each checker: 10 or 30.
   *
   * @default 30 seconds (10 costs more and detects a rebuild in about 30 s instead of 90 s)
   */
  readonly healthCheckInterval?: Duration;
  /**
   * The region the record answers for (latency-based routing).
   *
   * @default - the stack's region, which must then be concrete
   */
  readonly region?: string;
}

/**
 * A region's share of a public name: a Route 53 latency record (alias to the region's load balancer, with target
 * health evaluated) plus a Route 53 health check of the load balancer, so that a region being rebuilt drops out of DNS
 * by itself and comes back when healthy. Create one per region, each in that region's stack, with the same name.
 */
export class RegionalEndpoint extends Construct {
  /** The latency record. */
  public readonly record: route53.ARecord;
  /** The health check of the region's load balancer. */
  public readonly healthCheck: route53.HealthCheck;
  /** The region the record answers for. */
  public readonly region: string;
  /** The load balancer the name points to. */
  public readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /**
   * Seconds after which a region whose health check turns unhealthy has left DNS: failure threshold × interval,
   * plus the alias record's 60 s TTL.
   */
  public readonly withdrawSeconds: number;

  constructor(scope: Construct, id: string, props: RegionalEndpointProps) {
    super(scope, id);
    const region = props.region ?? Stack.of(this).region;
    if (Token.isUnresolved(region)) {
      throw fleetError(this, 'the stack has no concrete region, so the latency record cannot name one', "give the stack env: { region: 'eu-west-1', … } or pass region");
    }
    this.region = region;
    this.loadBalancer = props.loadBalancer;
    const path = props.healthCheckPath ?? '/';
    if (!path.startsWith('/')) {
      throw fleetError(this, `healthCheckPath '${path}' does not start with '/'`, `use '/${path}'`);
    }
    const failureThreshold = props.failureThreshold ?? 3;
    checkWholeNumber(this, 'failureThreshold', failureThreshold, { min: 1, max: 10 });
    const interval = props.healthCheckInterval ?? Duration.seconds(30);
    if (![10, 30].includes(interval.toSeconds())) {
      throw fleetError(this, `healthCheckInterval ${interval.toHumanString()} is not valid`, 'use 10 or 30 seconds, the intervals Route 53 offers');
    }
    const https = props.healthCheckProtocol === elbv2.ApplicationProtocol.HTTPS;
    this.withdrawSeconds = failureThreshold * interval.toSeconds() + 60;

    this.healthCheck = new route53.HealthCheck(this, 'HealthCheck', {
      type: https ? route53.HealthCheckType.HTTPS : route53.HealthCheckType.HTTP,
      fqdn: props.loadBalancer.loadBalancerDnsName,
      resourcePath: path,
      port: https ? 443 : 80,
      failureThreshold,
      requestInterval: interval,
    });
    // Inverted is the conductor's: it inverts the check to withdraw the region for the night. aws-cdk-lib writes
    // `Inverted: false` into the template, which a deployment of this stack during a night would send back to Route 53
    // with any change of the check, putting a region being rebuilt back into DNS. Left out, CloudFormation creates the
    // check uninverted (Route 53's default) and has no value of its own to write; the conductor also re-inverts a
    // withdrawn region's check on every poll, in case an update resets it anyway.
    (this.healthCheck.node.defaultChild as route53.CfnHealthCheck).addPropertyDeletionOverride('HealthCheckConfig.Inverted');

    this.record = new route53.ARecord(this, 'Resource', {
      zone: props.zone,
      recordName: props.recordName,
      region,
      // One record per region under the same name: the identifier is the region.
      setIdentifier: region,
      healthCheck: this.healthCheck,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(props.loadBalancer, { evaluateTargetHealth: true })),
    });
  }
}
