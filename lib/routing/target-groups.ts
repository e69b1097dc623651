import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { blueGreenTarget } from '../service/blue-green';
import { FleetService } from '../service/fleet-service';
import { FleetNetworkMode } from '../service/networking';

/** Host ports ECS assigns to containers in bridge mode with hostPort 0. */
export const DYNAMIC_HOST_PORTS = ec2.Port.tcpRange(32768, 65535);

/** How a service's target group checks its tasks. */
export interface TargetGroupOptions {
  readonly vpc: ec2.IVpc;
  readonly deregistrationDelay: Duration;
  readonly healthCheckPath: string;
  readonly healthyHttpCodes: string;
  /** The load balancers' security group (or an imported listener's), admitted to the service's dynamic host ports. */
  readonly securityGroup: ec2.IConnectable;
  /** The listener the target group is attached to: the service registers only after it exists. */
  readonly listener: elbv2.IApplicationListener;
  /** For the ingress rule's description. */
  readonly loadBalancerPath: string;
}

/**
 * A target group for `service` (instance targets on its container port), with the service registered in it and the
 * load balancers admitted to the instances' dynamic host ports.
 *
 * The ECS service's health check grace period defaults to 60 s once it has a target group: aws-cdk-lib's
 * `BaseService` sets it whenever load balancers are attached and `healthCheckGracePeriod` was left out, so nothing here
 * needs to touch the service's L1 resource.
 */
export function createTargetGroup(scope: Construct, id: string, service: FleetService, options: TargetGroupOptions): elbv2.ApplicationTargetGroup {
  const awsvpc = service.networkMode === FleetNetworkMode.AWS_VPC;
  const make = (groupId: string) => new elbv2.ApplicationTargetGroup(scope, groupId, {
    vpc: options.vpc,
    port: service.containerPort,
    protocol: elbv2.ApplicationProtocol.HTTP,
    // awsvpc: each task has its own address, registered by IP.
    targetType: awsvpc ? elbv2.TargetType.IP : elbv2.TargetType.INSTANCE,
    deregistrationDelay: options.deregistrationDelay,
    healthCheck: {
      path: options.healthCheckPath,
      healthyHttpCodes: options.healthyHttpCodes,
      interval: Duration.seconds(15),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 3,
    },
  });
  const targetGroup = make(id);
  targetGroup.addTarget(service.service.loadBalancerTarget({
    containerName: service.container.containerName,
    containerPort: service.containerPort,
    protocol: ecs.Protocol.TCP,
    // Blue/green: the alternate target group, its listener rules and the role ECS shifts traffic with.
    alternateTarget: blueGreenTarget(scope, id, service, targetGroup, make),
  }));
  if (awsvpc) {
    service.connections.allowFrom(options.securityGroup, ec2.Port.tcp(service.containerPort!), `from load balancer ${options.loadBalancerPath} to the tasks' port`);
  } else {
    // Bridge mode maps the container port to a dynamic host port (ECS: 32768-65535).
    service.connections.allowFrom(options.securityGroup, DYNAMIC_HOST_PORTS, `from load balancer ${options.loadBalancerPath} to dynamic host ports`);
  }
  // The target group must be attached to a listener before the service registers with it.
  service.service.node.addDependency(options.listener);
  return targetGroup;
}
