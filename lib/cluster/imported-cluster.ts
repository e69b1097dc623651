/**
 * What a FleetService needs of a cluster ({@link IFleetCluster}), so it can run on a cluster this library made
 * (`FleetCluster`) or on one a platform team runs (`FleetCluster.fromClusterAttributes`).
 */
import { Annotations, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { fleetError } from '../errors';
import { alarmTopicOf, useAlarmTopic } from '../observability/alarms';

/**
 * An ECS cluster on EC2 capacity that {@link FleetService}s run on: a `FleetCluster`, or an existing cluster imported
 * with `FleetCluster.fromClusterAttributes`.
 */
export interface IFleetCluster extends IConstruct, ec2.IConnectable {
  /** The ECS cluster. */
  readonly cluster: ecs.ICluster;
  /** The VPC the cluster's instances run in. */
  readonly vpc: ec2.IVpc;
  /** Name of the capacity provider every service places its tasks with (so managed scaling sees them). */
  readonly capacityProviderName: string;
  /**
   * The instance type of the capacity, so services check at synth that their tasks fit on an instance.
   *
   * @default - unknown (an imported cluster without `instanceType`): those checks are skipped
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * Every instance type the capacity may launch (mixed instances, Spot): a task must fit the smallest.
   *
   * @default - `instanceType` alone, or unknown
   */
  readonly instanceTypes?: ec2.InstanceType[];
  /** The topic the environment's alarms notify. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Whether the cluster has the FARGATE and FARGATE_SPOT capacity providers associated, which Fargate services place
   * their tasks with (a `FleetCluster` associates them when it is made, unless `fargateCapacityProviders: false`).
   *
   * @default - not known: a Fargate service on an imported cluster warns
   */
  readonly fargateCapacityProviders?: boolean;
}

/**
 * An existing ECS cluster with EC2 capacity, for {@link FleetCluster.fromClusterAttributes}.
 */
export interface FleetClusterAttributes {
  /** Name of the existing ECS cluster. */
  readonly clusterName: string;

  /** The VPC its instances run in (for example `ec2.Vpc.fromVpcAttributes`): target groups and load balancers go there. */
  readonly vpc: ec2.IVpc;

  /**
   * Name of the cluster's capacity provider (an Auto Scaling group provider) that the services place their tasks
   * with. Give the provider itself, not the launch type: with a launch type, managed scaling would not see the tasks.
   */
  readonly capacityProviderName: string;

  /**
   * The security group of the cluster's container instances. Services run in bridge mode on the instances' dynamic
   * host ports, so a load balancer that routes to a service is admitted to this group (ingress rules are added to it,
   * in this stack: it must be an imported group the stack may change, not `mutable: false`).
   */
  readonly instanceSecurityGroup: ec2.ISecurityGroup;

  /**
   * EC2 instance type of the cluster's capacity.
   *
   * Why it matters: with it, every service checks at synth that its tasks fit on one instance (a task that does not
   * fit waits in PROVISIONING forever). Without it those checks are skipped, with a note on the imported cluster.
   *
   * @default - unknown: the task-fit checks are skipped
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * The cluster has the FARGATE and FARGATE_SPOT capacity providers associated (`aws ecs describe-clusters --include
   * ATTACHMENTS` lists them), so services with `capacity: FleetCapacity.FARGATE` or `FARGATE_SPOT` can run on it.
   * Nothing here can associate them: the association belongs to the stack that made the cluster (a `FleetCluster` has
   * them by default).
   *
   * @default false: a Fargate service on this cluster warns that ECS refuses it unless the providers are associated
   */
  readonly fargateCapacityProviders?: boolean;

  /**
   * The SNS topic the alarms of the services on this cluster notify (your platform's alarm topic).
   *
   * @default - one made in this stack on first use, under the imported cluster, encrypted with a customer managed KMS key
   */
  readonly alarmTopic?: sns.ITopic;
}

/** Makes the {@link IFleetCluster} of an existing cluster (FleetCluster.fromClusterAttributes). */
export function importFleetCluster(scope: Construct, id: string, attrs: FleetClusterAttributes): IFleetCluster {
  return new ImportedFleetCluster(scope, id, attrs);
}

/** An existing cluster: nothing is created for it but what its services need (ingress rules, an alarm topic). */
class ImportedFleetCluster extends Construct implements IFleetCluster {
  public readonly cluster: ecs.ICluster;
  public readonly vpc: ec2.IVpc;
  public readonly capacityProviderName: string;
  public readonly instanceType?: ec2.InstanceType;
  public readonly connections: ec2.Connections;
  public readonly fargateCapacityProviders?: boolean;

  constructor(scope: Construct, id: string, attrs: FleetClusterAttributes) {
    super(scope, id);
    for (const [name, value] of [['clusterName', attrs.clusterName], ['capacityProviderName', attrs.capacityProviderName]] as const) {
      if (!Token.isUnresolved(value) && value.trim() === '') {
        throw fleetError(this, `${name} is empty`, `give the ${name === 'clusterName' ? "existing cluster's name" : "name of the cluster's Auto Scaling group capacity provider"}`);
      }
    }
    if (attrs.alarmTopic) useAlarmTopic(this, attrs.alarmTopic);
    this.vpc = attrs.vpc;
    this.capacityProviderName = attrs.capacityProviderName;
    this.instanceType = attrs.instanceType;
    this.fargateCapacityProviders = attrs.fargateCapacityProviders;
    this.connections = new ec2.Connections({ securityGroups: [attrs.instanceSecurityGroup] });
    this.cluster = ecs.Cluster.fromClusterAttributes(this, 'Cluster', {
      clusterName: attrs.clusterName,
      vpc: attrs.vpc,
      securityGroups: [attrs.instanceSecurityGroup],
      hasEc2Capacity: true,
    });
    if (attrs.instanceType === undefined) {
      Annotations.of(this).addInfo(`${this.node.path}: no instanceType given for the imported cluster ${attrs.clusterName}, so its services are not checked `
        + 'to fit on an instance (the cpu and memory of each task, which would otherwise wait in PROVISIONING forever). '
        + 'Give instanceType to FleetCluster.fromClusterAttributes to have them checked at synth');
    }
  }

  public get alarmTopic(): sns.ITopic {
    return alarmTopicOf(this);
  }
}
