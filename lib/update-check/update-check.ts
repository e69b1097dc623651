/**
 * The update check for every CDK language: jsii has no module functions, so they are static methods of a class here.
 */
import { assertSafeUpdate, checkAssemblies, formatReport, isSafe, UpdateReport } from './check';
import { DeployedRuleRecord, deployedListenerRules } from './deployed';

/**
 * What CloudFormation will do to deployed stacks when a new synth is deployed, read from the two cloud assemblies
 * alone (no AWS calls): replacements, moves between (nested) stacks, listener-rule priority clashes and replaced
 * stateful or ingress resources. See docs/operations.md. The same results as the TypeScript functions of the same names.
 */
export class UpdateCheck {
  /**
   * Checks every stack present in both assemblies, or only `stacks`.
   *
   * @param beforeDir the cloud assembly (`cdk.out`) of the last deploy
   * @param afterDir the cloud assembly of the new synth
   * @param stacks artifact ids of the stacks to check; default: every stack in both
   */
  public static checkAssemblies(beforeDir: string, afterDir: string, stacks?: string[]): UpdateReport[] {
    return checkAssemblies(beforeDir, afterDir, stacks);
  }

  /**
   * For your own tests: throws with the report when updating the stacks of `deployedDir` to `newDir` would clash on a
   * listener-rule priority or replace a stateful or ingress resource; returns the reports otherwise.
   */
  public static assertSafeUpdate(deployedDir: string, newDir: string, stacks?: string[]): UpdateReport[] {
    return assertSafeUpdate(deployedDir, newDir, stacks);
  }

  /**
   * True when no stack's update has anything that fails or interrupts: no clash, no stateful or ingress replacement.
   * Takes the reports as `checkAssemblies` returns them (a list, so Python passes it as it is: jsii's Python would
   * spread a single report parameter into keyword arguments).
   */
  public static isSafe(reports: UpdateReport[]): boolean {
    return reports.every(isSafe);
  }

  /** A compact, plain-text report of every stack's update, one block per stack (the list `checkAssemblies` returns). */
  public static formatReport(reports: UpdateReport[]): string {
    return reports.map(formatReport).join('\n');
  }

  /**
   * The listener rules of `stack` as deployed, read from the cloud assembly of the last deploy (the `cdk.out`
   * directory kept after `cdk deploy`), for `FleetLoadBalancerProps.deployedRules`. An assembly without that stack
   * (its first deploy) gives none.
   */
  public static deployedListenerRules(assemblyDir: string, stack: string): DeployedRuleRecord[] {
    return deployedListenerRules(assemblyDir, stack);
  }

  private constructor() {}
}
