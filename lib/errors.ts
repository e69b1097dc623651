import { Construct } from 'constructs';

/**
 * Thrown at synth time for bad input. The message names the construct path, the offending
 * value and the fix, from the user's point of view.
 *
 * TypeScript only: jsii cannot model a class that extends `Error`, so in Python, Java, .NET and Go the same message
 * arrives as the runtime's own jsii error.
 *
 * @jsii ignore
 */
export class FleetConfigurationError extends Error {
  constructor(
    /** Path of the construct that received the bad value. */
    public readonly constructPath: string,
    message: string,
  ) {
    super(message);
    this.name = 'FleetConfigurationError';
  }
}

/** Builds a {@link FleetConfigurationError}: `<path>: <problem>. Fix: <fix>.` */
export function fleetError(scope: Construct, problem: string, fix: string): FleetConfigurationError {
  return new FleetConfigurationError(scope.node.path, `${scope.node.path}: ${problem}. Fix: ${fix}.`);
}
