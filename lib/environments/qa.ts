import * as fs from 'fs';
import * as path from 'path';
import { CfnOutput, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { FleetCluster } from '../cluster/fleet-cluster';
import { ComposeProject } from '../compose/compose-project';
import { AsgDnsRecord } from '../dns/asg-dns-record';
import { fleetError } from '../errors';
import { FleetLoadBalancer } from '../routing/fleet-load-balancer';

/** The compose file a Qa stack runs when none is given: the seed-style example shipped in the repository. */
export const DEFAULT_QA_COMPOSE_FILE = [
  path.join(__dirname, '..', '..', 'examples', 'qa', 'docker-compose.yml'),
  // From the compiled package (dist/lib/environments), the examples folder sits beside dist.
  path.join(__dirname, '..', '..', '..', 'examples', 'qa', 'docker-compose.yml'),
].find((f) => fs.existsSync(f)) ?? path.join(__dirname, '..', '..', 'examples', 'qa', 'docker-compose.yml');

/** Properties of a {@link QaStack}. */
export interface QaStackProps extends StackProps {
  /**
   * The compose file to run.
   *
   * @default - examples/qa/docker-compose.yml (two services routed as login.<domain> and publish.<domain>)
   */
  readonly composeFile?: string;

  /**
   * The branch this environment is for: tagged on every resource and shown in the outputs. Give each
   * branch its own stack id (see {@link qaStackName}) so environments never share resources.
   *
   * @default - no branch (the shared QA environment)
   */
  readonly branch?: string;

  /**
   * Client address ranges allowed to reach the environment (the office, the VPN). Nothing else can.
   */
  readonly allowedCidrs: string[];

  /**
   * Domain of the environment, e.g. `qa.example.internal`: a service with `DOMAIN=login` is routed by host
   * `login.<domain>`, and a private hosted zone of that name in the environment's VPC holds its record.
   */
  readonly domain: string;

  /**
   * Variables for the compose file's `${VAR}` interpolation.
   *
   * @default - only the `.env` file beside the compose file
   */
  readonly variables?: Record<string, string>;

  /**
   * Prebuilt images by compose service name, replacing `build` (e.g. the images CI built for the branch).
   *
   * @default - services with `build` are built as Docker image assets by `cdk deploy`
   */
  readonly images?: Record<string, string | ecs.ContainerImage>;

  /**
   * Keep a record `instances.<domain>` in the private zone equal to the private addresses of the cluster's
   * in-service instances ({@link AsgDnsRecord}), for tools that reach the hosts directly (published ports, debugging).
   *
   * @default true
   */
  readonly instancesRecord?: boolean;

  /**
   * Active compose profiles.
   *
   * @default - none
   */
  readonly profiles?: string[];

  /**
   * Where named volumes live (see ComposeProjectProps.namedVolumes).
   *
   * @default 'instance': free, data stays on the instance (each such volume is warned about)
   */
  readonly namedVolumes?: 'instance' | 'efs';

  /**
   * Open the compose file's published ports (`8081:80`) on the load balancer (HTTP) or a network load balancer
   * (TCP/UDP), for `allowedCidrs` only, each URL a stack output — as `localhost:8081` on a laptop.
   *
   * @default true
   */
  readonly publishPorts?: boolean;

  /**
   * Instance type of the cluster.
   *
   * @default t3.small, enough for a handful of small services
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Fewest instances.
   *
   * @default 1
   */
  readonly minCapacity?: number;

  /**
   * Most instances.
   *
   * @default 2
   */
  readonly maxCapacity?: number;

  /**
   * NAT gateways. 0 puts the instances in public subnets (their security group still admits only the load balancer).
   *
   * @default 0, the cheap choice for QA
   */
  readonly natGateways?: number;
}

/**
 * A QA environment from a compose file: a small cluster without NAT, an internet-facing load balancer that
 * admits only `allowedCidrs`, one service per compose service (names resolve between them as in compose),
 * host routes `<DOMAIN>.<domain>` and their records in a private hosted zone of the environment's VPC.
 * Reach it through the load balancer's DNS name (output `LoadBalancerDnsName`) with the service's host, or
 * through the private zone from inside the VPC or a network resolving it (VPN, Route 53 Resolver).
 */
export class QaStack extends Stack {
  public readonly cluster: FleetCluster;
  public readonly loadBalancer: FleetLoadBalancer;
  public readonly project: ComposeProject;
  /** The private hosted zone of `domain`. */
  public readonly zone: route53.PrivateHostedZone;
  /** The record that follows the cluster's instances, unless `instancesRecord` is false. */
  public readonly instancesRecord?: AsgDnsRecord;

  constructor(scope: Construct, id: string, props: QaStackProps) {
    super(scope, id, props);
    if (props.allowedCidrs.length === 0) {
      throw fleetError(this, 'allowedCidrs is empty, so nobody could reach the QA environment', "list the office or VPN ranges, e.g. ['203.0.113.0/24']");
    }
    for (const cidr of props.allowedCidrs) {
      if (/\/0$/.test(cidr)) {
        throw fleetError(this, `allowedCidrs holds ${cidr}, which opens the QA environment to the whole internet`, 'list only the office or VPN ranges');
      }
    }
    const domain = props.domain.toLowerCase().replace(/\.$/, '');
    if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(domain)) {
      throw fleetError(this, `domain '${props.domain}' is not a DNS name`, "give a name such as 'qa.example.internal'");
    }
    if (props.branch !== undefined) Tags.of(this).add('qa-branch', props.branch);

    this.cluster = new FleetCluster(this, 'Cluster', {
      natGateways: props.natGateways ?? 0,
      instanceType: props.instanceType ?? new ec2.InstanceType('t3.small'),
      minCapacity: props.minCapacity ?? 1,
      maxCapacity: props.maxCapacity ?? 2,
    });
    this.loadBalancer = new FleetLoadBalancer(this, 'LoadBalancer', {
      vpc: this.cluster.vpc,
      internetFacing: true,
      allowedCidrs: props.allowedCidrs,
    });
    this.zone = new route53.PrivateHostedZone(this, 'Zone', {
      zoneName: domain,
      vpc: this.cluster.vpc,
      comment: `QA environment ${props.branch ?? id}`,
    });
    this.project = new ComposeProject(this, 'Compose', {
      composeFile: props.composeFile ?? DEFAULT_QA_COMPOSE_FILE,
      cluster: this.cluster,
      loadBalancer: this.loadBalancer,
      domain,
      zone: this.zone,
      variables: props.variables,
      images: props.images,
      profiles: props.profiles,
      namedVolumes: props.namedVolumes,
      publishPorts: props.publishPorts,
      publishedPortCidrs: props.allowedCidrs,
    });

    if (props.instancesRecord ?? true) {
      this.instancesRecord = new AsgDnsRecord(this, 'InstancesDns', {
        autoScalingGroup: this.cluster.autoScalingGroup,
        hostedZone: this.zone,
        recordName: `instances.${domain}`,
      });
    }

    new CfnOutput(this, 'LoadBalancerDnsName', { value: this.loadBalancer.loadBalancer.loadBalancerDnsName, description: 'Send requests here with the Host header of a service' });
    const hosts = Object.values(this.project.routes).flat().map((r) => r.host).filter((h): h is string => h !== undefined);
    if (hosts.length > 0) new CfnOutput(this, 'Hosts', { value: hosts.join(' '), description: `Routed hosts (records in the private zone ${domain})` });
    if (props.branch !== undefined) new CfnOutput(this, 'Branch', { value: props.branch });
  }
}

/**
 * The stack name of a branch's QA environment: `Qa` without a branch, else `Qa-<branch>` with the branch
 * reduced to what CloudFormation allows in a stack name (letters, digits, '-'; at most 128 characters):
 * `feature/Login_2` → `Qa-feature-Login-2`.
 */
export function qaStackName(branch?: string): string {
  if (branch === undefined || branch.trim() === '') return 'Qa';
  const clean = branch.replace(/[^A-Za-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  return clean === '' ? 'Qa' : `Qa-${clean}`.slice(0, 128).replace(/-$/, '');
}
