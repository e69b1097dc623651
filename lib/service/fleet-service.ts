import { Annotations, Duration, Size, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import type { IFleetCluster } from '../cluster/imported-cluster';
import { addTaskFitValidation, checkTaskFitsInstance } from '../cluster/instance-capacity';
import { fleetError } from '../errors';
import { serviceAlarms } from '../observability/alarms';
import { applyServiceScaling, scalingPlanOf } from '../scaling/service-scaling';
import { ServiceScaling } from '../scaling/scaling-props';
import { checkDuration, checkPercent, checkWholeNumber } from '../validation';
import { blueGreenServiceProps, completeBlueGreenService, FleetBlueGreenOptions, FleetDeploymentStrategy } from './blue-green';
import { extraHostEntries, portNameProblem, serviceConnectProblems, ExtraHosts } from './container-options';
import { checkFargateService, fargateContainerSize, fargateScheduling, fargateTaskDefinition, FleetFargateOptions } from './fargate';
import { capacityProblem, FleetCapacity, isFargate } from './fleet-capacity';
import { serviceSchedulingOf, ServicePlacement } from './placement';
import { awsvpcServiceConnect, checkEniLimit, FleetNetworkMode, taskSecurityGroup } from './networking';
import { checkEnvironmentNames, checkImageReference } from './service-checks';
import { checkServiceName, grantEnvironmentFiles } from './service-identity';
import { addServiceVolumes, checkServiceVolumes, FleetEfsVolume, FleetHostVolume } from './volumes';
import type { FleetAwsLogsOptions } from './log-options';

export type { ExtraHosts } from './container-options';

/** A further port of the container, besides `containerPort`. */
export interface FleetPortMapping {
  /** The port the container listens on; mapped to a dynamic host port (bridge mode). */
  readonly containerPort: number;
  /**
   * Protocol of the port.
   *
   * @default ecs.Protocol.TCP
   */
  readonly protocol?: ecs.Protocol;
  /**
   * Name of the mapping, which Service Connect refers to (`portMappingName`): lowercase letters, digits, `_` and `-`,
   * not starting with `-`, at most 64 characters.
   *
   * @default - unnamed: the port cannot be published through Service Connect
   */
  readonly name?: string;
}

/** Service Connect for a {@link FleetService}. */
export interface FleetServiceConnect {
  /** The Cloud Map namespace the service joins (as a client, and as a server for `services`). */
  readonly namespace: servicediscovery.INamespace;
  /**
   * Named ports to publish in the namespace, each referring to a port mapping name (`containerPortName` or a
   * name in `additionalPorts`).
   *
   * @default - none: the service is a client only
   */
  readonly services?: ecs.ServiceConnectService[];
}

/**
 * Properties of a {@link FleetService}.
 */
export interface FleetServiceProps {
  /** The cluster the service runs on: a `FleetCluster`, or an existing one (`FleetCluster.fromClusterAttributes`). */
  readonly cluster: IFleetCluster;

  /**
   * The container image: a registry reference such as `nginx:1.27` or `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.0`,
   * or any `ecs.ContainerImage` (an ECR repository, a Docker image asset). A string must be a reference Docker accepts
   * (lower-case repository, valid tag and digest), checked at synth: ECS registers any string, and Docker refuses a bad
   * one only when a task starts.
   */
  readonly image: string | ecs.ContainerImage;

  /**
   * CPU units reserved for the container (1,024 units = one vCPU).
   *
   * @default 256 (on Fargate with a `fargate.taskCpu`, none: the container shares the task's CPU)
   */
  readonly cpu?: number;

  /**
   * Hard memory limit of the container, in MiB: the container is killed when it exceeds it.
   *
   * @default 512 on EC2; on Fargate none: the container reserves 512 MiB (the task is sized for it) and may use the
   *   task's memory, which Fargate enforces
   */
  readonly memoryLimitMiB?: number;

  /**
   * Memory reserved for the container (soft limit), in MiB. Lets tasks burst above the reservation up to `memoryLimitMiB`.
   *
   * @default - the hard limit is also the reservation
   */
  readonly memoryReservationMiB?: number;

  /**
   * The port the container listens on. Mapped to a dynamic host port (bridge mode), so several tasks of the
   * same service fit on one instance. Needed to route the service from a {@link FleetLoadBalancer}.
   *
   * @default - no port: a worker that receives no traffic
   */
  readonly containerPort?: number;

  /**
   * Number of tasks to keep running.
   *
   * @default 2, one per Availability Zone
   */
  readonly desiredCount?: number;

  /**
   * Task auto scaling: a task-count range and the targets that move the count within it (CPU, memory, requests per
   * task and response time of the service's routes, an SQS backlog per task, floors by time of day). A service that
   * scales has no DesiredCount in its template, so a deploy never resets a scaled-out service to `desiredCount`.
   *
   * @default - a fixed count of `desiredCount` tasks
   */
  readonly scaling?: ServiceScaling;

  /**
   * Where the tasks go on the cluster's instances: spread (the default), packed by memory or CPU, random, or one on
   * every instance (DAEMON, for agents). EC2 only: Fargate spreads its tasks over Availability Zones itself.
   *
   * @default ServicePlacement.SPREAD_ACROSS_ZONES_AND_INSTANCES, so one instance or zone failure takes as few tasks as possible
   */
  readonly placement?: ServicePlacement;

  /**
   * A fixed name of the ECS service, for tools outside the stack that find it by name. ECS accepts up to 255 letters,
   * digits, hyphens and underscores, unique in the cluster. A fixed name blocks replacement: CloudFormation cannot
   * replace a resource with a custom name, so an update that replaces the service fails (warned at synth).
   *
   * @default - generated by CloudFormation, so replacements and a second environment never collide
   */
  readonly serviceName?: string;

  /**
   * Amazon EFS file systems mounted into the container: durable storage shared by every task, wherever it runs.
   * Transit encryption and IAM authorization are on by default; the file system admits the cluster's instances on NFS.
   *
   * @default - none
   */
  readonly efsVolumes?: FleetEfsVolume[];

  /**
   * Folders of the instance mounted into the container (bind mounts). Their content stays on that instance: use them
   * for caches and for agents that read the host (with `placement: ServicePlacement.DAEMON`), EFS for data. EC2 only.
   *
   * @default - none
   */
  readonly hostVolumes?: FleetHostVolume[];

  /**
   * CloudWatch alarms on the service, notifying its cluster's alarm topic: CPU and memory high, tasks below desired;
   * for each load-balancer route, 5xx rate, unhealthy targets and p99 latency, which also roll a deployment back
   * (ECS deployment alarms, beside the circuit breaker). Thresholds follow the service's own settings (docs/observability.md).
   *
   * @default true
   */
  readonly alarms?: boolean;

  /**
   * Environment variables of the container.
   *
   * @default - none
   */
  readonly environment?: Record<string, string>;

  /**
   * Secrets injected as environment variables, from Secrets Manager or SSM Parameter Store.
   * The task's execution role is granted read access to exactly these.
   *
   * @default - none
   */
  readonly secrets?: Record<string, ecs.Secret>;

  /**
   * Environment files in S3 (`ecs.EnvironmentFile.fromBucket(bucket, 'app.env')` or `fromAsset('./app.env')`), read by
   * the ECS agent when a task starts; `environment` wins over them. The task's execution role may read exactly these
   * objects (`s3:GetObject` on each, `s3:GetBucketLocation` on their buckets). A bucket encrypted with a customer
   * managed KMS key must also let the execution role decrypt.
   *
   * @default - none
   */
  readonly environmentFiles?: ecs.EnvironmentFile[];

  /**
   * Command of the container (overrides the image's CMD).
   *
   * @default - the image's CMD
   */
  readonly command?: string[];

  /**
   * Entry point of the container (overrides the image's ENTRYPOINT).
   *
   * @default - the image's ENTRYPOINT
   */
  readonly entryPoint?: string[];

  /**
   * Container health check, run by the ECS agent inside the container.
   *
   * @default - none; when routed, the load balancer's health check decides
   */
  readonly healthCheck?: ecs.HealthCheck;

  /**
   * Upper limit of running tasks during a deployment, in percent of `desiredCount`.
   *
   * @default 200, so a deployment starts a full new set before stopping the old one
   */
  readonly maxHealthyPercent?: number;

  /**
   * Lower limit of healthy tasks during a deployment, in percent of `desiredCount`.
   *
   * @default 50
   */
  readonly minHealthyPercent?: number;

  /**
   * Stop a deployment whose tasks do not become healthy and roll back to the last working one.
   *
   * @default true
   */
  readonly rollbackOnFailure?: boolean;

  /**
   * Time ECS ignores failing load balancer health checks after a task starts, for slow-starting applications.
   *
   * @default 60 seconds when the service is routed, none otherwise
   */
  readonly healthCheckGracePeriod?: Duration;

  /**
   * How long the container logs are kept in CloudWatch Logs.
   *
   * @default one month
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Name of the container within the task definition.
   *
   * @default 'app'
   */
  readonly containerName?: string;

  /**
   * Allow `aws ecs execute-command` into the containers (through SSM; no SSH).
   *
   * @default false
   */
  readonly enableExecuteCommand?: boolean;

  /**
   * Name of the `containerPort` mapping, so Service Connect can publish it.
   *
   * @default - unnamed
   */
  readonly containerPortName?: string;

  /**
   * Further ports of the container (each on a dynamic host port), for services that listen on several.
   *
   * @default - only `containerPort`
   */
  readonly additionalPorts?: FleetPortMapping[];

  /**
   * Service Connect: join a Cloud Map namespace and publish named ports in it. The cluster's instances are then
   * admitted to each other on the dynamic host port range, where the Service Connect proxies listen in bridge mode,
   * so a client on one instance reaches a server on another.
   *
   * @default - no Service Connect
   */
  readonly serviceConnect?: FleetServiceConnect;

  /**
   * User (name or uid, optionally `:group`) the container's process runs as.
   *
   * @default - the image's USER
   */
  readonly user?: string;

  /**
   * Working directory of the container's process (absolute).
   *
   * @default - the image's WORKDIR
   */
  readonly workingDirectory?: string;

  /**
   * Host name of the container.
   *
   * @default - Docker's default (the container id)
   */
  readonly hostname?: string;

  /**
   * Docker labels of the container.
   *
   * @default - none
   */
  readonly dockerLabels?: Record<string, string>;

  /**
   * Run an init process (tini) as PID 1 that forwards signals and reaps zombies.
   *
   * @default false, as Docker
   */
  readonly init?: boolean;

  /**
   * Give the container root privileges on the instance. Avoid: it can then control the instance.
   *
   * @default false
   */
  readonly privileged?: boolean;

  /**
   * Mount the container's root file system read-only.
   *
   * @default false
   */
  readonly readonlyRootFilesystem?: boolean;

  /**
   * Keep standard input open (`docker run -i`).
   *
   * @default false
   */
  readonly interactive?: boolean;

  /**
   * Allocate a pseudo terminal (`docker run -t`).
   *
   * @default false
   */
  readonly pseudoTerminal?: boolean;

  /**
   * Linux capabilities added to Docker's default set.
   *
   * @default - none
   */
  readonly addCapabilities?: ecs.Capability[];

  /**
   * Linux capabilities removed from Docker's default set (`ALL` for all).
   *
   * @default - none
   */
  readonly dropCapabilities?: ecs.Capability[];

  /**
   * Size of `/dev/shm`, in MiB.
   *
   * @default - Docker's default of 64 MiB
   */
  readonly sharedMemoryMiB?: number;

  /**
   * tmpfs mounts (memory-backed folders; their size counts against the container's memory).
   *
   * @default - none
   */
  readonly tmpfs?: ecs.Tmpfs[];

  /**
   * How eagerly the kernel swaps the container's memory, 0 to 100. ECS applies it only together with `maxSwapMiB`.
   *
   * @default - 60, the kernel's default (when `maxSwapMiB` is set)
   */
  readonly swappiness?: number;

  /**
   * Swap the container may use, in MiB (0: none). The instances need swap configured for it to matter.
   *
   * @default - the instance's swap configuration
   */
  readonly maxSwapMiB?: number;

  /**
   * How the tasks are networked: bridge (shared instance interface, dynamic host ports, the instances' security group)
   * or awsvpc (a network interface and a security group per task, IP target groups; each task takes one of its
   * instance's network interfaces, see docs/networking.md).
   *
   * @default FleetNetworkMode.BRIDGE on EC2; AWS_VPC on Fargate, the only mode it runs
   */
  readonly networkMode?: FleetNetworkMode;

  /**
   * Where the tasks run: the cluster's EC2 instances, or AWS Fargate (on demand, or Spot) on the same cluster, with no
   * instances to size or patch. Fargate tasks are awsvpc tasks, sized to a Fargate task size, and refuse what Fargate
   * cannot run (privileged, host volumes, devices, placement; docs/networking.md, "Fargate").
   *
   * @default FleetCapacity.EC2, the cluster's capacity provider
   */
  readonly capacity?: FleetCapacity;

  /**
   * Options of a Fargate service: task size, an on-demand base under Spot, public IP addresses for a VPC without NAT.
   *
   * @default - the smallest task size that holds the containers, every task on the chosen capacity, private subnets
   */
  readonly fargate?: FleetFargateOptions;

  /**
   * How new revisions are deployed: ROLLING (batches within `minHealthyPercent`/`maxHealthyPercent`) or BLUE_GREEN
   * (ECS starts the whole new revision, shifts the route's traffic to it, bakes, rolls back on the route alarms or a
   * failed smoke test). BLUE_GREEN needs `networkMode: AWS_VPC`.
   *
   * @default FleetDeploymentStrategy.ROLLING
   */
  readonly deploymentStrategy?: FleetDeploymentStrategy;

  /**
   * Options of a BLUE_GREEN deployment: bake time, a smoke-test Lambda, a test listener.
   *
   * @default - a 10-minute bake time, no smoke test, no test listener
   */
  readonly blueGreen?: FleetBlueGreenOptions;

  /**
   * Host devices mapped into the container.
   *
   * @default - none
   */
  readonly devices?: ecs.Device[];

  /**
   * Namespaced kernel parameters (sysctls) of the container, e.g. `{ 'net.core.somaxconn': '1024' }`.
   *
   * @default - the instance's values
   */
  readonly systemControls?: Record<string, string>;

  /**
   * Entries added to the container's `/etc/hosts`: host name → address, or several addresses.
   *
   * @default - none
   */
  readonly extraHosts?: ExtraHosts;

  /**
   * How long ECS waits after SIGTERM before it kills the container, at most 120 seconds.
   *
   * @default - the ECS agent's default of 30 seconds
   */
  readonly stopTimeout?: Duration;

  /**
   * Resource limits (ulimits) of the container.
   *
   * @default - the instance's Docker defaults
   */
  readonly ulimits?: ecs.Ulimit[];

  /**
   * Where the container's output goes.
   *
   * @default - CloudWatch Logs (awslogs) into `logGroup`
   */
  readonly logDriver?: ecs.LogDriver;

  /**
   * Options of the default CloudWatch Logs driver (multi-line patterns, date formats, non-blocking mode).
   * Ignored when `logDriver` is given.
   *
   * @default - awslogs defaults: blocking mode, one event per line
   */
  readonly awsLogsOptions?: FleetAwsLogsOptions;

  /**
   * GPUs reserved for the container (the cluster needs GPU instances).
   *
   * @default - none
   */
  readonly gpuCount?: number;
}

/** Container-level CPU units for tasks on EC2: Linux CPU shares start at 2; ECS caps a task at 192 vCPU. */
const CPU_RANGE = { min: 2, max: 196_608 };
/** Docker refuses a container memory limit below 6 MiB. */
const MIN_MEMORY_MIB = 6;

/**
 * One containerized service: a task definition with one container, and an ECS service on a
 * {@link FleetCluster}'s capacity provider with safe rolling deployments (200 % / 50 %,
 * circuit breaker with rollback), logs in CloudWatch with a retention, tasks spread over
 * Availability Zones and instances.
 */
export class FleetService extends Construct implements ec2.IConnectable {
  /** The cluster the service runs on. */
  public readonly cluster: IFleetCluster;
  /**
   * The ECS service: an `ecs.Ec2Service`, or an `ecs.FargateService` on Fargate. Placement methods are the EC2
   * service's: `(service.service as ecs.Ec2Service).addPlacementConstraints(...)`.
   */
  public readonly service: ecs.BaseService;
  /** The task definition (in `networkMode`): an `ecs.Ec2TaskDefinition`, or an `ecs.FargateTaskDefinition` on Fargate. */
  public readonly taskDefinition: ecs.TaskDefinition;
  /** Where the tasks run. */
  public readonly capacity: FleetCapacity;
  /** The service's container. */
  public readonly container: ecs.ContainerDefinition;
  /** The log group of the container. */
  public readonly logGroup: logs.LogGroup;
  /** The container port, when the service has one. */
  public readonly containerPort?: number;
  /** Network access to the service's tasks: in bridge mode the cluster instances' security group, in awsvpc mode the service's own. */
  public readonly connections: ec2.Connections;
  /** How the tasks are networked. */
  public readonly networkMode: FleetNetworkMode;
  /** The tasks' own security group (awsvpc mode only). */
  public readonly securityGroup?: ec2.ISecurityGroup;
  /** The Application Auto Scaling target of the task count, when the service scales (`scaling`). */
  public readonly scalableTarget?: appscaling.ScalableTarget;

  constructor(scope: Construct, id: string, props: FleetServiceProps) {
    super(scope, id);
    validate(this, props);

    this.cluster = props.cluster;
    this.containerPort = props.containerPort;
    const desiredCount = props.desiredCount ?? 2;
    this.capacity = props.capacity ?? FleetCapacity.EC2;
    const fargate = isFargate(this.capacity);
    if (fargate) checkFargateService(this, props);
    else if (props.fargate) throw fleetError(this, 'fargate options are given, but the capacity is EC2', 'set capacity: FleetCapacity.FARGATE or FARGATE_SPOT, or leave fargate out');
    this.networkMode = props.networkMode ?? (fargate ? FleetNetworkMode.AWS_VPC : FleetNetworkMode.BRIDGE);
    const awsvpc = this.networkMode === FleetNetworkMode.AWS_VPC;
    const blueGreen = props.deploymentStrategy === FleetDeploymentStrategy.BLUE_GREEN ? blueGreenServiceProps(this, awsvpc, props.blueGreen ?? {}) : undefined;
    if (blueGreen && props.rollbackOnFailure !== undefined) {
      Annotations.of(this).addWarningV2('@cdk-container-fleet/service:blueGreenCircuitBreaker',
        'rollbackOnFailure sets the deployment circuit breaker, which ECS uses for ROLLING deployments only: a BLUE_GREEN deployment rolls back on the route alarms and the smoke test. Leave rollbackOnFailure out');
    }
    if (props.blueGreen && !blueGreen) {
      throw fleetError(this, 'blueGreen options are given, but deploymentStrategy is not BLUE_GREEN', 'set deploymentStrategy: FleetDeploymentStrategy.BLUE_GREEN, or leave blueGreen out');
    }
    if (awsvpc && !fargate && props.cluster.vpc.privateSubnets.length === 0) {
      throw fleetError(this, 'awsvpc tasks on EC2 get no public IP address, and the cluster\'s VPC has no private subnets with a NAT gateway, so they could not pull images or reach AWS APIs',
        'give the cluster NAT gateways (natGateways: 1), or use networkMode BRIDGE');
    }

    this.taskDefinition = fargate ? fargateTaskDefinition(this, props.fargate ?? {}) : new ecs.Ec2TaskDefinition(this, 'TaskDefinition', {
      networkMode: awsvpc ? ecs.NetworkMode.AWS_VPC : ecs.NetworkMode.BRIDGE,
    });
    const size = fargate ? fargateContainerSize(props) : { cpu: props.cpu ?? 256, memoryLimitMiB: props.memoryLimitMiB ?? 512, memoryReservationMiB: props.memoryReservationMiB };

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });

    const hosts = extraHostEntries(props.extraHosts ?? {});
    const linuxParameters = this.linuxParameters(props);
    // awsvpc: the task's own interface, so the host port is the container port (ECS refuses any other).
    const hostPort = awsvpc ? undefined : 0;
    const ports: ecs.PortMapping[] = [
      ...(props.containerPort !== undefined ? [{ containerPort: props.containerPort, hostPort, protocol: ecs.Protocol.TCP, name: props.containerPortName }] : []),
      ...(props.additionalPorts ?? []).map((p) => ({ containerPort: p.containerPort, hostPort, protocol: p.protocol ?? ecs.Protocol.TCP, name: p.name })),
    ];
    this.container = new FleetContainerDefinition(this.taskDefinition, props.containerName ?? 'app', hosts, {
      taskDefinition: this.taskDefinition,
      image: typeof props.image === 'string' ? ecs.ContainerImage.fromRegistry(props.image) : props.image,
      ...size,
      environment: props.environment,
      secrets: props.secrets,
      environmentFiles: props.environmentFiles,
      command: props.command,
      entryPoint: props.entryPoint,
      healthCheck: props.healthCheck,
      essential: true,
      logging: props.logDriver ?? ecs.LogDrivers.awsLogs({ ...props.awsLogsOptions, logGroup: this.logGroup, streamPrefix: id }),
      portMappings: ports.length ? ports : undefined,
      user: props.user,
      workingDirectory: props.workingDirectory,
      hostname: props.hostname,
      dockerLabels: props.dockerLabels,
      privileged: props.privileged,
      readonlyRootFilesystem: props.readonlyRootFilesystem,
      interactive: props.interactive,
      pseudoTerminal: props.pseudoTerminal,
      linuxParameters,
      systemControls: props.systemControls && Object.entries(props.systemControls).map(([namespace, value]) => ({ namespace, value })),
      stopTimeout: props.stopTimeout,
      ulimits: props.ulimits,
      gpuCount: props.gpuCount,
    });

    if (!fargate) addTaskFitValidation(this, props.cluster.instanceTypes ?? props.cluster.instanceType, this.taskDefinition);
    grantEnvironmentFiles(this.container, this.taskDefinition);
    this.securityGroup = awsvpc ? taskSecurityGroup(this, props.cluster.vpc) : undefined;
    // What mounts EFS: the instances for bridge tasks, the task's own interface in awsvpc mode (on Fargate, only that).
    const mounters: ec2.IConnectable[] = [...(fargate ? [] : [props.cluster]), ...(this.securityGroup ? [this.securityGroup] : [])];
    addServiceVolumes(this.taskDefinition, this.container, mounters, props);

    const common: ecs.BaseServiceOptions = {
      ...blueGreen,
      cluster: props.cluster.cluster,
      serviceName: props.serviceName,
      maxHealthyPercent: props.maxHealthyPercent ?? 200,
      minHealthyPercent: props.minHealthyPercent ?? 50,
      // ECS API, DeploymentConfiguration: "The deployment circuit breaker can only be used for services using the rolling
      // update (ECS) deployment type"; a blue/green deployment rolls back on its alarms and lifecycle hooks instead.
      circuitBreaker: blueGreen ? undefined : { enable: true, rollback: props.rollbackOnFailure ?? true },
      healthCheckGracePeriod: props.healthCheckGracePeriod,
      enableExecuteCommand: props.enableExecuteCommand ?? false,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    };
    this.service = fargate
      ? new ecs.FargateService(this, 'Resource', { ...common, ...fargateScheduling(props, desiredCount), taskDefinition: this.taskDefinition, securityGroups: [this.securityGroup!] })
      : new ecs.Ec2Service(this, 'Resource', {
        ...common,
        ...(this.securityGroup ? { securityGroups: [this.securityGroup], vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } } : {}),
        taskDefinition: this.taskDefinition,
        // Replicas: the capacity provider explicitly (with a launch type, managed scaling would not see the tasks) and the
        // placement's strategies; DAEMON: neither (placement.ts).
        ...serviceSchedulingOf(this, props, props.cluster.capacityProviderName, desiredCount),
      });
    // Teardown order: the service (and its tasks) goes before the cluster's capacity provider
    // association, which goes before the capacity provider and the Auto Scaling Group.
    this.service.node.addDependency(props.cluster.cluster);

    // Bridge mode: tasks listen on the instances' dynamic host ports, behind the instances' security group; awsvpc
    // tasks on their own interfaces, behind the service's.
    this.connections = this.securityGroup ? this.securityGroup.connections : props.cluster.connections;
    if (blueGreen) completeBlueGreenService(this);
    // The ENI check needs the group's maximum size: known for a FleetCluster, not for an imported cluster.
    const group = (props.cluster as { autoScalingGroup?: autoscaling.IAutoScalingGroup }).autoScalingGroup;
    const instanceType = props.cluster.instanceType;
    if (awsvpc && !fargate && group && instanceType) {
      checkEniLimit(this, props.cluster.cluster, instanceType.toString(), () => Number((group.node.defaultChild as autoscaling.CfnAutoScalingGroup).maxSize),
        () => maxTasksOf(this, desiredCount, props.maxHealthyPercent ?? 200, blueGreen !== undefined));
    }
    if (props.scaling) this.scalableTarget = applyServiceScaling(this, props.scaling, desiredCount);
    if (props.alarms ?? true) {
      serviceAlarms(this, { cpuTargetPercent: scalingPlanOf(this)?.cpuPercent, ...alarmMemoryOf(size, fargate) });
    }

    if (props.serviceConnect) {
      this.service.enableServiceConnect({
        namespace: props.serviceConnect.namespace.namespaceArn,
        services: props.serviceConnect.services?.length ? props.serviceConnect.services : undefined,
      });
    }
    if (props.serviceConnect && this.securityGroup) {
      const published = (props.serviceConnect.services ?? []).map((s) => ports.find((p) => p.name === s.portMappingName)!.containerPort);
      awsvpcServiceConnect(props.cluster.cluster, this.securityGroup, props.cluster.connections, published, DYNAMIC_HOST_PORTS);
    } else if (props.serviceConnect) {
      // Bridge mode: a client's proxy connects to the server's instance on the server proxy's ephemeral host port
      // (ECS API, ServiceConnectService.ingressPortOverride), so the instances must admit each other on that range.
      // Ingress only: the instances' egress is already open (an egress rule would only be ignored, with a warning).
      for (const group of this.connections.securityGroups) {
        for (const peer of this.connections.securityGroups) {
          group.addIngressRule(peer, DYNAMIC_HOST_PORTS, 'Service Connect proxies between the cluster instances (bridge mode, ephemeral host ports)');
        }
      }
    }
  }

  private linuxParameters(props: FleetServiceProps): ecs.LinuxParameters | undefined {
    const needed = props.init !== undefined || props.sharedMemoryMiB !== undefined || props.swappiness !== undefined
      || props.maxSwapMiB !== undefined || props.addCapabilities?.length || props.dropCapabilities?.length || props.devices?.length || props.tmpfs?.length;
    if (!needed) return undefined;
    const linux = new ecs.LinuxParameters(this, 'LinuxParameters', {
      initProcessEnabled: props.init,
      sharedMemorySize: props.sharedMemoryMiB,
      swappiness: props.swappiness,
      maxSwap: props.maxSwapMiB !== undefined ? Size.mebibytes(props.maxSwapMiB) : undefined,
    });
    if (props.addCapabilities?.length) linux.addCapabilities(...props.addCapabilities);
    if (props.dropCapabilities?.length) linux.dropCapabilities(...props.dropCapabilities);
    if (props.devices?.length) linux.addDevices(...props.devices);
    if (props.tmpfs?.length) linux.addTmpfs(...props.tmpfs);
    return linux;
  }
}

/**
 * Most tasks of a service at once, for the ENI check: its scaling maximum or desired count, during a deployment
 * (a rolling one starts up to `maxHealthyPercent`, a blue/green one a whole second set).
 */
function maxTasksOf(service: FleetService, desiredCount: number, maxHealthyPercent: number, blueGreen: boolean): number {
  const steady = scalingPlanOf(service)?.maxTasks ?? desiredCount;
  return blueGreen ? 2 * steady : Math.ceil((steady * Math.max(100, maxHealthyPercent)) / 100);
}

/**
 * What the memory alarm's threshold derives from. ECS measures a service's memory against what its tasks reserve: on
 * EC2 the containers' reservations, on Fargate the task's memory, so there the alarm is at 90 % of the task's memory
 * (the limit a container without a hard limit of its own is killed at).
 */
function alarmMemoryOf(size: { memoryLimitMiB?: number; memoryReservationMiB?: number }, fargate: boolean): { memoryLimitMiB: number; memoryReservationMiB?: number } {
  if (fargate) return { memoryLimitMiB: size.memoryLimitMiB ?? size.memoryReservationMiB ?? 512 };
  return { memoryLimitMiB: size.memoryLimitMiB ?? 512, memoryReservationMiB: size.memoryReservationMiB };
}

/** The dynamic (ephemeral) host port range of bridge-mode tasks on ECS-optimized instances. */
const DYNAMIC_HOST_PORTS = ec2.Port.tcpRange(32768, 65535);

/**
 * A container definition whose `/etc/hosts` entries may give one host name several addresses: ECS accepts one
 * ExtraHosts entry per address, while the container options take a map with one address per name. Rendering goes
 * through the public `renderContainerDefinition`, so nothing else of the definition changes.
 */
class FleetContainerDefinition extends ecs.ContainerDefinition {
  constructor(scope: Construct, id: string, private readonly hosts: Array<{ hostname: string; ipAddress: string }>, props: ecs.ContainerDefinitionProps) {
    super(scope, id, props);
  }

  public renderContainerDefinition(taskDefinition?: ecs.TaskDefinition): ecs.CfnTaskDefinition.ContainerDefinitionProperty {
    const rendered = super.renderContainerDefinition(taskDefinition);
    return this.hosts.length ? { ...rendered, extraHosts: this.hosts } : rendered;
  }
}

function validate(scope: Construct, props: FleetServiceProps): void {
  const capacity = capacityProblem(props.capacity);
  if (capacity) throw fleetError(scope, capacity, "use FleetCapacity.EC2, FARGATE or FARGATE_SPOT (in JSON or plain JavaScript, their values 'ec2', 'fargate' or 'fargate-spot'), or leave capacity out for EC2");
  if (typeof props.image === 'string' && props.image.trim() === '') {
    throw fleetError(scope, 'image is empty', "give an image reference such as 'nginx:1.27' or an ecs.ContainerImage");
  }
  if (typeof props.image === 'string' && /\s/.test(props.image)) {
    throw fleetError(scope, `image '${props.image}' contains whitespace`, "give a single image reference such as 'repository/name:tag'");
  }
  if (typeof props.image === 'string') checkImageReference(scope, props.image);
  checkEnvironmentNames(scope, 'environment', props.environment);
  checkEnvironmentNames(scope, 'secrets', props.secrets);
  checkServiceName(scope, props.serviceName);
  checkServiceVolumes(scope, props);
  checkWholeNumber(scope, 'cpu', props.cpu, { ...CPU_RANGE, unit: 'CPU units (1,024 = one vCPU)' });
  checkWholeNumber(scope, 'memoryLimitMiB', props.memoryLimitMiB, { min: MIN_MEMORY_MIB, max: 16_777_216, unit: 'MiB (Docker needs at least 6)' });
  checkWholeNumber(scope, 'memoryReservationMiB', props.memoryReservationMiB, { min: MIN_MEMORY_MIB, max: 16_777_216, unit: 'MiB' });
  // On Fargate a container without a hard limit may use the whole task's memory.
  const limit = props.memoryLimitMiB ?? (isFargate(props.capacity) ? undefined : 512);
  if (props.memoryReservationMiB !== undefined && limit !== undefined && !Token.isUnresolved(limit) && props.memoryReservationMiB > limit) {
    throw fleetError(scope, `memoryReservationMiB ${props.memoryReservationMiB} is above memoryLimitMiB ${limit}`, 'make the reservation at most the hard limit');
  }
  if (!isFargate(props.capacity)) checkTaskFitsInstance(scope, props.cluster.instanceTypes ?? props.cluster.instanceType, props.cpu ?? 256, limit ?? 512);
  checkWholeNumber(scope, 'containerPort', props.containerPort, { min: 1, max: 65_535, unit: '(a TCP port)' });
  checkWholeNumber(scope, 'desiredCount', props.desiredCount, { min: 0, max: 5_000, unit: 'tasks (ECS allows up to 5,000 per service)' });
  checkPercent(scope, 'minHealthyPercent', props.minHealthyPercent, 0, 100);
  checkPercent(scope, 'maxHealthyPercent', props.maxHealthyPercent, 100, 2_000);
  validateContainerOptions(scope, props);
  const min = props.minHealthyPercent ?? 50;
  const max = props.maxHealthyPercent ?? 200;
  if (min === 100 && max === 100) {
    throw fleetError(scope, 'minHealthyPercent and maxHealthyPercent are both 100, so no deployment can ever replace a task',
      'raise maxHealthyPercent above 100 (or lower minHealthyPercent)');
  }
}

function validateContainerOptions(scope: Construct, props: FleetServiceProps): void {
  const ports = [
    ...(props.containerPort !== undefined ? [{ where: 'containerPort', containerPort: props.containerPort, protocol: ecs.Protocol.TCP, name: props.containerPortName }] : []),
    ...(props.additionalPorts ?? []).map((p, i) => ({ where: `additionalPorts[${i}]`, containerPort: p.containerPort, protocol: p.protocol ?? ecs.Protocol.TCP, name: p.name })),
  ];
  if (props.containerPortName !== undefined && props.containerPort === undefined) {
    throw fleetError(scope, `containerPortName '${props.containerPortName}' is given without a containerPort`, 'set containerPort, or name the port in additionalPorts');
  }
  const seen = new Map<string, string>();
  for (const p of ports) {
    checkWholeNumber(scope, `${p.where}.containerPort`, p.containerPort, { min: 1, max: 65_535, unit: 'a port' });
    const key = `${p.containerPort}/${p.protocol}`;
    if (seen.has(key)) throw fleetError(scope, `${p.where}: port ${key} is already mapped by ${seen.get(key)}`, 'list each port and protocol once');
    seen.set(key, p.where);
    if (p.name !== undefined) {
      const problem = portNameProblem(p.name);
      if (problem) throw fleetError(scope, `${p.where}: port name '${p.name}' ${problem}`, 'use lowercase letters, digits, _ and -, not starting with -, at most 64 characters');
      const other = ports.find((q) => q !== p && q.name === p.name);
      if (other) throw fleetError(scope, `${p.where}: port name '${p.name}' is also used by ${other.where}`, 'give each port mapping its own name');
    }
  }
  if (props.serviceConnect) {
    const names = new Set(ports.map((p) => p.name).filter((n): n is string => n !== undefined));
    const problems = serviceConnectProblems((props.serviceConnect.services ?? []).map((s) => ({
      portMappingName: s.portMappingName, discoveryName: s.discoveryName, dnsName: s.dnsName, port: s.port,
    })), names);
    if (problems.length) throw fleetError(scope, `serviceConnect: ${problems[0].problem}`, problems[0].fix);
  }
  if (props.user !== undefined && props.user.trim() === '') throw fleetError(scope, 'user is empty', "give a user name or uid such as '1000' or 'app:app'");
  if (props.workingDirectory !== undefined && !Token.isUnresolved(props.workingDirectory) && !props.workingDirectory.startsWith('/')) {
    throw fleetError(scope, `workingDirectory '${props.workingDirectory}' is not absolute`, "give an absolute path such as '/app'");
  }
  checkWholeNumber(scope, 'sharedMemoryMiB', props.sharedMemoryMiB, { min: 1, max: 16_777_216, unit: 'MiB' });
  checkWholeNumber(scope, 'swappiness', props.swappiness, { min: 0, max: 100, unit: '(0: swap only to avoid running out of memory, 100: swap eagerly)' });
  checkWholeNumber(scope, 'maxSwapMiB', props.maxSwapMiB, { min: 0, max: 16_777_216, unit: 'MiB (0: no swap)' });
  checkWholeNumber(scope, 'gpuCount', props.gpuCount, { min: 1, max: 16, unit: 'GPUs' });
  (props.tmpfs ?? []).forEach((t, i) => {
    if (!t.containerPath.startsWith('/')) throw fleetError(scope, `tmpfs[${i}]: containerPath '${t.containerPath}' is not absolute`, "give an absolute path such as '/tmp'");
    checkWholeNumber(scope, `tmpfs[${i}].size`, t.size, { min: 1, max: 16_777_216, unit: 'MiB' });
  });
  for (const [namespace, value] of Object.entries(props.systemControls ?? {})) {
    if (!/^[a-z0-9_.\/-]+$/i.test(namespace)) throw fleetError(scope, `systemControls: '${namespace}' is not a kernel parameter name`, "use a name such as 'net.core.somaxconn'");
    if (value === '') throw fleetError(scope, `systemControls: '${namespace}' has no value`, `give it a value, e.g. { '${namespace}': '1' }`);
  }
  for (const { hostname, ipAddress } of extraHostEntries(props.extraHosts ?? {})) {
    if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(hostname)) throw fleetError(scope, `extraHosts: '${hostname}' is not a host name`, 'use letters, digits, dots and hyphens');
    if (!isIpAddress(ipAddress)) throw fleetError(scope, `extraHosts: '${ipAddress}' (for ${hostname}) is not an IPv4 or IPv6 address`, "give an address such as '10.0.0.5'");
  }
  checkDuration(scope, 'stopTimeout', props.stopTimeout, { min: Duration.seconds(0), max: Duration.seconds(120), why: 'the most ECS waits before it kills a container' });
  (props.ulimits ?? []).forEach((u, i) => {
    if (!Token.isUnresolved(u.softLimit) && !Token.isUnresolved(u.hardLimit) && u.softLimit > u.hardLimit) {
      throw fleetError(scope, `ulimits[${i}] (${u.name}): the soft limit ${u.softLimit} is above the hard limit ${u.hardLimit}`, 'make the soft limit at most the hard limit');
    }
  });
}

function isIpAddress(text: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255);
  return /^[0-9a-f:.]+$/i.test(text) && text.includes(':') && text.split('::').length <= 2;
}
