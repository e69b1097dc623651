import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { fleetError } from '../errors';

/** Where a {@link FleetService}'s tasks go on the cluster's instances. */
export enum ServicePlacement {
  /**
   * Spread over Availability Zones, then over instances: losing one instance or one zone takes as few tasks as
   * possible. The default.
   */
  SPREAD_ACROSS_ZONES_AND_INSTANCES = 'spread-across-zones-and-instances',
  /**
   * Spread over Availability Zones, then pack onto the instances with the least free memory: fewer instances run,
   * so managed scaling can remove the empty ones. For memory-bound services where cost matters more than how many
   * tasks one instance failure takes.
   */
  BINPACK_MEMORY = 'binpack-memory',
  /** Spread over Availability Zones, then pack onto the instances with the least free CPU (as BINPACK_MEMORY, for CPU-bound services). */
  BINPACK_CPU = 'binpack-cpu',
  /** Any instance with room, at random. */
  RANDOM = 'random',
  /**
   * One task on every instance of the cluster (ECS DAEMON scheduling), for agents such as log shippers or node
   * exporters. No `desiredCount` or `scaling`: the count follows the instances. The service runs with the EC2 launch
   * type and no capacity provider strategy (as aws-cdk-lib builds daemon services), so managed scaling does not count
   * its tasks: they start on whatever instances the other services need.
   */
  DAEMON = 'daemon',
}

/** What {@link serviceSchedulingOf} needs of the service's props. */
export interface SchedulingInput {
  readonly placement?: ServicePlacement;
  readonly desiredCount?: number;
  readonly scaling?: unknown;
  readonly minHealthyPercent?: number;
  readonly maxHealthyPercent?: number;
}

/** The scheduling part of the service's options: strategy, count, capacity provider and placement. */
export interface ServiceScheduling {
  readonly daemon: boolean;
  readonly desiredCount?: number;
  readonly maxHealthyPercent?: number;
  readonly capacityProviderStrategies?: ecs.CapacityProviderStrategy[];
  readonly placementStrategies?: ecs.PlacementStrategy[];
}

/** The placement strategies of a replica service (AZ spread first, so no strategy puts every task in one zone). */
export function placementStrategiesOf(placement: ServicePlacement): ecs.PlacementStrategy[] {
  const zones = ecs.PlacementStrategy.spreadAcross(ecs.BuiltInAttributes.AVAILABILITY_ZONE);
  switch (placement) {
    case ServicePlacement.BINPACK_MEMORY: return [zones, ecs.PlacementStrategy.packedByMemory()];
    case ServicePlacement.BINPACK_CPU: return [zones, ecs.PlacementStrategy.packedByCpu()];
    case ServicePlacement.RANDOM: return [ecs.PlacementStrategy.randomly()];
    case ServicePlacement.DAEMON: return [];
    default: return [zones, ecs.PlacementStrategy.spreadAcrossInstances()];
  }
}

/**
 * How the service is scheduled. Replica services place with the cluster's capacity provider (so managed scaling sees
 * their tasks) and the placement's strategies. A daemon service has neither: it takes no placement strategies, runs with
 * the EC2 launch type (capacity provider strategies are for replica services), and its maximum percent must be 100
 * (a task per instance, never two).
 */
export function serviceSchedulingOf(scope: Construct, input: SchedulingInput, capacityProvider: string, desiredCount: number): ServiceScheduling {
  const placement = input.placement ?? ServicePlacement.SPREAD_ACROSS_ZONES_AND_INSTANCES;
  if (placement !== ServicePlacement.DAEMON) {
    return {
      daemon: false,
      desiredCount,
      capacityProviderStrategies: [{ capacityProvider, weight: 1 }],
      placementStrategies: placementStrategiesOf(placement),
    };
  }
  const refuse = (what: string, fix: string) => {
    throw fleetError(scope, `placement DAEMON runs one task on every instance, so ${what}`, fix);
  };
  if (input.desiredCount !== undefined) refuse(`desiredCount (${input.desiredCount}) cannot be set`, 'leave desiredCount out');
  if (input.scaling !== undefined) refuse('the task count cannot scale', 'leave scaling out (the count follows the instances)');
  if (input.maxHealthyPercent !== undefined && input.maxHealthyPercent !== 100) {
    refuse(`maxHealthyPercent must be 100 (not ${input.maxHealthyPercent}): a deployment replaces each instance's task in place`, 'leave maxHealthyPercent out');
  }
  if (input.minHealthyPercent === 100) {
    refuse('minHealthyPercent 100 would let no deployment stop an old task to start its replacement', 'lower minHealthyPercent (the default 50 replaces half the instances\' tasks at a time)');
  }
  return { daemon: true, desiredCount: undefined, maxHealthyPercent: 100, capacityProviderStrategies: undefined, placementStrategies: undefined };
}
