import { Annotations, ArnFormat, CustomResource, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { fleetError } from '../errors';
import { customResourceServiceTimeout, fleetHandlerFunction } from '../handler-function';
import { addressPoolProblems, defaultAddressPool, UNKNOWN_VPC_POOL } from './address-pool';
import { labelSetKey, renderUserData, swarmCtlCommands } from './labels';
import { SWARM_ROLE_TAG, SWARM_TAG, SwarmRegistryOptions } from './contract';
import {
  acknowledgeGroupNotifications, acknowledgeWildcard, nodeRole, readScript, swarmLaunchTemplate, tagGroup,
  warnInsecureRegistries,
} from './node-parts';


/** Where the boot scripts are installed on the instances. */
const INSTALL_DIR = '/usr/local/lib/swarm';
export { SWARM_TAG, SWARM_ROLE_TAG };

export type { SwarmRegistryOptions };

/** Properties of a {@link SwarmCluster}. */
export interface SwarmClusterProps {
  /** The VPC. The nodes run in its private subnets with egress (SSM, registries and the AMI's package repositories). */
  readonly vpc: ec2.IVpc;

  /**
   * Number of manager nodes. Must be odd: Raft needs a majority, and an even count tolerates no more failures than
   * the odd count below it.
   *
   * @default 3, which keeps the swarm manageable through the loss of one manager
   */
  readonly managerCount?: number;

  /**
   * EC2 instance type of the managers.
   *
   * @default t3.small: managers run no service tasks by default, only the Raft store and the scheduler
   */
  readonly managerInstanceType?: ec2.InstanceType;

  /**
   * Let managers run service tasks too. Useful for tiny swarms; in production a busy task can starve Raft.
   *
   * @default false: managers are set to availability `drain` once they join
   */
  readonly managersAcceptTasks?: boolean;

  /**
   * Name of the swarm: the value of the `swarm:cluster` tag on every node and part of the SSM parameter path.
   *
   * @default - derived from the construct path, so two swarms in one account never share tokens
   */
  readonly swarmName?: string;

  /**
   * How long a terminating node may take to move its tasks elsewhere before it is removed anyway.
   * The lifecycle hook waits this long plus a margin; at most 12 minutes, so the drainer fits in one Lambda run.
   *
   * @default 5 minutes
   */
  readonly drainTimeout?: Duration;

  /**
   * How often nodes that died without leaving (down in the swarm, gone from EC2) are removed from the swarm.
   * They are also pruned after every drain.
   *
   * @default 30 minutes
   */
  readonly pruneInterval?: Duration;

  /**
   * Registry mirrors and insecure registries of every node (node groups may set their own).
   *
   * @default - none
   */
  readonly registry?: SwarmRegistryOptions;

  /**
   * Allow IPsec ESP (IP protocol 50) between nodes, which overlay networks created with `--opt encrypted` need for
   * their data traffic. Without it such networks are created but their containers cannot reach each other.
   *
   * @default false: only 2377/tcp, 7946/tcp+udp and 4789/udp are open
   */
  readonly encryptedOverlayNetworks?: boolean;

  /**
   * Size of the managers' encrypted gp3 root volume.
   *
   * @default 30 GiB
   */
  readonly rootVolumeSizeGiB?: number;

  /**
   * Address pool of the swarm's overlay networks (`docker swarm init --default-addr-pool`), the ingress network
   * included. It must not overlap the VPC or anything containers must reach (peered VPCs, on-premises ranges): a
   * container cannot reach an address that falls inside one of its overlay networks (moby/moby#27399). Checked at
   * synth against the VPC's CIDR blocks when they are known. Applied when the swarm is initialised; changing it
   * later needs a new swarm.
   *
   * @default - the highest /16 of 10.0.0.0/8 that overlaps none of the VPC's CIDR blocks (10.255.0.0/16 for a
   * default VPC); `100.127.0.0/16`, with a warning, when the VPC's CIDR is only known at deploy time
   */
  readonly overlayAddressPool?: string;

  /**
   * Prefix length of each overlay network taken from {@link overlayAddressPool}
   * (`--default-addr-pool-mask-length`).
   *
   * @default 24: 254 addresses per network, 256 networks in a /16 pool
   */
  readonly overlayAddressPoolMaskLength?: number;
}

/** What a node group tells its cluster, so the cluster can check the swarm as a whole. */
interface RegisteredGroup {
  readonly path: string;
  readonly labels: Record<string, string>;
}

/**
 * What the account root may do with a swarm's join-token key: administer it (KMS key policy default statement minus the
 * cryptographic operations and CreateGrant), so nobody can lock the key out and no IAM policy or grant alone can decrypt a token.
 */
const JOIN_TOKEN_KEY_ADMIN_ACTIONS = [
  'kms:CreateAlias', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*',
  'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

/**
 * A Docker Swarm on EC2: an odd number of managers in their own Auto Scaling Group, bootstrapped without a human,
 * plus the machinery that lets worker groups ({@link SwarmNodeGroup}) join and leave cleanly.
 *
 * - **Bootstrap**: each manager tries an SSM `PutParameter` of `<prefix>/init-lock` without overwrite; exactly one
 *   succeeds and runs `docker swarm init`, then stores the worker and manager join tokens as SecureString
 *   parameters encrypted with {@link joinTokenKey}. Everyone else waits for the token and joins.
 * - **Network**: swarm ports only — 2377/tcp to the managers from swarm nodes; 7946/tcp+udp and 4789/udp between
 *   nodes. No SSH: `docker stack deploy` runs on a manager through SSM Session Manager or Run Command.
 * - **Leaving**: a terminate lifecycle hook on every group sends the event to the node drainer Lambda, which asks
 *   a manager (SSM Run Command, this swarm's own document) to drain the node, wait for its tasks, and remove it.
 */
export class SwarmCluster extends Construct implements ec2.IConnectable {
  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** Name of the swarm (value of the `swarm:cluster` tag). */
  public readonly swarmName: string;
  /** SSM parameter path of the lock, the join tokens and the manager addresses, e.g. `/cdk-container-fleet/swarm/<name>`. */
  public readonly parameterPrefix: string;
  /** KMS key of the join-token SecureString parameters. */
  public readonly joinTokenKey: kms.Key;
  /** The managers' Auto Scaling Group. */
  public readonly managers: autoscaling.AutoScalingGroup;
  /** The managers' launch template. */
  public readonly managerLaunchTemplate: ec2.LaunchTemplate;
  /** The managers' role. */
  public readonly managerRole: iam.Role;
  /** Security group of every swarm node (managers and workers): gossip and overlay traffic between members. */
  public readonly nodeSecurityGroup: ec2.SecurityGroup;
  /** Security group of the managers: the swarm management port 2377 from swarm nodes. */
  public readonly managerSecurityGroup: ec2.SecurityGroup;
  /** The SSM document the drainer runs on a manager (`swarm-ctl leave|prune|rebalance`). */
  public readonly commandDocument: ssm.CfnDocument;
  /** The Lambda function that drains, prunes and rebalances nodes. */
  public readonly drainer: lambda.Function;
  /** Network access to the managers. */
  public readonly connections: ec2.Connections;
  /** How long a node may take to drain. */
  public readonly drainTimeout: Duration;
  /** Registry settings node groups inherit. */
  public readonly registry: SwarmRegistryOptions;
  /** Address pool of the overlay networks (`--default-addr-pool`). */
  public readonly overlayAddressPool: string;

  private readonly groups: RegisteredGroup[] = [];
  private readonly groupsPolicy: iam.Policy;
  /**
   * Clears the parameters of an earlier swarm of the same name on creation (a stale bootstrap lock would keep the
   * managers from ever initialising) and this swarm's parameters on deletion. Every group depends on it, so it is
   * created before any instance boots and deleted after every instance is gone.
   */
  private readonly parametersResource: CustomResource;

  constructor(scope: Construct, id: string, props: SwarmClusterProps) {
    super(scope, id);

    const managerCount = props.managerCount ?? 3;
    if (!Token.isUnresolved(managerCount)) {
      if (!Number.isInteger(managerCount) || managerCount < 1) {
        throw fleetError(this, `managerCount ${managerCount} is not valid`, 'use an odd whole number: 1, 3, 5 or 7');
      }
      if (managerCount % 2 === 0) {
        throw fleetError(this, `managerCount ${managerCount} is even: Raft needs a majority, so ${managerCount} managers survive no more failures than ${managerCount - 1}`,
          `use ${managerCount - 1} or ${managerCount + 1}`);
      }
      if (managerCount > 7) {
        Annotations.of(this).addWarningV2('@cdk-container-fleet/swarm:manyManagers',
          `${managerCount} managers: Docker recommends at most 7, more only slow down Raft consensus`);
      }
    }
    this.drainTimeout = props.drainTimeout ?? Duration.minutes(5);
    const drainSeconds = this.drainTimeout.toSeconds();
    if (drainSeconds < 30 || drainSeconds > 720) {
      throw fleetError(this, `drainTimeout of ${drainSeconds} seconds is not valid`, 'use 30 seconds to 12 minutes, so the drainer fits in one Lambda run');
    }
    const pruneInterval = props.pruneInterval ?? Duration.minutes(30);
    if (pruneInterval.toMinutes({ integral: false }) < 1) {
      throw fleetError(this, `pruneInterval of ${pruneInterval.toSeconds()} seconds is too short`, 'use 1 minute or more');
    }
    this.registry = props.registry ?? {};
    warnInsecureRegistries(this, this.registry);

    this.vpc = props.vpc;
    this.overlayAddressPool = this.chooseAddressPool(props);
    const poolMaskLength = props.overlayAddressPoolMaskLength ?? 24;
    this.swarmName = props.swarmName ?? Names.uniqueResourceName(this, { maxLength: 48, separator: '-' });
    if (!Token.isUnresolved(this.swarmName) && !/^[A-Za-z0-9_.-]{1,64}$/.test(this.swarmName)) {
      throw fleetError(this, `swarmName '${this.swarmName}' is not valid`, 'use up to 64 letters, digits, and . _ -');
    }
    this.parameterPrefix = `/cdk-container-fleet/swarm/${this.swarmName}`;

    this.joinTokenKey = new kms.Key(this, 'JoinTokenKey', {
      description: `Join tokens of the Docker swarm ${this.node.path}`,
      // The account may administer the key but not use it: IAM policies alone can never decrypt a join token. Only the
      // roles this swarm names in the key policy (its managers, its node groups) may, through SSM, for its own tokens.
      policy: new iam.PolicyDocument({
        statements: [new iam.PolicyStatement({
          sid: 'AccountAdministersTheKeyButCannotUseIt',
          principals: [new iam.AccountRootPrincipal()],
          actions: JOIN_TOKEN_KEY_ADMIN_ACTIONS,
          resources: ['*'],
        })],
      }),
      enableKeyRotation: true,
      // Only tokens of this swarm are encrypted with it; they are worthless once the swarm is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });

    this.nodeSecurityGroup = new ec2.SecurityGroup(this, 'NodeSecurityGroup', {
      vpc: this.vpc,
      description: `Docker swarm nodes of ${this.node.path}: gossip (7946) and overlay (4789) between nodes`,
      allowAllOutbound: true,
    });
    this.nodeSecurityGroup.addIngressRule(this.nodeSecurityGroup, ec2.Port.tcp(7946), 'swarm node gossip (tcp)');
    this.nodeSecurityGroup.addIngressRule(this.nodeSecurityGroup, ec2.Port.udp(7946), 'swarm node gossip (udp)');
    this.nodeSecurityGroup.addIngressRule(this.nodeSecurityGroup, ec2.Port.udp(4789), 'swarm overlay network (VXLAN)');
    if (props.encryptedOverlayNetworks) {
      this.nodeSecurityGroup.addIngressRule(this.nodeSecurityGroup, ec2.Port.esp(), 'encrypted overlay networks (IPsec ESP)');
    }
    this.managerSecurityGroup = new ec2.SecurityGroup(this, 'ManagerSecurityGroup', {
      vpc: this.vpc,
      description: `Docker swarm managers of ${this.node.path}: management port 2377 from swarm nodes`,
      allowAllOutbound: true,
    });
    this.managerSecurityGroup.addIngressRule(this.nodeSecurityGroup, ec2.Port.tcp(2377), 'swarm management from swarm nodes');

    this.managerRole = nodeRole(this, 'ManagerRole', `Docker swarm managers of ${this.node.path}`);
    this.grantManagerBootstrap(this.managerRole);

    const managerScripts = [
      { path: `${INSTALL_DIR}/node-boot.sh`, content: readScript('node-boot.sh') },
      { path: `${INSTALL_DIR}/manager-boot.sh`, content: readScript('manager-boot.sh') },
    ];
    this.managerLaunchTemplate = swarmLaunchTemplate(this, 'ManagerLaunchTemplate', {
      instanceType: props.managerInstanceType ?? new ec2.InstanceType('t3.small'),
      role: this.managerRole,
      securityGroups: [this.nodeSecurityGroup, this.managerSecurityGroup],
      rootVolumeSizeGiB: props.rootVolumeSizeGiB ?? 30,
      userData: renderUserData({
        ...this._bootEnvironment('manager', this.registry),
        SWARM_KMS_KEY_ID: this.joinTokenKey.keyArn,
        SWARM_MANAGERS_ACCEPT_TASKS: props.managersAcceptTasks ? 'true' : 'false',
        SWARM_DEFAULT_ADDR_POOL: this.overlayAddressPool,
        SWARM_DEFAULT_ADDR_POOL_MASK_LENGTH: String(poolMaskLength),
      }, managerScripts, `${INSTALL_DIR}/node-boot.sh`),
    });

    this.managers = new autoscaling.AutoScalingGroup(this, 'Managers', {
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate: this.managerLaunchTemplate,
      minCapacity: managerCount,
      maxCapacity: managerCount,
      // One manager at a time, so a launch-template change never costs the quorum.
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({ maxBatchSize: 1, minInstancesInService: managerCount - 1, pauseTime: Duration.minutes(5) }),
      healthChecks: autoscaling.HealthChecks.ec2({ gracePeriod: Duration.minutes(5) }),
    });
    tagGroup(this.managers, this.swarmName, 'manager', { role: 'manager' });
    this.groups.push({ path: this.managers.node.path, labels: { role: 'manager' } });
    acknowledgeGroupNotifications(this.managers);

    this.commandDocument = new ssm.CfnDocument(this, 'CommandDocument', {
      documentType: 'Command',
      content: {
        schemaVersion: '2.2',
        description: `Swarm node housekeeping on a manager of ${this.node.path} (swarm-ctl)`,
        parameters: {
          action: { type: 'String', allowedValues: ['leave', 'prune', 'rebalance'], description: 'What swarm-ctl does' },
          // Instance ids only: the value reaches a shell command line, so nothing else may pass.
          target: { type: 'String', default: '', allowedPattern: '^[a-z0-9,-]{0,4000}$', description: 'Instance id, or live instance ids for prune' },
        },
        mainSteps: [{
          action: 'aws:runShellScript',
          name: 'swarmCtl',
          inputs: {
            timeoutSeconds: String(drainSeconds + 660),
            runCommand: swarmCtlCommands({ path: '/usr/local/sbin/swarm-ctl', content: readScript('swarm-ctl.sh') }, {
              SWARM_DRAIN_TIMEOUT: String(drainSeconds),
              SWARM_PARAMETER_PREFIX: this.parameterPrefix,
              // The SSM agent's environment names no region; the AWS CLI needs one to forget a manager address.
              AWS_DEFAULT_REGION: Stack.of(this).region,
            }),
          },
        }],
      },
    });

    this.drainer = this.createDrainer(pruneInterval);
    // Its own policy, not the function's default one: the function must not depend on the groups, which depend on
    // the parameters resource, which calls the function.
    this.groupsPolicy = new iam.Policy(this, 'DrainerGroupsPolicy', { roles: [this.drainer.role!] });
    this.parametersResource = new CustomResource(this, 'Parameters', {
      serviceToken: this.drainer.functionArn,
      resourceType: 'Custom::SwarmParameters',
      serviceTimeout: customResourceServiceTimeout(this.drainer),
      properties: { Prefix: this.parameterPrefix },
    });
    this._addNodeGroupHooks(this.managers, false);
    this.groupsPolicy.addStatements(new iam.PolicyStatement({
      actions: ['ssm:SendCommand'],
      resources: [Stack.of(this).formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
      conditions: this.managerInstancesCondition(),
    }));
    acknowledgeWildcard(this.groupsPolicy, Stack.of(this).formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' }),
      'ssm:SendCommand on instances is limited to the instances of this swarm\'s manager group by their aws:autoscaling:groupName tag, which only Auto Scaling sets');

    this.connections = new ec2.Connections({ securityGroups: [this.managerSecurityGroup] });
  }

  /**
   * Lets the holder run `docker` commands on the managers through SSM Run Command (`AWS-RunShellScript`), for
   * example a pipeline that runs `docker stack deploy`.
   */
  public grantDeploy(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:SendCommand'],
      resourceArns: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
      conditions: this.managerInstancesCondition(),
    });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:SendCommand'],
      resourceArns: [stack.formatArn({ service: 'ssm', resource: 'document', resourceName: 'AWS-RunShellScript', account: '' })],
    });
  }

  /**
   * Variables of the user-data header that every node of this swarm shares.
   * @internal
   */
  public _bootEnvironment(role: 'manager' | 'worker', registry: SwarmRegistryOptions): Record<string, string> {
    return {
      SWARM_NODE_ROLE: role,
      SWARM_PARAMETER_PREFIX: this.parameterPrefix,
      SWARM_REGISTRY_MIRRORS: (registry.mirrors ?? []).join(' '),
      SWARM_INSECURE_REGISTRIES: (registry.insecureRegistries ?? []).join(' '),
    };
  }

  /**
   * Checks a node group's labels against the swarm and records them: a group whose labels equal another
   * group's (managers included) cannot be targeted by any placement constraint on its own.
   * @internal
   */
  public _registerNodeGroup(group: Construct, labels: Record<string, string>): void {
    const key = labelSetKey(labels);
    if (labels.role === 'manager') {
      throw fleetError(group, `role 'manager' is the managers' label (engine.labels.role==manager would place tasks on both)`, 'choose another role');
    }
    const twin = this.groups.find((g) => labelSetKey(g.labels) === key);
    if (twin) {
      throw fleetError(group, `labels ${key} are the same as those of ${twin.path}, so no placement constraint can tell the two groups apart`,
        'give one group another environment or an extra label');
    }
    this.groups.push({ path: group.node.path, labels });
  }

  /**
   * Lets a worker read the worker token and the manager addresses, and decrypt that one token.
   * @internal
   */
  public _grantWorkerJoin(role: iam.IRole): void {
    const tokenArn = this.parameterArn('worker-token');
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [tokenArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParametersByPath'], resources: [this.parameterArn('managers')] }));
    const conditions = {
      StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': tokenArn, 'kms:ViaService': `ssm.${Stack.of(this).region}.amazonaws.com` },
    };
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.joinTokenKey.keyArn], conditions }));
    this.joinTokenKey.addToResourcePolicy(new iam.PolicyStatement({ principals: [role], actions: ['kms:Decrypt'], resources: ['*'], conditions }));
  }

  /**
   * Adds the terminate lifecycle hook (drain before termination) and, when asked, the scale-out
   * rebalance to a group of this swarm.
   * @internal
   */
  public _addNodeGroupHooks(group: autoscaling.AutoScalingGroup, rebalance: boolean): void {
    const hook = group.addLifecycleHook('DrainHook', {
      lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_TERMINATING,
      // The drainer completes the action as soon as the node is out; CONTINUE if it never does, so nothing hangs.
      defaultResult: autoscaling.DefaultResult.CONTINUE,
      heartbeatTimeout: this.drainTimeout.plus(Duration.minutes(5)),
    });
    const target = new targets.LambdaFunction(this.drainer, { retryAttempts: 2, maxEventAge: Duration.hours(1) });
    new events.Rule(group, 'DrainRule', {
      description: `Drain swarm nodes of ${group.node.path} before they terminate`,
      eventPattern: {
        source: ['aws.autoscaling'],
        detailType: ['EC2 Instance-terminate Lifecycle Action'],
        detail: { AutoScalingGroupName: [group.autoScalingGroupName], LifecycleHookName: [hook.lifecycleHookName] },
      },
      targets: [target],
    });
    if (rebalance) {
      new events.Rule(group, 'RebalanceRule', {
        description: `Rebalance swarm services onto new nodes of ${group.node.path}`,
        eventPattern: {
          source: ['aws.autoscaling'],
          detailType: ['EC2 Instance Launch Successful'],
          detail: { AutoScalingGroupName: [group.autoScalingGroupName] },
        },
        targets: [target],
      });
    }
    this.groupsPolicy.addStatements(new iam.PolicyStatement({
      actions: ['autoscaling:CompleteLifecycleAction'],
      // The group ARN holds a generated id; the name pins it to this group.
      resources: [Stack.of(this).formatArn({
        service: 'autoscaling',
        resource: 'autoScalingGroup',
        resourceName: `*:autoScalingGroupName/${group.autoScalingGroupName}`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      })],
    }));
    acknowledgeWildcard(this.groupsPolicy, Stack.of(this).formatArn({
      service: 'autoscaling',
      resource: 'autoScalingGroup',
      resourceName: `*:autoScalingGroupName/${group.autoScalingGroupName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }), `the group ARN holds an id generated at creation; the group name pins it to ${group.node.path}`);
    group.node.addDependency(this.parametersResource);
  }

  /**
   * Which instances Run Command may reach: those of this swarm's manager group, by the `aws:autoscaling:groupName` tag
   * Auto Scaling puts on every instance it launches. Keys with the `aws:` prefix cannot be set by users, so unlike the
   * `swarm:*` tags (which anyone allowed to tag an instance could copy onto another environment's instance) no other
   * stack can steer the commands, which run as root.
   */
  private managerInstancesCondition(): Record<string, Record<string, string>> {
    return { StringEquals: { 'ssm:resourceTag/aws:autoscaling:groupName': this.managers.autoScalingGroupName } };
  }

  /** The overlay address pool: the prop, checked against the VPC, or one derived from the VPC's CIDR blocks. */
  private chooseAddressPool(props: SwarmClusterProps): string {
    const vpcCidrs = knownVpcCidrs(this.vpc);
    const maskLength = props.overlayAddressPoolMaskLength ?? 24;
    const pool = props.overlayAddressPool ?? (vpcCidrs ? defaultAddressPool(vpcCidrs) : UNKNOWN_VPC_POOL);
    if (!Token.isUnresolved(pool) && !Token.isUnresolved(maskLength)) {
      const problems = addressPoolProblems(pool, maskLength, vpcCidrs ?? []);
      if (problems.length > 0) {
        throw fleetError(this, problems.join('; '), `choose a pool outside the VPC${vpcCidrs ? ` (${vpcCidrs.join(', ')})` : ''} and every network its containers must reach, with a mask length from the pool's prefix to 29`);
      }
    }
    if (!vpcCidrs && props.overlayAddressPool === undefined) {
      Annotations.of(this).addWarningV2('@cdk-container-fleet/swarm:overlayPoolUnknownVpc',
        `the VPC's CIDR is only known at deploy time, so overlay networks use ${UNKNOWN_VPC_POOL}; set overlayAddressPool to a range outside the VPC and every network its containers reach`);
    }
    // Secondary CIDR blocks may be added to the VPC after this construct: check them once the app is built.
    this.node.addValidation({
      validate: () => {
        const all = knownVpcCidrs(this.vpc);
        return all && !Token.isUnresolved(pool) && !Token.isUnresolved(maskLength)
          ? addressPoolProblems(pool, maskLength, all).filter((p) => p.includes('overlaps')).map((p) => `${this.node.path}: ${p}. Fix: set overlayAddressPool outside ${all.join(', ')}.`)
          : [];
      },
    });
    return pool;
  }

  private parameterArn(name: string): string {
    return Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${this.parameterPrefix.slice(1)}/${name}` });
  }

  private grantManagerBootstrap(role: iam.Role): void {
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['ssm:PutParameter'],
      resources: [
        this.parameterArn('init-lock'), this.parameterArn('worker-token'), this.parameterArn('manager-token'), this.parameterArn('managers/*'),
        this.parameterArn('recovery-lock/*'),
      ],
    }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [this.parameterArn('manager-token'), this.parameterArn('init-lock')] }));
    // swarm-ctl (prune, leave) and the recovery of a lost manager group forget dead managers' addresses.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:DeleteParameter'], resources: [this.parameterArn('managers/*')] }));
    // Recovery: a lock whose holder and registered managers are all gone from EC2 is stale.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }));
    acknowledgeWildcard(role, '*', 'ec2:DescribeInstances supports no resource-level permissions; managers read instance states to detect a lost manager group');
    acknowledgeWildcard(role, this.parameterArn('recovery-lock/*'),
      'a replacement manager takes <prefix>/recovery-lock/<id of the lost lock holder>, unknown before launch');
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParametersByPath'], resources: [this.parameterArn('managers')] }));
    const tokenUse = {
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
      conditions: {
        StringEquals: {
          'kms:EncryptionContext:PARAMETER_ARN': [this.parameterArn('worker-token'), this.parameterArn('manager-token')],
          'kms:ViaService': `ssm.${Stack.of(this).region}.amazonaws.com`,
        },
      },
    };
    role.addToPolicy(new iam.PolicyStatement({ ...tokenUse, resources: [this.joinTokenKey.keyArn] }));
    this.joinTokenKey.addToResourcePolicy(new iam.PolicyStatement({ ...tokenUse, principals: [role], resources: ['*'] }));
    acknowledgeWildcard(role, this.parameterArn('managers/*'),
      'each manager registers its address under <prefix>/managers/<its own instance id>, unknown before launch');
  }

  private createDrainer(pruneInterval: Duration): lambda.Function {
    const stack = Stack.of(this);
    const fn = fleetHandlerFunction(this, 'Drainer', {
      handler: 'swarm-node-drainer',
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(Math.min(900, this.drainTimeout.toSeconds() + 120)),
      description: `Drains, prunes and rebalances the Docker swarm ${this.node.path}`,
      environment: {
        SWARM_NAME: this.swarmName,
        DOCUMENT_NAME: this.commandDocument.ref,
        PARAMETER_PREFIX: this.parameterPrefix,
      },
    });
    const role = fn.role as iam.Role;
    // Commands go only through this swarm's document; to which instances: the groups policy (addManagerCommands), which
    // names the managers' group and so must stay out of the function's own policy (the group depends on the function).
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['ssm:SendCommand'],
      resources: [stack.formatArn({ service: 'ssm', resource: 'document', resourceName: this.commandDocument.ref })],
    }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation', 'ec2:DescribeInstances'], resources: ['*'] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:DeleteParameter'], resources: [this.parameterArn('managers/*')] }));
    // Prune: list the registered manager addresses, to forget those of instances gone from EC2.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParametersByPath'], resources: [this.parameterArn('managers')] }));
    // Create/delete of the swarm: list and remove everything under the prefix.
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParametersByPath'],
      resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: this.parameterPrefix.slice(1) })],
    }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:DeleteParameters'], resources: [this.parameterArn('*')] }));
    acknowledgeWildcard(role, this.parameterArn('*'),
      'on stack creation and deletion the drainer removes every parameter of this swarm (lock, tokens, manager addresses), all under its own prefix');
    acknowledgeWildcard(role, '*', 'ssm:GetCommandInvocation and ec2:DescribeInstances support no resource-level permissions');
    acknowledgeWildcard(role, this.parameterArn('managers/*'),
      'the drainer deletes <prefix>/managers/<instance id> of a terminated manager; instance ids are only known at run time');

    new events.Rule(this, 'PruneSchedule', {
      description: `Remove nodes of ${this.node.path} that died without leaving the swarm`,
      schedule: events.Schedule.rate(pruneInterval),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
    });
    return fn;
  }
}

/**
 * The VPC's CIDR blocks when they are known at synth: the primary block (a VPC made in this app, or looked up) and
 * the secondary blocks (`AWS::EC2::VPCCidrBlock`) of the same stack. Undefined when the primary block is a token
 * (an imported VPC given by attributes, an IPAM-allocated VPC) or was never given.
 */
function knownVpcCidrs(vpc: ec2.IVpc): string[] | undefined {
  const resource = vpc.node.defaultChild;
  let primary: string | undefined = resource instanceof ec2.CfnVPC ? resource.cidrBlock : undefined;
  if (primary === undefined) {
    try {
      primary = vpc.vpcCidrBlock;
    } catch {
      // Vpc.fromVpcAttributes without vpcCidrBlock throws on access.
      return undefined;
    }
  }
  if (primary === undefined || Token.isUnresolved(primary)) return undefined;
  const secondary = Stack.of(vpc).node.findAll()
    .filter((c): c is ec2.CfnVPCCidrBlock => c instanceof ec2.CfnVPCCidrBlock && c.vpcId === vpc.vpcId)
    .map((c) => c.cidrBlock)
    .filter((c): c is string => typeof c === 'string' && !Token.isUnresolved(c));
  return [primary, ...secondary];
}
