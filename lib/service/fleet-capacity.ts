// A leaf module (no imports), so compose's pure translation can name the capacities.

/** Where the tasks of a {@link FleetService} run. */
export enum FleetCapacity {
  /**
   * The cluster's EC2 instances, through its Auto Scaling group capacity provider (managed scaling sees the tasks).
   * Bridge or awsvpc networking; every task definition option is available.
   */
  EC2 = 'ec2',
  /**
   * AWS Fargate, on demand: no instances to manage; each task gets its own micro-VM, network interface (awsvpc) and
   * security group, and is billed by its task-level CPU and memory. No privileged containers, host volumes, devices or
   * placement strategies (docs/networking.md, "Fargate").
   */
  FARGATE = 'fargate',
  /**
   * AWS Fargate Spot: Fargate at a discount, on spare capacity that AWS may reclaim with a two-minute warning (ECS
   * sends SIGTERM, then stops the task after `stopTimeout`). For interruptible and replicated work; keep a few tasks
   * on demand with `fargate.onDemandBase`.
   */
  FARGATE_SPOT = 'fargate-spot',
}

/** Whether the tasks run on Fargate (on demand or Spot). */
export function isFargate(capacity: FleetCapacity | undefined): boolean {
  return capacity === FleetCapacity.FARGATE || capacity === FleetCapacity.FARGATE_SPOT;
}

/**
 * Why `capacity` is not a {@link FleetCapacity}, naming the allowed values; undefined when it is one or is left out.
 * TypeScript cannot pass another value, but plain JavaScript, JSON configs and other languages can (`'FARGATE'`, the
 * member's name, is not its value), and an unknown value must not quietly become an EC2 service.
 */
export function capacityProblem(capacity: unknown): string | undefined {
  if (capacity === undefined) return undefined;
  const allowed: unknown[] = Object.values(FleetCapacity);
  if (allowed.includes(capacity)) return undefined;
  return `capacity ${JSON.stringify(capacity)} is not a FleetCapacity (allowed: ${allowed.map((v) => `'${v}'`).join(', ')})`;
}
