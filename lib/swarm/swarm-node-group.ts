import { Duration, TagManager, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { fleetError } from '../errors';
import { exportProblem, nodeLabels, renderUserData } from './labels';
import { acknowledgeGroupNotifications, nodeRole, readScript, swarmLaunchTemplate, tagGroup, tagProblems, warnInsecureRegistries } from './node-parts';
import { SwarmCluster, SwarmRegistryOptions } from './swarm-cluster';

/** Properties of a {@link SwarmNodeGroup}. */
export interface SwarmNodeGroupProps {
  /** The swarm the nodes join. */
  readonly cluster: SwarmCluster;

  /**
   * What the nodes are for: tag `docker.role`, engine label `role`, so services pick them with
   * `--constraint engine.labels.role==<role>`.
   */
  readonly role: string;

  /**
   * Environment of the nodes (staging, production, qa…): tag `docker.environment`, engine label `environment`.
   *
   * @default - no environment label
   */
  readonly environment?: string;

  /**
   * More engine labels, by name (each becomes a `docker.<name>` tag). Names: lowercase letters and digits
   * separated by single `.` or `-`.
   *
   * @default - none
   */
  readonly labels?: Record<string, string>;

  /**
   * More tags on the group and its instances, for example `{ 'example.db.host': 'db.example.internal' }` for
   * `exportTags`. Keys starting with `docker.` belong in `labels`.
   *
   * @default - none
   */
  readonly tags?: Record<string, string>;

  /**
   * Instance tags written to the node's environment file (`/etc/swarm/node.env`), by tag key, as the variable
   * name to use: `{ 'example.db.host': 'DB_HOST' }`. The engine reads the file (systemd `EnvironmentFile`);
   * services can mount it or read it with `--env-file`. Each key must be a tag the instances have (`tags`, a label's
   * `docker.*` tag, or one added with `Tags.of`), checked at synth.
   *
   * @default - none exported
   */
  readonly exportTags?: Record<string, string>;

  /**
   * Registry mirrors and insecure registries of these nodes.
   *
   * @default - the cluster's `registry`
   */
  readonly registry?: SwarmRegistryOptions;

  /**
   * EC2 instance type.
   *
   * @default t3.medium
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Fewest nodes.
   *
   * @default 1
   */
  readonly minCapacity?: number;

  /**
   * Most nodes.
   *
   * @default 3, or `minCapacity` when that is larger
   */
  readonly maxCapacity?: number;

  /**
   * Force a rolling update (`docker service update --force`) of the services whose placement constraints the new
   * node satisfies whenever the group scales out: swarm never moves running tasks onto new nodes by itself.
   * Each such service restarts all of its tasks (by its own update config), so this is opt-in.
   *
   * @default false
   */
  readonly rebalanceOnScaleOut?: boolean;

  /**
   * Size of the encrypted gp3 root volume (images and container layers live here).
   *
   * @default 30 GiB
   */
  readonly rootVolumeSizeGiB?: number;
}

/**
 * Workers of a {@link SwarmCluster}: an Auto Scaling Group whose `docker.*` tags (propagated to the instances and
 * served by instance metadata) become the engine labels of its nodes. At boot each instance reads its tags through
 * IMDSv2, writes the labels and registry settings into `/etc/docker/daemon.json`, writes the exported tags to an
 * environment file, and joins the swarm with the worker token. Before termination it is drained and removed.
 */
export class SwarmNodeGroup extends Construct implements ec2.IConnectable {
  /** The Auto Scaling Group. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The launch template. */
  public readonly launchTemplate: ec2.LaunchTemplate;
  /** The instances' role. */
  public readonly instanceRole: iam.Role;
  /** This group's own security group (no ingress): open published service ports here. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The engine labels of the nodes, by name. */
  public readonly labels: Record<string, string>;
  /** Network access to the nodes (this group's security group). */
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: SwarmNodeGroupProps) {
    super(scope, id);
    const cluster = props.cluster;

    const { labels, problems } = nodeLabels({ role: props.role, environment: props.environment, labels: props.labels });
    const tags = props.tags ?? {};
    problems.push(...tagProblems(tags));
    const variables = new Map<string, string>();
    for (const [tagKey, variable] of Object.entries(props.exportTags ?? {})) {
      const problem = exportProblem(tagKey, variable);
      if (problem) problems.push(problem);
      else if (variables.has(variable)) problems.push(`variable ${variable} is exported from both '${variables.get(variable)}' and '${tagKey}'`);
      variables.set(variable, tagKey);
    }
    if (problems.length > 0) {
      throw fleetError(this, problems.join('; '),
        'use label names of lowercase letters and digits separated by single . or -, tag values of letters, digits, spaces and _ . : / = + - @, and variable names that are shell identifiers (A-Z, a-z, 0-9, _; not starting with a digit)');
    }
    cluster._registerNodeGroup(this, labels);
    this.labels = labels;

    const minCapacity = props.minCapacity ?? 1;
    const maxCapacity = props.maxCapacity ?? Math.max(3, minCapacity);
    for (const [name, value, min] of [['minCapacity', minCapacity, 0], ['maxCapacity', maxCapacity, 1]] as const) {
      if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < min)) {
        throw fleetError(this, `${name} ${value} is not valid`, `use a whole number of instances, ${min} or more`);
      }
    }
    if (minCapacity > maxCapacity) {
      throw fleetError(this, `minCapacity (${minCapacity}) is larger than maxCapacity (${maxCapacity})`, 'raise maxCapacity or lower minCapacity');
    }
    const registry = props.registry ?? cluster.registry;
    if (props.registry) warnInsecureRegistries(this, registry);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: cluster.vpc,
      description: `Docker swarm workers ${this.node.path}: no ingress until a published port is opened`,
      allowAllOutbound: true,
    });
    this.instanceRole = nodeRole(this, 'InstanceRole', `Docker swarm workers ${this.node.path}`);
    cluster._grantWorkerJoin(this.instanceRole);

    const exportTags = [...variables.entries()].map(([variable, tagKey]) => `${tagKey}=${variable}`).join(' ');
    this.launchTemplate = swarmLaunchTemplate(this, 'LaunchTemplate', {
      instanceType: props.instanceType ?? new ec2.InstanceType('t3.medium'),
      role: this.instanceRole,
      securityGroups: [cluster.nodeSecurityGroup, this.securityGroup],
      rootVolumeSizeGiB: props.rootVolumeSizeGiB ?? 30,
      userData: renderUserData(
        { ...cluster._bootEnvironment('worker', registry), SWARM_EXPORT_TAGS: exportTags },
        [{ path: '/usr/local/lib/swarm/node-boot.sh', content: readScript('node-boot.sh') }],
        '/usr/local/lib/swarm/node-boot.sh',
      ),
    });

    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Resource', {
      vpc: cluster.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate: this.launchTemplate,
      minCapacity,
      maxCapacity,
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({ maxBatchSize: 1, minInstancesInService: Math.max(minCapacity - 1, 0), pauseTime: Duration.minutes(5) }),
      healthChecks: autoscaling.HealthChecks.ec2({ gracePeriod: Duration.minutes(5) }),
    });
    tagGroup(this.autoScalingGroup, cluster.swarmName, 'worker', labels, tags);
    acknowledgeGroupNotifications(this.autoScalingGroup);
    cluster._addNodeGroupHooks(this.autoScalingGroup, props.rebalanceOnScaleOut ?? false);

    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });
    // Tags may still be added (Tags.of(stack).add(...)): judge the exported ones once the app is built.
    if (variables.size > 0) this.node.addValidation({ validate: () => this.missingExportedTags([...variables.values()]) });
  }

  /**
   * Exported tag keys the instances will not have: neither a tag of the group propagated at launch nor a tag of the
   * launch template. node-boot.sh would only log each one as missing and leave its variable out of node.env.
   */
  private missingExportedTags(exported: readonly string[]): string[] {
    const asg = TagManager.of(this.autoScalingGroup.node.defaultChild)?.renderTags() as Array<{ key: string; propagateAtLaunch?: unknown }> | undefined;
    // The launch template renders key-value tags ({ Key, Value }); they reach the instances through its tag specifications.
    const template = TagManager.of(this.launchTemplate)?.renderTags() as Array<{ Key: string }> | undefined;
    const keys = [
      ...(asg ?? []).filter((t) => t.propagateAtLaunch !== false && t.propagateAtLaunch !== 'false').map((t) => t.key),
      ...(template ?? []).map((t) => t.Key),
    ];
    if (keys.some((k) => Token.isUnresolved(k))) return [];
    const missing = exported.filter((k) => !keys.includes(k));
    if (missing.length === 0) return [];
    const present = [...new Set(keys)].sort();
    return [fleetError(this, `exportTags names ${missing.map((k) => `'${k}'`).join(', ')}, which the instances of this node group will not have as a tag `
      + `(its tags: ${present.join(', ')}), so ${missing.length === 1 ? 'its variable' : 'their variables'} would be missing from /etc/swarm/node.env`,
    `add ${missing.map((k) => `'${k}'`).join(', ')} to tags (tags: { '${missing[0]}': '<value>' }), or correct the key in exportTags`).message];
  }
}
