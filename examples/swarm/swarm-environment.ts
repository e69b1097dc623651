import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SwarmCluster, SwarmNodeGroup } from '../../lib';

/** Properties of a {@link SwarmEnvironmentStack}. */
export interface SwarmEnvironmentStackProps extends StackProps {
  /**
   * Environment label of the worker groups.
   *
   * @default 'staging'
   */
  readonly environmentName?: string;
}

/**
 * The example Docker Swarm environment of the write-up: three managers and two differently tagged worker groups
 * (frontend and services) in a new VPC. Everything synthesizes offline: the AMI is resolved from its public SSM
 * parameter at deploy time. Deploy a stack onto it from a manager:
 * `docker stack deploy -c stack.yml app` with `placement.constraints: [engine.labels.role==frontend]`.
 */
export class SwarmEnvironmentStack extends Stack {
  /** The swarm. */
  public readonly swarm: SwarmCluster;
  /** Frontend workers (engine label role=frontend). */
  public readonly frontend: SwarmNodeGroup;
  /** Backend services workers (engine label role=services). */
  public readonly services: SwarmNodeGroup;

  constructor(scope: Construct, id: string, props: SwarmEnvironmentStackProps = {}) {
    super(scope, id, props);
    const environment = props.environmentName ?? 'staging';

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogGroup', { retention: logs.RetentionDays.ONE_MONTH })),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    this.swarm = new SwarmCluster(this, 'Swarm', { vpc });

    this.frontend = new SwarmNodeGroup(this, 'Frontend', {
      cluster: this.swarm,
      role: 'frontend',
      environment,
      tags: { 'example.db.host': 'db.example.internal' },
      exportTags: { 'example.db.host': 'DB_HOST' },
      minCapacity: 2,
      maxCapacity: 4,
      rebalanceOnScaleOut: true,
    });
    this.services = new SwarmNodeGroup(this, 'Services', {
      cluster: this.swarm,
      role: 'services',
      environment,
      labels: { tier: 'backend' },
      tags: { 'example.db.host': 'db.example.internal', 'example.queue.host': 'mq.example.internal' },
      exportTags: { 'example.db.host': 'DB_HOST', 'example.queue.host': 'QUEUE_HOST' },
      minCapacity: 1,
      maxCapacity: 3,
    });

    new CfnOutput(this, 'ManagerGroupName', {
      value: this.swarm.managers.autoScalingGroupName,
      description: 'Open a shell on a manager with SSM Session Manager (no SSH) and run docker stack deploy there',
    });
  }
}
