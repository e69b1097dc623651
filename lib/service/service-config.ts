import type { RouteOptions } from '../routing/fleet-load-balancer';
import type { ServiceScaling } from '../scaling/scaling-props';
import type { FleetDeploymentStrategy } from './blue-green';
import type { FleetNetworkMode } from './networking';
import type { FleetCapacity } from './fleet-capacity';

/**
 * The plain-data shape of one service, shared by ProductionStack (which builds FleetServices from it) and
 * composeServiceConfigs (which reads it from a compose file). A leaf module, so lib/compose does not import
 * lib/environments. One service of an environment, as plain data (it can come from JSON, YAML or a compose file).
 */
export interface ServiceConfig {
  /**
   * Name of the service: its construct id, so keep it stable (to rename a deployed service, see `renamedFrom`).
   * Letters, digits and '-'.
   */
  readonly name: string;
  /**
   * The name this service was deployed under, when you rename it. The service keeps its old construct id (and so
   * every logical id, its nested stack and its listener rules' priorities): the rename replaces nothing. Keep it
   * for as long as the environment exists.
   *
   * @default - not renamed
   */
  readonly renamedFrom?: string;
  /**
   * The nested stack to place the service in, by id (letters and digits, e.g. `Services1`). Use it to keep services
   * where an older version of this library placed them, or to balance stacks by hand.
   *
   * @default - where it is deployed (with `deployedAssembly`), else `Services<n>`, n from a hash of the service's
   *   construct id (see `serviceStacks`)
   */
  readonly group?: string;
  /** Container image reference, e.g. `nginx:1.27`. */
  readonly image: string;
  /** CPU units (1,024 = one vCPU). @default 256 */
  readonly cpu?: number;
  /** Hard memory limit in MiB. @default 512 */
  readonly memoryLimitMiB?: number;
  /** Port the container listens on. @default - none (not routable) */
  readonly containerPort?: number;
  /** Tasks to run. @default 2 */
  readonly desiredCount?: number;
  /** Environment variables. @default - none */
  readonly environment?: Record<string, string>;
  /** Command. @default - the image's CMD */
  readonly command?: string[];
  /** Network mode of the tasks (see FleetServiceProps.networkMode). @default 'bridge' */
  readonly networkMode?: FleetNetworkMode;
  /** Where the tasks run: the cluster's instances, Fargate or Fargate Spot (see FleetServiceProps.capacity). @default 'ec2' */
  readonly capacity?: FleetCapacity;
  /** How revisions deploy; BLUE_GREEN needs networkMode 'awsvpc' (see FleetServiceProps.deploymentStrategy). @default 'ROLLING' */
  readonly deploymentStrategy?: FleetDeploymentStrategy;
  /** Where the load balancer routes to this service. @default - not routed */
  readonly routes?: RouteOptions[];
  /**
   * Task auto scaling (see FleetServiceProps.scaling): the task count moves between `minTasks` and `maxTasks`, and
   * no deploy resets it.
   *
   * @default - a fixed `desiredCount`
   */
  readonly scaling?: ServiceScaling;
}
