// A leaf module (no imports), so compose's pure translation can name the network modes.

/** How the tasks of a {@link FleetService} are networked. */
export enum FleetNetworkMode {
  /**
   * Docker bridge: tasks share the instance's network interface on dynamic host ports, behind the cluster instances'
   * security group. Many tasks per instance; load balancers register instances (instance target groups).
   */
  BRIDGE = 'bridge',
  /**
   * awsvpc: each task has its own network interface and private IP, behind the service's own security group; load
   * balancers register task IPs (IP target groups). Needed for native ECS blue/green deployments and per-service
   * security groups. Each task takes one of the instance's ENIs (see docs/networking.md, "ENI limits and trunking").
   */
  AWS_VPC = 'awsvpc',
}
