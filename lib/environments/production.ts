import { CfnOutput, NestedStack, Stack, StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { FleetCluster } from '../cluster/fleet-cluster';
import { fleetError } from '../errors';
import { FleetLoadBalancer } from '../routing/fleet-load-balancer';
import { FleetService } from '../service/fleet-service';
import type { ServiceConfig } from '../service/service-config';

export type { ServiceConfig };

/** A Route53 hosted zone, given by id so synthesis needs no lookup. */
export interface DomainConfig {
  /** The zone's name, e.g. `example.com`. */
  readonly zoneName: string;
  /** The zone's id, e.g. `Z0123456789ABCDEFGHIJ`. */
  readonly hostedZoneId: string;
}

/** Typed configuration of a production environment. */
export interface ProductionConfig {
  /** The services. */
  readonly services: ServiceConfig[];
  /**
   * Capacity of the cluster.
   *
   * @default - 2 to 4 t3.medium instances
   */
  readonly capacity?: { readonly instanceType?: string; readonly minCapacity?: number; readonly maxCapacity?: number };
  /**
   * ACM certificate ARN for HTTPS (HTTP is then redirected).
   *
   * @default - HTTP only
   */
  readonly certificateArn?: string;
  /**
   * Client CIDRs allowed to reach the load balancer.
   *
   * @default - anywhere
   */
  readonly allowedCidrs?: string[];
  /**
   * NAT gateways.
   *
   * @default 1
   */
  readonly natGateways?: number;
  /**
   * Services per nested stack. Every service sits in a nested stack, so the environment grows past
   * CloudFormation's 500 resources per stack; each service takes about 8 resources.
   *
   * @default 40
   */
  readonly servicesPerNestedStack?: number;
  /**
   * The public hosted zone of the environment's domain. Every route whose host is an exact name in this
   * zone gets an alias A record pointing at the load balancer that serves it.
   *
   * @default - no DNS records; reach the routes through the load balancer DNS names (stack outputs)
   */
  readonly domain?: DomainConfig;
  /**
   * Load balancers that host-based routes may spread over (see FleetLoadBalancerProps.maxLoadBalancers).
   *
   * @default 1
   */
  readonly maxLoadBalancers?: number;
}

/** Properties of a {@link ProductionStack}. */
export interface ProductionStackProps extends StackProps {
  /** The environment's configuration. */
  readonly config: ProductionConfig;
  /**
   * An existing VPC.
   *
   * @default - a new one
   */
  readonly vpc?: ec2.IVpc;
}

/**
 * A production environment: a {@link FleetCluster}, a {@link FleetLoadBalancer} and one
 * {@link FleetService} per configured service, routed as configured. Services live in nested
 * stacks of `servicesPerNestedStack`, filled in declaration order, so appending a service never
 * moves another one, and `cdk deploy <stack>` still deploys the whole environment.
 */
export class ProductionStack extends Stack {
  /** The environment's cluster. */
  public readonly cluster: FleetCluster;
  /** The environment's load balancer(s). */
  public readonly loadBalancer: FleetLoadBalancer;
  /** The services by name. */
  public readonly services: Record<string, FleetService> = {};

  constructor(scope: Construct, id: string, props: ProductionStackProps) {
    super(scope, id, props);
    const { config } = props;
    const perStack = config.servicesPerNestedStack ?? 40;
    if (!Number.isInteger(perStack) || perStack < 1 || perStack > 55) {
      throw fleetError(this, `servicesPerNestedStack ${perStack} is not valid`, 'use 1 to 55 (about 8 resources per service, 500 per stack)');
    }

    this.cluster = new FleetCluster(this, 'Cluster', {
      vpc: props.vpc,
      natGateways: config.natGateways,
      instanceType: config.capacity?.instanceType ? new ec2.InstanceType(config.capacity.instanceType) : undefined,
      minCapacity: config.capacity?.minCapacity,
      maxCapacity: config.capacity?.maxCapacity,
    });
    this.loadBalancer = new FleetLoadBalancer(this, 'LoadBalancer', {
      vpc: this.cluster.vpc,
      certificate: config.certificateArn ? acm.Certificate.fromCertificateArn(this, 'Certificate', config.certificateArn) : undefined,
      allowedCidrs: config.allowedCidrs,
      maxLoadBalancers: config.maxLoadBalancers,
    });

    const zone = config.domain
      ? route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { zoneName: config.domain.zoneName, hostedZoneId: config.domain.hostedZoneId })
      : undefined;
    const seen = new Set<string>();
    const hostsWithRecords = new Set<string>();
    const nested: NestedStack[] = [];
    config.services.forEach((svc, i) => {
      if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(svc.name)) {
        throw fleetError(this, `service name '${svc.name}' is not valid`, "use letters, digits and '-', starting with a letter");
      }
      if (seen.has(svc.name)) throw fleetError(this, `service '${svc.name}' is configured twice`, 'give each service a unique name');
      seen.add(svc.name);
      const stackIndex = Math.floor(i / perStack);
      nested[stackIndex] ??= new NestedStack(this, `Services${stackIndex + 1}`);
      const service = new FleetService(nested[stackIndex], svc.name, {
        cluster: this.cluster,
        image: svc.image,
        cpu: svc.cpu,
        memoryLimitMiB: svc.memoryLimitMiB,
        containerPort: svc.containerPort,
        desiredCount: svc.desiredCount,
        environment: svc.environment,
        command: svc.command,
      });
      this.services[svc.name] = service;
      for (const options of svc.routes ?? []) {
        const route = this.loadBalancer.route(service, options);
        const host = route.host?.toLowerCase();
        if (zone && host && !/[*?]/.test(host) && isInZone(host, zone.zoneName) && !hostsWithRecords.has(host)) {
          hostsWithRecords.add(host);
          // Beside the service, so the record counts against the service's nested stack, not the parent's 500 resources.
          new route53.ARecord(service, `Dns-${host}`, {
            zone,
            recordName: `${host}.`,
            target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(route.loadBalancer)),
          });
        }
      }
    });

    this.loadBalancer.loadBalancers.forEach((lb, i) => {
      new CfnOutput(this, i === 0 ? 'LoadBalancerDnsName' : `LoadBalancer${i + 1}DnsName`, { value: lb.loadBalancerDnsName });
    });
  }
}

function isInZone(host: string, zoneName: string): boolean {
  const zone = zoneName.toLowerCase().replace(/\.$/, '');
  return host === zone || host.endsWith(`.${zone}`);
}
