import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FleetCluster } from '../cluster/fleet-cluster';
import { fleetError } from '../errors';
import { checkPercent, checkWholeNumber } from '../validation';

/**
 * Properties of a {@link FleetService}.
 */
export interface FleetServiceProps {
  /** The cluster the service runs on. */
  readonly cluster: FleetCluster;

  /**
   * The container image: a registry reference such as `nginx:1.27` or `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.0`,
   * or any `ecs.ContainerImage` (an ECR repository, a Docker image asset).
   */
  readonly image: string | ecs.ContainerImage;

  /**
   * CPU units reserved for the container (1,024 units = one vCPU).
   *
   * @default 256
   */
  readonly cpu?: number;

  /**
   * Hard memory limit of the container, in MiB: the container is killed when it exceeds it.
   *
   * @default 512
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
  public readonly cluster: FleetCluster;
  /** The ECS service. */
  public readonly service: ecs.Ec2Service;
  /** The task definition (bridge network mode). */
  public readonly taskDefinition: ecs.Ec2TaskDefinition;
  /** The service's container. */
  public readonly container: ecs.ContainerDefinition;
  /** The log group of the container. */
  public readonly logGroup: logs.LogGroup;
  /** The container port, when the service has one. */
  public readonly containerPort?: number;
  /** Network access to the service's tasks: in bridge mode, the cluster instances' security group. */
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: FleetServiceProps) {
    super(scope, id);
    validate(this, props);

    this.cluster = props.cluster;
    this.containerPort = props.containerPort;
    const desiredCount = props.desiredCount ?? 2;

    this.taskDefinition = new ecs.Ec2TaskDefinition(this, 'TaskDefinition', {
      networkMode: ecs.NetworkMode.BRIDGE,
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });

    this.container = this.taskDefinition.addContainer(props.containerName ?? 'app', {
      image: typeof props.image === 'string' ? ecs.ContainerImage.fromRegistry(props.image) : props.image,
      cpu: props.cpu ?? 256,
      memoryLimitMiB: props.memoryLimitMiB ?? 512,
      memoryReservationMiB: props.memoryReservationMiB,
      environment: props.environment,
      secrets: props.secrets,
      command: props.command,
      entryPoint: props.entryPoint,
      healthCheck: props.healthCheck,
      essential: true,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: id }),
      portMappings: props.containerPort !== undefined
        ? [{ containerPort: props.containerPort, hostPort: 0, protocol: ecs.Protocol.TCP }]
        : undefined,
    });

    this.service = new ecs.Ec2Service(this, 'Resource', {
      cluster: props.cluster.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount,
      maxHealthyPercent: props.maxHealthyPercent ?? 200,
      minHealthyPercent: props.minHealthyPercent ?? 50,
      circuitBreaker: { enable: true, rollback: props.rollbackOnFailure ?? true },
      // Explicit strategy: with a launch type instead, managed scaling would not see these tasks.
      capacityProviderStrategies: [{ capacityProvider: props.cluster.capacityProvider.capacityProviderName, weight: 1 }],
      placementStrategies: [
        ecs.PlacementStrategy.spreadAcross(ecs.BuiltInAttributes.AVAILABILITY_ZONE),
        ecs.PlacementStrategy.spreadAcrossInstances(),
      ],
      healthCheckGracePeriod: props.healthCheckGracePeriod,
      enableExecuteCommand: props.enableExecuteCommand ?? false,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    // Teardown order: the service (and its tasks) goes before the cluster's capacity provider
    // association, which goes before the capacity provider and the Auto Scaling Group.
    this.service.node.addDependency(props.cluster.cluster);

    // Bridge mode: tasks listen on the instances' dynamic host ports, behind the instances' security group.
    this.connections = props.cluster.connections;
  }
}

function validate(scope: Construct, props: FleetServiceProps): void {
  if (typeof props.image === 'string' && props.image.trim() === '') {
    throw fleetError(scope, 'image is empty', "give an image reference such as 'nginx:1.27' or an ecs.ContainerImage");
  }
  if (typeof props.image === 'string' && /\s/.test(props.image)) {
    throw fleetError(scope, `image '${props.image}' contains whitespace`, "give a single image reference such as 'repository/name:tag'");
  }
  checkWholeNumber(scope, 'cpu', props.cpu, { ...CPU_RANGE, unit: 'CPU units (1,024 = one vCPU)' });
  checkWholeNumber(scope, 'memoryLimitMiB', props.memoryLimitMiB, { min: MIN_MEMORY_MIB, max: 16_777_216, unit: 'MiB (Docker needs at least 6)' });
  checkWholeNumber(scope, 'memoryReservationMiB', props.memoryReservationMiB, { min: MIN_MEMORY_MIB, max: 16_777_216, unit: 'MiB' });
  const limit = props.memoryLimitMiB ?? 512;
  if (props.memoryReservationMiB !== undefined && !Token.isUnresolved(limit) && props.memoryReservationMiB > limit) {
    throw fleetError(scope, `memoryReservationMiB ${props.memoryReservationMiB} is above memoryLimitMiB ${limit}`, 'make the reservation at most the hard limit');
  }
  checkWholeNumber(scope, 'containerPort', props.containerPort, { min: 1, max: 65_535, unit: '(a TCP port)' });
  checkWholeNumber(scope, 'desiredCount', props.desiredCount, { min: 0, max: 5_000, unit: 'tasks (ECS allows up to 5,000 per service)' });
  checkPercent(scope, 'minHealthyPercent', props.minHealthyPercent, 0, 100);
  checkPercent(scope, 'maxHealthyPercent', props.maxHealthyPercent, 100, 2_000);
  const min = props.minHealthyPercent ?? 50;
  const max = props.maxHealthyPercent ?? 200;
  if (min === 100 && max === 100) {
    throw fleetError(scope, 'minHealthyPercent and maxHealthyPercent are both 100, so no deployment can ever replace a task',
      'raise maxHealthyPercent above 100 (or lower minHealthyPercent)');
  }
}
