import { ResourceRef, TemplateSet } from './template-set';

/** One deploy-time problem found in the synthesized templates. */
export interface PreflightFinding {
  /** The rule that found it (`Preflight-LambdaReservedConcurrency`); the id to acknowledge. */
  readonly ruleId: string;
  /** The template file that declares the resource. */
  readonly templateFile: string;
  /** The logical id of the resource. */
  readonly logicalId: string;
  /** Where in the resource, e.g. `Properties.ReservedConcurrentExecutions`. */
  readonly location: string;
  /** What fails, naming the stack, the resource and the value. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
}

/** A preflight rule: templates in, findings out. */
export interface IPreflightRule {
  /** The rule id, `Preflight-<Name>`. */
  readonly id: string;
  /** One line: the deploy-time failure the rule prevents. */
  readonly summary: string;
  /** Checks every template of the app. */
  check(templates: TemplateSet): PreflightFinding[];
}

/**
 * @deprecated Use IPreflightRule.
 * @jsii ignore
 */
export type PreflightRule = IPreflightRule;

/** `Production/Services1 CleanSlateFunction1F716ADE (AWS::Lambda::Function)`: how findings name a resource. */
export function describeResource(ref: ResourceRef): string {
  return `${ref.template.displayName} ${ref.logicalId} (${ref.resource.Type})`;
}

/** Builds a finding for `ref`. */
export function finding(ruleId: string, ref: ResourceRef, location: string, message: string, fix: string): PreflightFinding {
  return { ruleId, templateFile: ref.template.templateFile, logicalId: ref.logicalId, location, message: `${describeResource(ref)}: ${message}`, fix };
}

/** Acknowledgement hint appended to every fix. */
export function acknowledgeHint(ruleId: string): string {
  return `If it is intended, acknowledge it: Validations.of(construct).acknowledge({ id: '${ruleId}', reason }).`;
}
