import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Aspects, CfnOutput, Duration, IAspect, RemovalPolicy, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';
import { FleetCluster } from '../cluster/fleet-cluster';
import { ComposeProject } from '../compose/compose-project';
import { NamedVolumeStorage } from '../compose/plan';
import { ComposeSecurityPolicy } from '../compose/security-policy';
import { SecretSealingKey } from '../secrets/file-secret';
import { AsgDnsRecord } from '../dns/asg-dns-record';
import { FleetConfigurationError, fleetError } from '../errors';
import { checkCidrs } from '../validation';
import { createAccessLogBucket } from '../routing/access-logs';
import { FleetLoadBalancer } from '../routing/fleet-load-balancer';
import { FleetDashboard } from '../observability/dashboard';
import { applyWorkingHours, WorkingHours } from './working-hours';

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
   * branch its own stack id (see {@link QaStack.stackNameFor}) so environments never share resources.
   *
   * @default - no branch (the shared QA environment)
   */
  readonly branch?: string;

  /**
   * Client address ranges allowed to reach the environment (the office, the VPN) through an internet-facing load
   * balancer. Nothing else can.
   *
   * @default - no public entry: the load balancer is internal (reachable from inside the VPC only: a VPN into it,
   *   or a Session Manager port-forwarding session through one of the cluster's instances, see docs/deploying.md),
   *   so a QA environment deployed without an office range is still safe and still usable
   */
  readonly allowedCidrs?: string[];

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
   * @default NamedVolumeStorage.INSTANCE: free, data stays on the instance (each such volume is warned about)
   */
  readonly namedVolumes?: NamedVolumeStorage;

  /**
   * Open the compose file's published ports (`8081:80`) on the load balancer (HTTP) or a network load balancer
   * (TCP/UDP), for `allowedCidrs` only, each URL a stack output — as `localhost:8081` on a laptop.
   *
   * @default true
   */
  readonly publishPorts?: boolean;

  /**
   * Upload the compose file's file secrets (`secrets: x: file: ./x.txt`), sealed at synth with this asymmetric KMS
   * key, instead of generating their values (see `FileSecret` and docs/secrets.md).
   *
   * Its `environment` defaults to `'Qa'` here, so every branch stack opens the seals made once for QA (and no other
   * environment's).
   *
   * @default - file secrets get generated values (a warning names each)
   */
  readonly sealSecretFiles?: SecretSealingKey;

  /**
   * How far the compose file is trusted (see ComposeProjectProps.securityPolicy): a branch's file is untrusted input,
   * so host-level settings and external secrets outside the environment's prefix are refused.
   *
   * @default ComposeSecurityPolicy.BASELINE
   */
  readonly securityPolicy?: ComposeSecurityPolicy;

  /**
   * The folder every file the compose file names must lie in (see ComposeProjectProps.projectDirectory).
   *
   * @default - the compose file's folder
   */
  readonly projectDirectory?: string;

  /**
   * The prefix `external` secrets (`<prefix>/...`) and configs (`/<prefix>/...`) must have under BASELINE
   * (see ComposeProjectProps.externalNamePrefix).
   *
   * @default - the stack's name (`Qa-<branch>`)
   */
  readonly externalNamePrefix?: string;

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

  /**
   * Delete what the environment wrote when its stack is deleted: service and flow log groups, the load balancer's
   * access-log bucket (emptied first) and the EFS file system of named volumes. A QA environment per branch would
   * otherwise leave a bucket, log groups and possibly a file system behind for every deleted branch.
   *
   * @default true (production environments keep them: they retain by default)
   */
  readonly cleanUpOnDelete?: boolean;

  /**
   * When the environment is used: outside these hours every service runs no task and the cluster may shrink to no
   * instance (back 30 minutes before `start`, in `timeZone`), so an idle QA environment costs its load balancer, its
   * NAT gateways if any, and little else. Each service then has a scalable target instead of a fixed task count.
   *
   * @default - always on
   */
  readonly workingHours?: WorkingHours;

  /**
   * A CloudWatch dashboard of the environment (alarms, cluster, one row per service, the DNS updater): $3 a month
   * beyond the account's first three dashboards, which a QA environment per branch soon passes.
   *
   * @default true
   */
  readonly dashboard?: boolean;
}

/**
 * A QA environment from a compose file: a small cluster without NAT, an internet-facing load balancer that
 * admits only `allowedCidrs`, one service per compose service (names resolve between them as in compose),
 * host routes `<DOMAIN>.<domain>` and their records in a private hosted zone of the environment's VPC.
 * Reach it through the load balancer's DNS name (output `LoadBalancerDnsName`) with the service's host, or
 * through the private zone from inside the VPC or a network resolving it (VPN, Route 53 Resolver).
 */
export class QaStack extends Stack {
  /**
   * The stack name of a branch's QA environment (see {@link qaStackName}): `Qa` without a branch, `Qa-<branch>` for a
   * branch that is a valid stack-name part, otherwise the cleaned branch plus a hash of the branch as written, so two
   * branches never share a stack. Throws for an empty or white-space-only branch.
   */
  public static stackNameFor(branch?: string): string {
    return qaStackName(branch);
  }

  public readonly cluster: FleetCluster;
  public readonly loadBalancer: FleetLoadBalancer;
  public readonly project: ComposeProject;
  /** The private hosted zone of `domain`. */
  public readonly zone: route53.PrivateHostedZone;
  /** The record that follows the cluster's instances, unless `instancesRecord` is false. */
  public readonly instancesRecord?: AsgDnsRecord;
  /** The environment's CloudWatch dashboard, unless `dashboard` is false. */
  public readonly dashboard?: FleetDashboard;

  constructor(scope: Construct, id: string, props: QaStackProps) {
    super(scope, id, props);
    if (props.allowedCidrs?.length === 0) {
      throw fleetError(this, 'allowedCidrs is empty, so nobody could reach the QA environment', "list the office or VPN ranges, e.g. ['198.51.100.0/24'], or leave allowedCidrs out for an internal load balancer");
    }
    // A /0, or ranges that together cover the internet (0.0.0.0/1 + 128.0.0.0/1), would open a branch to anyone.
    checkCidrs(this, 'allowedCidrs', props.allowedCidrs, { allowAnywhere: false, what: 'office or VPN ranges' });
    const domain = props.domain.toLowerCase().replace(/\.$/, '');
    if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(domain)) {
      throw fleetError(this, `domain '${props.domain}' is not a DNS name`, "give a name such as 'qa.example.internal'");
    }
    if (props.branch !== undefined && isBlankBranch(props.branch)) {
      throw fleetError(this, `branch ${JSON.stringify(props.branch)} is empty or only white space, which would make it the shared QA environment's twin`, BLANK_BRANCH_FIX);
    }
    if (props.branch !== undefined) Tags.of(this).add('qa-branch', tagValue(props.branch));
    const cleanUp = props.cleanUpOnDelete ?? true;
    const internetFacing = props.allowedCidrs !== undefined;

    const minCapacity = props.minCapacity ?? 1;
    this.cluster = new FleetCluster(this, 'Cluster', {
      natGateways: props.natGateways ?? 0,
      instanceType: props.instanceType ?? new ec2.InstanceType('t3.small'),
      minCapacity,
      maxCapacity: props.maxCapacity ?? 2,
      // A branch's compose file is untrusted: no privileged containers, no instance metadata from containers.
      hardening: { disablePrivilegedContainers: true, blockInstanceMetadataFromContainers: true },
    });
    // As the load balancer's own bucket, but emptied and deleted with the stack.
    const accessLogBucket = cleanUp ? createAccessLogBucket(this, { expiration: Duration.days(30), deleteWithStack: true }) : undefined;
    this.loadBalancer = new FleetLoadBalancer(this, 'LoadBalancer', {
      vpc: this.cluster.vpc,
      internetFacing,
      allowedCidrs: props.allowedCidrs,
      accessLogBucket,
    });
    if (!internetFacing) {
      // cdk-nag cannot evaluate the ingress source, a reference to the VPC's CIDR block (it reports a rule error).
      acknowledgeFinding(this.loadBalancer.securityGroup, {
        id: 'AwsSolutions-EC23',
        reason: 'the internal QA load balancer admits only the VPC CIDR block (a reference to the VPC, which cdk-nag cannot evaluate), never 0.0.0.0/0',
      });
      Annotations.of(this).addInfo('no allowedCidrs: the QA load balancer is internal; reach it through a VPN into the VPC or a Session Manager port-forwarding session (docs/deploying.md), or deploy with -c allowedCidrs=<office range>');
    }
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
      volumeRemovalPolicy: cleanUp ? RemovalPolicy.DESTROY : undefined,
      publishPorts: props.publishPorts,
      // Every branch of QA is one sealing environment: a branch stack has a name of its own, and CI (which has no
      // plain secret files) can only deploy the seals made once for QA.
      sealSecretFiles: props.sealSecretFiles && { ...props.sealSecretFiles, environment: props.sealSecretFiles.environment ?? 'Qa' },
      securityPolicy: props.securityPolicy,
      projectDirectory: props.projectDirectory,
      externalNamePrefix: props.externalNamePrefix,
      // Internal (no allowedCidrs): published ports admit the VPC, like the load balancer.
      publishedPortCidrs: props.allowedCidrs,
    });

    if (props.instancesRecord ?? true) {
      this.instancesRecord = new AsgDnsRecord(this, 'InstancesDns', {
        autoScalingGroup: this.cluster.autoScalingGroup,
        hostedZone: this.zone,
        recordName: `instances.${domain}`,
      });
      // One topic for every alarm of the environment.
      this.instancesRecord.updater.errorAlarm.addAlarmAction(new cwActions.SnsAction(this.cluster.alarmTopic));
    }
    if (props.workingHours) applyWorkingHours(this, props.workingHours, this.cluster, minCapacity, Object.values(this.project.services));
    if (props.dashboard ?? true) {
      this.dashboard = new FleetDashboard(this, 'Dashboard', { cluster: this.cluster, loadBalancer: this.loadBalancer });
      for (const service of Object.values(this.project.services)) this.dashboard.addService(service);
      if (this.instancesRecord) this.dashboard.addDnsUpdater(this.instancesRecord.updater);
    }

    if (cleanUp) {
      Aspects.of(this).add(new DestroyLogGroups());
      // Deleted after every load balancer, so no access log lands in the bucket once it has been emptied.
      if (accessLogBucket) for (const lb of this.loadBalancer.loadBalancers) lb.node.addDependency(accessLogBucket);
    }

    new CfnOutput(this, 'LoadBalancerDnsName', { value: this.loadBalancer.loadBalancer.loadBalancerDnsName, description: 'Send requests here with the Host header of a service' });
    const hosts = Object.values(this.project.routes).flat().map((r) => r.host).filter((h): h is string => h !== undefined);
    if (hosts.length > 0) new CfnOutput(this, 'Hosts', { value: hosts.join(' '), description: `Routed hosts (records in the private zone ${domain})` });
    if (props.branch !== undefined) new CfnOutput(this, 'Branch', { value: props.branch });
  }
}

/**
 * The stack name of a branch's QA environment: `Qa` without a branch, `Qa-<branch>` when the branch is already a
 * valid stack-name part (letters, digits and '-'), and otherwise the branch reduced to those characters plus a hash of
 * the branch as written, so that `feature/x` (`Qa-feature-x-<hash>`) and `feature-x` (`Qa-feature-x`) never share a
 * stack. At most 128 characters (CloudFormation's limit); a shortened name also gets the hash.
 *
 * The hash is 64 bits (16 hex characters of SHA-256): a branch pushed to take over another branch's stack needs a
 * second preimage, about 2^64 hashes, where the 32 bits used before took CPU-minutes. Two branches of one author that
 * collide (a birthday pair, about 2^32 hashes) only share the author's own stack.
 *
 * TypeScript only; from other languages use `QaStack.stackNameFor`.
 *
 * @jsii ignore
 */
export function qaStackName(branch?: string): string {
  if (branch === undefined) return 'Qa';
  if (isBlankBranch(branch)) {
    // Mapped to `Qa` (as before), a branch named U+00A0 or U+3000, which git accepts, deployed into the shared stack.
    throw new FleetConfigurationError('', `qaStackName: branch ${JSON.stringify(branch)} is empty or only white space, and only the shared QA environment has no branch. Fix: ${BLANK_BRANCH_FIX}.`);
  }
  const clean = branch.replace(/[^A-Za-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  const plain = `Qa-${clean}`;
  // A name that could be mistaken for a hashed one gets its own hash too, so the mapping stays one-to-one.
  const unchanged = clean === branch && plain.length <= 128 && !HASHED.test(plain);
  if (unchanged) return plain;
  const suffix = `-${crypto.createHash('sha256').update(branch).digest('hex').slice(0, QA_STACK_HASH_CHARS)}`;
  const base = clean === '' ? 'Qa' : plain.slice(0, 128 - suffix.length).replace(/-+$/, '');
  return `${base}${suffix}`;
}

/**
 * Whether a branch name is empty or made only of white space or invisible format characters (any Unicode ones:
 * U+00A0, U+3000, U+FEFF, U+200B...). Such a name is never a real branch of the shared environment; `qaStackName`
 * and `QaStack` refuse it rather than deploy it as `Qa`.
 */
export function isBlankBranch(branch: string): boolean {
  return /^[\s\p{Cf}]*$/u.test(branch);
}

const BLANK_BRANCH_FIX = "give the branch's name (CI: the pushed ref without refs/heads/), or leave branch out for the shared QA environment";

/** Hex characters of the branch hash in a changed stack name: 64 bits. */
const QA_STACK_HASH_CHARS = 16;

/** What {@link qaStackName} appends when it had to change a branch name. */
const HASHED = new RegExp(`-[0-9a-f]{${QA_STACK_HASH_CHARS}}$`);

/**
 * A branch name as a tag value: tag values of IAM, Lambda, ECS and the other tagging services allow letters, digits,
 * spaces and `_ . : / = + - @` only, at most 256 characters; anything else (`#`, `!`, `(`) becomes `_`. The Branch
 * output keeps the name as written.
 */
export function tagValue(value: string): string {
  return value.replace(/[^\p{L}\p{N}\p{Z}_.:/=+\-@]/gu, '_').slice(0, 256);
}

/** Log groups of a QA environment are deleted with it (aws-cdk-lib retains them by default). */
class DestroyLogGroups implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof logs.CfnLogGroup) node.applyRemovalPolicy(RemovalPolicy.DESTROY);
  }
}
