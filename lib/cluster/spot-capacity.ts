import { Annotations, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';
import { fleetError } from '../errors';
import { checkPercent, checkWholeNumber } from '../validation';

/**
 * Spot capacity of a {@link FleetCluster}: an on-demand base, Spot instances above it.
 *
 * Interrupted Spot instances need nothing of their own: the capacity provider's managed draining moves their tasks
 * away when the two-minute interruption notice (or a rebalance recommendation) arrives, as for any other termination.
 */
export interface SpotCapacity {
  /**
   * On-demand instances the group keeps before it launches any Spot instance: the part of the fleet an
   * interruption wave cannot take away.
   *
   * @default - the cluster's `minCapacity`: the always-on instances are on-demand, what managed scaling adds is Spot
   */
  readonly onDemandBaseCapacity?: number;

  /**
   * Share of the instances above the base that are on-demand, in percent (0: all Spot).
   *
   * @default 0
   */
  readonly onDemandPercentageAboveBaseCapacity?: number;
}

/** At most 40 launch template overrides per group (Auto Scaling quota), one of them `instanceType`. */
const MAX_INSTANCE_TYPES = 40;

/** What the Auto Scaling Group is given: a plain launch template, or a mixed instances policy around it. */
export interface GroupCapacityOptions {
  readonly launchTemplate?: ec2.ILaunchTemplate;
  readonly mixedInstancesPolicy?: autoscaling.MixedInstancesPolicy;
  readonly capacityRebalance?: boolean;
}

/** Options of {@link groupCapacityOptions}. */
export interface CapacityMixOptions {
  readonly launchTemplate: ec2.ILaunchTemplate;
  readonly instanceType: ec2.InstanceType;
  readonly additionalInstanceTypes?: ec2.InstanceType[];
  readonly spot?: SpotCapacity;
  readonly minCapacity: number;
  readonly maxCapacity: number;
}

/**
 * Every instance type the cluster may launch: `instanceType` first, then the additional ones. FleetService checks that
 * its task fits each of them, so it fits the smallest whatever Auto Scaling launches.
 */
export function allInstanceTypes(instanceType: ec2.InstanceType, additional: readonly ec2.InstanceType[] = []): ec2.InstanceType[] {
  return [instanceType, ...additional];
}

/**
 * The group's capacity settings. With neither additional types nor Spot, the launch template alone (as before, so
 * existing groups do not change). Otherwise a mixed instances policy: the types as overrides in priority order
 * (on-demand is `prioritized`: `instanceType` first), Spot by `price-capacity-optimized` (the pools least likely
 * to be interrupted, at a low price), and capacity rebalancing with Spot, so Auto Scaling starts a replacement when
 * EC2 signals a raised interruption risk and managed draining moves the tasks before the old instance goes.
 */
export function groupCapacityOptions(scope: Construct, options: CapacityMixOptions): GroupCapacityOptions {
  const additional = options.additionalInstanceTypes ?? [];
  checkInstanceTypes(scope, options.instanceType, additional);
  if (!additional.length && !options.spot) return { launchTemplate: options.launchTemplate };
  const spot = options.spot;
  const base = spot?.onDemandBaseCapacity ?? options.minCapacity;
  const above = spot ? spot.onDemandPercentageAboveBaseCapacity ?? 0 : 100;
  if (spot) checkSpot(scope, base, above, options.maxCapacity, additional.length + 1);
  return {
    mixedInstancesPolicy: {
      launchTemplate: options.launchTemplate,
      launchTemplateOverrides: allInstanceTypes(options.instanceType, additional).map((instanceType) => ({ instanceType })),
      instancesDistribution: {
        onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
        onDemandBaseCapacity: spot ? base : undefined,
        onDemandPercentageAboveBaseCapacity: above,
        spotAllocationStrategy: spot ? autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED : undefined,
      },
    },
    capacityRebalance: spot ? true : undefined,
  };
}

function checkInstanceTypes(scope: Construct, primary: ec2.InstanceType, additional: readonly ec2.InstanceType[]): void {
  if (additional.length + 1 > MAX_INSTANCE_TYPES) {
    throw fleetError(scope, `additionalInstanceTypes has ${additional.length} types; with instanceType that is more than the ${MAX_INSTANCE_TYPES} an Auto Scaling group accepts`,
      `list at most ${MAX_INSTANCE_TYPES - 1} additional types`);
  }
  const seen = new Set<string>([primary.toString()]);
  for (const type of additional) {
    const name = type.toString();
    if (seen.has(name)) {
      throw fleetError(scope, `additionalInstanceTypes lists ${name} twice (or repeats instanceType)`, 'list each instance type once');
    }
    seen.add(name);
    if (!Token.isUnresolved(name) && !Token.isUnresolved(primary.toString()) && type.architecture !== primary.architecture) {
      throw fleetError(scope, `additionalInstanceTypes: ${name} is ${type.architecture} but instanceType ${primary} is ${primary.architecture}, and all instances boot the same AMI`,
        `use ${primary.architecture} instance types only`);
    }
  }
}

function checkSpot(scope: Construct, base: number, above: number, maxCapacity: number, typeCount: number): void {
  checkWholeNumber(scope, 'spot.onDemandBaseCapacity', base, { min: 0, unit: 'instances' });
  checkPercent(scope, 'spot.onDemandPercentageAboveBaseCapacity', above, 0, 100);
  if (!Token.isUnresolved(base) && !Token.isUnresolved(maxCapacity) && base >= maxCapacity) {
    throw fleetError(scope, `spot.onDemandBaseCapacity ${base} is not below maxCapacity ${maxCapacity}, so no instance would ever be Spot`,
      'lower onDemandBaseCapacity, raise maxCapacity, or leave spot out');
  }
  if (above === 100) {
    throw fleetError(scope, 'spot.onDemandPercentageAboveBaseCapacity is 100, so no instance would ever be Spot',
      'lower it (0: every instance above the base is Spot), or leave spot out and use additionalInstanceTypes alone');
  }
  if (typeCount === 1) {
    Annotations.of(scope).addWarningV2('@cdk-container-fleet/cluster:singleSpotPool',
      'spot with a single instance type draws on one Spot capacity pool per Availability Zone, which can run dry all at once; '
      + 'list a few interchangeable types in additionalInstanceTypes (e.g. m6i.large, m5.large, m6a.large)');
  }
}

/**
 * cdk-nag's AwsSolutions-EC26 (encrypted EBS volumes) reads only a group's `LaunchTemplate` property and throws on a
 * group with a mixed instances policy instead, which fails a strict synth. The policy's launch template is the
 * cluster's hardened one, whose only block device is the encrypted gp3 root volume, so the finding is acknowledged
 * for such a group only (test/cluster/spot-capacity.test.ts asserts the encryption).
 */
export function acknowledgeMixedInstancesNag(group: autoscaling.AutoScalingGroup): void {
  const cfn = group.node.defaultChild as autoscaling.CfnAutoScalingGroup;
  if (cfn.mixedInstancesPolicy === undefined) return;
  acknowledgeFinding(group, {
    id: 'AwsSolutions-EC26',
    reason: "cdk-nag reads only the group's LaunchTemplate property and fails on a MixedInstancesPolicy; the policy's launch template is the cluster's own, whose only block device is an encrypted gp3 root volume",
  });
}
