import { Annotations, CustomResource, Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';
import { FleetClusterAttributes, IFleetCluster, importFleetCluster } from './imported-cluster';
import { checkClusterSubnets } from './instance-capacity';
import { InstanceHardening, instanceHardeningUserData, refusePrivilegedServices, resolveHardening } from './instance-hardening';
import { loggingDriversUserDataCommand } from './logging-drivers';
import { acknowledgeMixedInstancesNag, allInstanceTypes, groupCapacityOptions, SpotCapacity } from './spot-capacity';
import { fleetError } from '../errors';
import { customResourceServiceTimeout, fleetHandlerFunction } from '../handler-function';
import { nagResourceName } from '../nag';
import { alarmTopicOf, useAlarmTopic } from '../observability/alarms';
import { hardenedLaunchTemplate, ssmInstanceRole } from '../instances';
import { grantEcsAgent } from './instance-role';
import { checkDuration, checkPercent, checkWholeNumber } from '../validation';

/**
 * Properties of a {@link FleetCluster}.
 */
export interface FleetClusterProps {
  /**
   * The VPC to run in.
   *
   * @default - a new VPC over 2 Availability Zones, public and private subnets,
   *   `natGateways` NAT gateways and VPC flow logs to CloudWatch Logs
   */
  readonly vpc?: ec2.IVpc;

  /**
   * NAT gateways of the new VPC (ignored when `vpc` is given).
   *
   * With 0 NAT gateways the instances run in public subnets with a public IPv4 address so
   * they can reach ECS, ECR and SSM; their security group still admits nothing but the load
   * balancers you route from. Use 0 for cheap QA environments.
   *
   * @default 1
   */
  readonly natGateways?: number;

  /**
   * EC2 instance type of the capacity.
   *
   * @default t3.medium
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Further instance types the group may launch besides `instanceType` (a mixed instances policy), so Spot can draw on
   * several capacity pools or on-demand can fall back when a type runs short. Same architecture as `instanceType`;
   * every FleetService is checked to fit the smallest of them.
   *
   * @default - only `instanceType`
   */
  readonly additionalInstanceTypes?: ec2.InstanceType[];

  /**
   * Run part of the capacity on Spot instances: an on-demand base, Spot above it (price-capacity-optimized), with
   * capacity rebalancing. Interrupted instances are drained by the capacity provider's managed draining like any
   * other termination. See docs/cluster.md, "Spot capacity".
   *
   * @default - on-demand instances only
   */
  readonly spot?: SpotCapacity;

  /**
   * Fewest instances. ECS managed scaling moves the group between `minCapacity` and `maxCapacity`.
   *
   * @default 2, one per Availability Zone
   */
  readonly minCapacity?: number;

  /**
   * Most instances.
   *
   * @default 4, or `minCapacity` when that is larger
   */
  readonly maxCapacity?: number;

  /**
   * Size of the encrypted gp3 root volume.
   *
   * @default 30 GiB (the ECS-optimized AMI's minimum)
   */
  readonly rootVolumeSizeGiB?: number;

  /**
   * Target utilization of the capacity provider's managed scaling, in percent.
   * 100 packs instances fully; lower keeps spare room so new tasks start without waiting for an instance.
   *
   * @default 100
   */
  readonly targetCapacityPercent?: number;

  /**
   * CloudWatch Container Insights (enhanced observability off, standard metrics on).
   *
   * @default true
   */
  readonly containerInsights?: boolean;

  /**
   * How long VPC flow logs are kept (only for the VPC this construct creates).
   *
   * @default one month
   */
  readonly flowLogRetention?: logs.RetentionDays;

  /**
   * How long an instance refresh waits after a new instance is in service before it replaces the next one: time for
   * the ECS agent to register the instance with the cluster and for managed scaling and placement to use it.
   *
   * @default 3 minutes (the agent usually registers within a minute of boot)
   */
  readonly instanceWarmup?: Duration;

  /**
   * How long a new instance may take to register with the cluster. Every new instance waits (launch lifecycle hook)
   * until the ECS agent has registered it, so an instance refresh replaces the next instance only once the cluster can
   * place tasks on the new one; an instance that has not registered by then is abandoned (terminated and replaced).
   *
   * @default 10 minutes (the agent usually registers within a minute of boot)
   */
  readonly registrationTimeout?: Duration;

  /**
   * Name of the ECS cluster.
   *
   * @default - generated by CloudFormation, so that two environments never collide
   */
  readonly clusterName?: string;

  /**
   * The environment's own SSM parameter prefix (e.g. `/my-app/prod`): the instances may read the parameters
   * under it (and no others).
   *
   * @default - the instances read no SSM parameters (tasks get theirs through their own roles)
   */
  readonly parameterPrefix?: string;

  /**
   * The SNS topic every alarm of the environment notifies: its services' alarms, the tasks-not-placed alarm, and
   * whatever the environment stacks add (DNS updater, nightly chain). Subscribe your pager or chat to it.
   *
   * @default - one made on first use, encrypted with a customer managed KMS key (`alarmTopic`)
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * What the instances refuse to their containers: the instance metadata service from bridge containers, and
   * (when asked) privileged containers. Turn both on for clusters that run compose files nobody reviewed, such as
   * QA environments built from any branch: root on an instance, or its metadata, is the instance role and every
   * co-located task's credentials. See docs/cluster.md, "Untrusted workloads".
   *
   * @default - containers cannot reach the instance metadata service; privileged containers are allowed
   */
  readonly hardening?: InstanceHardening;

  /**
   * Associate the FARGATE and FARGATE_SPOT capacity providers with the cluster from the start, beside its Auto Scaling
   * group provider, so services with `capacity: FleetCapacity.FARGATE` or `FARGATE_SPOT` can run on it. Why from the
   * start: the cluster has one capacity provider association, and ECS refuses to take a provider out of it while a
   * service uses it ("The specified capacity provider is in use and cannot be removed", aws/aws-cdk#15366); an
   * association that followed the services would be updated first when the last Fargate service goes, and the
   * deployment would fail. The providers cost nothing while no task runs on them.
   *
   * @default true; with false, a Fargate service on this cluster fails the synth
   */
  readonly fargateCapacityProviders?: boolean;
}

/**
 * An ECS cluster on EC2 capacity: an Auto Scaling Group (launch template, ECS-optimized
 * Amazon Linux 2023, IMDSv2 only, encrypted gp3 root volume, SSM instead of SSH) attached
 * through a capacity provider with managed scaling and managed draining.
 *
 * Deleting the stack never hangs on the capacity: see docs/cluster.md, "Teardown".
 * In short, instances are never protected from scale-in (managed termination protection
 * stays off: managed draining already keeps tasks safe during scale-in), and every service
 * depends on the cluster's capacity provider association, so CloudFormation deletes services,
 * then the association, then the capacity provider, and only then the Auto Scaling Group,
 * whose unprotected instances terminate at once.
 */
export class FleetCluster extends Construct implements IFleetCluster {
  /**
   * An existing ECS cluster with EC2 capacity (a platform team's), to run {@link FleetService}s on: they place their
   * tasks with its capacity provider, and load balancers that route to them are admitted to its instance security
   * group. Nothing of the cluster is created or changed but those ingress rules. See docs/cluster.md, "Existing cluster".
   */
  public static fromClusterAttributes(scope: Construct, id: string, attrs: FleetClusterAttributes): IFleetCluster {
    return importFleetCluster(scope, id, attrs);
  }

  /** The VPC the cluster runs in. */
  public readonly vpc: ec2.IVpc;
  /**
   * The ECS cluster, an `ecs.Cluster` (typed as `ecs.ICluster`, as `IFleetCluster` has it: jsii lets a class keep
   * an interface's property types only). For `ecs.Cluster`-only members such as its metrics, use `ecsCluster`.
   */
  public readonly cluster: ecs.ICluster;
  /** The ECS cluster as the `ecs.Cluster` it is: its metrics (`metricCpuUtilization`, …) and capacity methods. */
  public readonly ecsCluster: ecs.Cluster;
  /** The Auto Scaling Group that provides the EC2 capacity. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The capacity provider every {@link FleetService} places its tasks with. */
  public readonly capacityProvider: ecs.AsgCapacityProvider;
  /** The launch template of the instances. */
  public readonly launchTemplate: ec2.LaunchTemplate;
  /** The security group of the instances. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /**
   * The role of the instances: grant to it (`cluster.instanceRole`), not through `autoScalingGroup.addToRolePolicy`,
   * which sees the role without policy updates (so that aws-cdk-lib adds no `logs:*` statements on `*`).
   */
  public readonly instanceRole: iam.IRole;
  /**
   * The instance type of the capacity (FleetService checks that its tasks fit). Always set on a FleetCluster; optional
   * in its type only because `IFleetCluster` has it optional (an imported cluster may not say).
   */
  public readonly instanceType?: ec2.InstanceType;
  /**
   * Every instance type the group may launch: `instanceType`, then `additionalInstanceTypes` (FleetService checks that
   * its tasks fit each). Always set on a FleetCluster (optional in its type, as `instanceType`).
   */
  public readonly instanceTypes?: ec2.InstanceType[];
  /** Network access to the instances (and so to tasks in bridge mode). */
  public readonly connections: ec2.Connections;
  /**
   * Whether the cluster has the FARGATE and FARGATE_SPOT capacity providers (the `fargateCapacityProviders` prop).
   * Always set on a FleetCluster (optional in its type only because `IFleetCluster` has it optional).
   */
  public readonly fargateCapacityProviders?: boolean;
  /**
   * The custom resource that deregisters leftover container instances between the group's and the cluster's
   * deletion (see docs/cluster.md, "Teardown").
   */
  public readonly teardownGuard: CustomResource;

  /**
   * The topic the environment's alarms notify (`alarmTopic`, or one made on first use). Subscribe to it:
   * `cluster.alarmTopic.addSubscription(new subscriptions.EmailSubscription('oncall@example.com'))`.
   */
  public get alarmTopic(): sns.ITopic {
    return alarmTopicOf(this);
  }

  /** Name of the capacity provider every {@link FleetService} places its tasks with. */
  public get capacityProviderName(): string {
    return this.capacityProvider.capacityProviderName;
  }

  constructor(scope: Construct, id: string, props: FleetClusterProps = {}) {
    super(scope, id);
    if (props.alarmTopic) useAlarmTopic(this, props.alarmTopic);

    const minCapacity = props.minCapacity ?? 2;
    const maxCapacity = props.maxCapacity ?? Math.max(4, minCapacity);
    checkWholeNumber(this, 'minCapacity', minCapacity, { min: 0, unit: 'instances' });
    checkWholeNumber(this, 'maxCapacity', maxCapacity, { min: 1, unit: 'instances' });
    if (minCapacity > maxCapacity) {
      throw fleetError(this, `minCapacity (${minCapacity}) is larger than maxCapacity (${maxCapacity})`, 'raise maxCapacity or lower minCapacity');
    }
    const rootVolumeSizeGiB = props.rootVolumeSizeGiB ?? 30;
    checkWholeNumber(this, 'rootVolumeSizeGiB', rootVolumeSizeGiB, { min: 30, max: 16_384, unit: 'GiB (at least 30 GiB, the ECS-optimized AMI snapshot size)' });
    const targetCapacityPercent = props.targetCapacityPercent ?? 100;
    checkPercent(this, 'targetCapacityPercent', targetCapacityPercent, 1, 100);
    checkDuration(this, 'instanceWarmup', props.instanceWarmup, { min: Duration.seconds(0), max: Duration.hours(1), wholeUnit: 'seconds', why: 'the time an instance refresh waits after each new instance' });

    const natGateways = props.natGateways ?? 1;
    if (props.vpc && props.natGateways !== undefined) {
      Annotations.of(this).addWarningV2('@cdk-container-fleet/cluster:natGatewaysIgnored',
        'natGateways is ignored because a vpc was given; configure NAT on that VPC instead');
    }
    if (props.vpc) checkClusterSubnets(this, props.vpc);
    this.vpc = props.vpc ?? this.createVpc(natGateways, props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH);
    // Without NAT the instances need a public address to reach the ECS, ECR and SSM endpoints.
    const publicInstances = !props.vpc && natGateways === 0;

    // Not 'Resource': ecs.Cluster names its capacity provider association after its own id, which would clash.
    const cluster = this.ecsCluster = new ecs.Cluster(this, 'EcsCluster', {
      vpc: this.vpc,
      clusterName: props.clusterName,
      containerInsightsV2: props.containerInsights === false ? ecs.ContainerInsights.DISABLED : ecs.ContainerInsights.ENABLED,
    });
    this.cluster = cluster;

    this.securityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: this.vpc,
      description: `ECS container instances of ${this.node.path}; ingress only from the load balancers routed to it`,
      allowAllOutbound: true,
    });

    const role = ssmInstanceRole(this, 'InstanceRole', `ECS container instances of ${this.node.path}`, 'these container instances', {
      parameterPrefix: props.parameterPrefix,
    });
    this.instanceRole = role;

    // The agent advertises every log driver ECS accepts on EC2, so a task with journald, gelf or splunk finds an instance
    // (see logging-drivers.ts). addAsgCapacityProvider appends ECS_CLUSTER below; nothing else sets this key.
    const userData = ec2.UserData.forLinux();
    userData.addCommands(loggingDriversUserDataCommand(), ...instanceHardeningUserData(props.hardening));

    const instanceType = this.instanceType = props.instanceType ?? new ec2.InstanceType('t3.medium');
    this.launchTemplate = hardenedLaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ecs.EcsOptimizedImage.amazonLinux2023(),
      instanceType,
      userData,
      // The group (and so addAsgCapacityProvider) sees the role without policy updates: aws-cdk-lib would add the
      // ECS agent's statements with logs:CreateLogStream/PutLogEvents on '*'; the agent's statements are added below,
      // scoped to this cluster, and without the logs ones (see grantEcsAgent).
      role: role.withoutPolicyUpdates(),
      securityGroups: [this.securityGroup],
      rootVolumeSizeGiB,
      associatePublicIpAddress: publicInstances ? true : undefined,
    });

    this.instanceTypes = allInstanceTypes(instanceType, props.additionalInstanceTypes);
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Capacity', {
      vpc: this.vpc,
      vpcSubnets: { subnetType: publicInstances ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ...groupCapacityOptions(this, { launchTemplate: this.launchTemplate, instanceType, additionalInstanceTypes: props.additionalInstanceTypes, spot: props.spot, minCapacity, maxCapacity }),
      minCapacity,
      maxCapacity,
      // When the launch template changes (instance type, AMI, user data), CloudFormation starts an instance refresh:
      // launch before terminate (100 % healthy, up to 200 %: QA's single instance needs room for one more), so the
      // group never drops below its desired capacity; no scaling process is suspended, so ECS managed scaling keeps
      // working; new instances get a warm-up before old ones go; managed draining moves tasks off the old ones.
      updatePolicy: autoscaling.UpdatePolicy.instanceRefresh({
        strategy: autoscaling.InstanceRefreshStrategy.ROLLING,
        minHealthyPercentage: 100,
        maxHealthyPercentage: 200,
        instanceWarmup: props.instanceWarmup ?? Duration.minutes(3),
      }),
      healthChecks: autoscaling.HealthChecks.ec2({ gracePeriod: Duration.minutes(2) }),
    });
    acknowledgeMixedInstancesNag(this.autoScalingGroup);
    acknowledgeFinding(this.autoScalingGroup, {
      id: 'AwsSolutions-AS3',
      reason: 'scaling is driven by the ECS capacity provider (managed scaling), and Auto Scaling sends every launch and termination (successful or not) to EventBridge without configuration, where alerting subscribes; SNS notifications per group would duplicate those events',
    });

    this.capacityProvider = new ecs.AsgCapacityProvider(this, 'CapacityProvider', {
      autoScalingGroup: this.autoScalingGroup,
      enableManagedScaling: true,
      targetCapacityPercent,
      // Managed draining moves tasks off an instance before it terminates (scale-in, refresh, replacement).
      enableManagedDraining: true,
      // Off on purpose: scale-in protection on instances is what makes stack deletion hang
      // (aws-cdk #14732, #18179, #25969). Managed draining already protects running tasks.
      enableManagedTerminationProtection: false,
    });
    cluster.addAsgCapacityProvider(this.capacityProvider);
    // The ECS agent's statements, scoped to this cluster, with ecs:Poll for Service Connect (see instance-role.ts).
    grantEcsAgent(role, this.cluster);
    cluster.addDefaultCapacityProviderStrategy([{ capacityProvider: this.capacityProvider.capacityProviderName, weight: 1 }]);
    // Eagerly, whether or not a Fargate service exists yet: the association must never lose a provider a service uses.
    this.fargateCapacityProviders = props.fargateCapacityProviders ?? true;
    if (this.fargateCapacityProviders) this.ecsCluster.enableFargateCapacityProviders();
    this.teardownGuard = this.addTeardownGuard();
    this.addRegistrationGate(props.registrationTimeout ?? Duration.minutes(10));

    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });
    if (resolveHardening(props.hardening).disablePrivilegedContainers) refusePrivilegedServices(this, this.cluster);
  }

  /**
   * Holds every new instance in Pending:Wait until the ECS agent has registered it (the cluster's "ECS Container
   * Instance State Change" event, ACTIVE with the agent connected), so a capacity roll never counts an instance the
   * cluster cannot use yet. No AWS CLI is needed on the instance: a small function completes the lifecycle action.
   */
  private addRegistrationGate(timeout: Duration): void {
    checkDuration(this, 'registrationTimeout', timeout, { min: Duration.seconds(30), max: Duration.hours(2), wholeUnit: 'seconds', why: 'the lifecycle hook heartbeat range' });
    const scope = new Construct(this, 'RegistrationGate');
    const hook = this.autoScalingGroup.addLifecycleHook('AgentRegistered', {
      lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_LAUNCHING,
      heartbeatTimeout: timeout,
      // An instance whose agent never registers cannot run tasks: replace it rather than keep it.
      defaultResult: autoscaling.DefaultResult.ABANDON,
    });
    const fn = fleetHandlerFunction(scope, 'Function', {
      handler: 'agent-registered',
      description: `Lets a new instance of ${this.node.path} go in service once its ECS agent has registered`,
      timeout: Duration.minutes(1),
      memorySize: 128,
      environment: { ASG_NAME: this.autoScalingGroup.autoScalingGroupName, HOOK_NAME: hook.lifecycleHookName },
    });
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['autoscaling:CompleteLifecycleAction'],
      resources: [this.autoScalingGroup.autoScalingGroupArn],
    }));
    acknowledgeFinding(fn.role!, {
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, this.autoScalingGroup.autoScalingGroupArn)}]`,
      reason: 'a group ARN holds a generated id the group name does not reveal; the name pins the statement to this one group',
    });
    new events.Rule(scope, 'Registered', {
      description: `Container instances of ${this.node.path} that registered with the cluster`,
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Container Instance State Change'],
        detail: { clusterArn: [this.cluster.clusterArn], status: ['ACTIVE'], agentConnected: [true] },
      },
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 8, maxEventAge: Duration.minutes(10) })],
    });
  }

  /**
   * Between the cluster and its Auto Scaling Group (the group depends on it, it depends on the cluster): on stack
   * deletion it runs after every instance has terminated and before the cluster is deleted, deregisters the
   * container instances ECS still lists as ACTIVE or DRAINING, and waits until none is left. See docs/cluster.md,
   * "Teardown".
   */
  private addTeardownGuard(): CustomResource {
    const scope = new Construct(this, 'Teardown');
    const fn = fleetHandlerFunction(scope, 'Function', {
      handler: 'cluster-teardown',
      description: `Deregisters the remaining container instances of ${this.node.path} before CloudFormation deletes the cluster`,
      timeout: Duration.minutes(14),
      memorySize: 256,
    });
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ecs:ListContainerInstances', 'ecs:DeregisterContainerInstance'],
      resources: [this.cluster.clusterArn],
    }));
    const guard = new CustomResource(scope, 'Resource', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::FleetClusterTeardown',
      serviceTimeout: customResourceServiceTimeout(fn),
      properties: { ClusterName: this.cluster.clusterName },
    });
    this.autoScalingGroup.node.addDependency(guard);
    return guard;
  }

  private createVpc(natGateways: number, flowLogRetention: logs.RetentionDays): ec2.Vpc {
    checkWholeNumber(this, 'natGateways', natGateways, { min: 0, max: 2, unit: 'NAT gateways (0: no NAT, instances in public subnets)' });
    const subnetConfiguration: ec2.SubnetConfiguration[] = [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
    ];
    if (natGateways > 0) {
      subnetConfiguration.push({ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 });
    }
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways, subnetConfiguration });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogGroup', { retention: flowLogRetention })),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    return vpc;
  }
}
