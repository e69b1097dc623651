import * as path from 'path';
import {
  CfnResource, IPolicyValidationContext, IPolicyValidationPlugin, NestedStack, PolicyValidationPluginReport, PolicyViolation, Stack, Token, Validations,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { loadTemplates, TemplateSource } from './load';
import { PreflightFinding, IPreflightRule } from './rule';
import { PREFLIGHT_RULES, runPreflightRules } from './rules';
import { TemplateSet } from './template-set';

/**
 * Preflight checks: a validation plugin that inspects the synthesized templates (nested stacks included) for
 * deploy-time failures that CloudFormation schema validation cannot see: reserved Lambda concurrency, ECS and
 * Service Connect names, Service Connect reachability between instances and creation order, certificate regions,
 * placeholder ids and CIDRs, duplicate simple records, name lengths, ALB quotas, health checks the checkers cannot
 * reach, and tag values (docs/preflight.md).
 *
 * Added like cdk-nag v3's packs; every finding fails synthesis unless acknowledged on the resource or a scope above it:
 *
 * ```ts
 * const app = new App();
 * Validations.of(app).addPlugins(new FleetPreflightChecks());
 * // on the resource, or any scope above it (here a whole stack):
 * Validations.of(this).acknowledge({ id: 'Preflight-LambdaReservedConcurrency', reason: 'our accounts have a raised quota' });
 * ```
 */
export class FleetPreflightChecks implements IPolicyValidationPlugin {
  /** The plugin's name in the validation report. */
  public readonly name = 'FleetPreflightChecks';
  /** The ids of the rules it evaluates (always set; optional only as in `IPolicyValidationPlugin`, which jsii requires). */
  public readonly ruleIds?: string[];
  private readonly rules: readonly IPreflightRule[];

  constructor() {
    this.rules = PREFLIGHT_RULES;
    this.ruleIds = this.rules.map((r) => r.id);
  }

  /** Called by the CDK at synthesis: runs every rule over the app's templates and reports unacknowledged findings. */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const sources = templateSources(context);
    const findings = runPreflightRules(new TemplateSet(loadTemplates(sources)), this.rules);
    if (findings.length === 0) return { success: true, violations: [] };

    const pathOf = new Map(sources.map((s) => [path.basename(s.templatePath), s.templatePath]));
    const constructOf = constructLocator(context.appConstruct);
    const violations: PolicyViolation[] = findings
      .filter((f) => !isAcknowledged(constructOf(f), f.ruleId))
      .map((f) => ({
        ruleName: f.ruleId,
        description: f.message,
        fix: f.fix,
        severity: 'error',
        violatingResources: [{ resourceLogicalId: f.logicalId, templatePath: pathOf.get(f.templateFile), locations: [f.location] }],
      }));
    return { success: violations.length === 0, violations };
  }
}

/** The templates to read: the app's stacks from the context, their nested stacks from the construct tree. */
function templateSources(context: IPolicyValidationContext): TemplateSource[] {
  const stacks = new Map<string, Stack>();
  const nested: NestedStack[] = [];
  for (const c of context.appConstruct.node.findAll()) {
    if (NestedStack.isNestedStack(c)) nested.push(c);
    else if (Stack.isStack(c)) stacks.set(c.templateFile, c);
  }
  const sources: TemplateSource[] = context.stackTemplates.map((s) => {
    const stack = stacks.get(path.basename(s.templatePath));
    return {
      templatePath: s.templatePath,
      displayName: s.stackConstructPath,
      stackName: stack?.stackName,
      // aws-cdk-lib before 2.269.0 gives no per-template region or account; the stack knows them (a token when the
      // stack is environment-agnostic, which is "unknown" as in the context).
      region: (s as { region?: string }).region ?? literal(stack?.region),
      account: (s as { accountId?: string }).accountId ?? literal(stack?.account),
    };
  });
  // Nested templates sit beside their parent's; parents come first in construct order, so one pass in order suffices.
  const dirOf = new Map(sources.map((s) => [path.basename(s.templatePath), path.dirname(s.templatePath)]));
  for (const stack of nested) {
    const resource = stack.nestedStackResource;
    const parent = stack.nestedStackParent;
    const dir = parent && dirOf.get(parent.templateFile);
    if (!resource || !parent || !dir) continue;
    dirOf.set(stack.templateFile, dir);
    sources.push({
      templatePath: path.join(dir, stack.templateFile),
      displayName: stack.node.path,
      parent: { templateFile: parent.templateFile, logicalId: parent.resolve(resource.logicalId) },
    });
  }
  return sources;
}

/** A stack's region or account when it is a literal; undefined when it is a token or there is no stack. */
function literal(value: string | undefined): string | undefined {
  return value === undefined || Token.isUnresolved(value) ? undefined : value;
}

/** Finds the construct of a finding's resource (built on first use: only needed when there are findings). */
function constructLocator(root: IConstruct): (f: PreflightFinding) => IConstruct | undefined {
  let index: Map<string, IConstruct> | undefined;
  return (f) => {
    if (!index) {
      index = new Map();
      for (const c of root.node.findAll()) {
        if (!CfnResource.isCfnResource(c)) continue;
        const stack = Stack.of(c);
        index.set(`${stack.templateFile}\u0000${stack.resolve(c.logicalId)}`, c);
      }
    }
    return index.get(`${f.templateFile}\u0000${f.logicalId}`);
  };
}

/**
 * Whether `ruleId` is acknowledged on the construct or a scope above it (`Validations.of(x).acknowledge`), the way
 * cdk-nag v3 reads acknowledgements: ids are recorded with a namespace prefix (`Annotation::`), which is ignored.
 */
export function isAcknowledged(construct: IConstruct | undefined, ruleId: string): boolean {
  for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      if (Object.keys(entry.data).some((id) => id.replace(/^[^:]*::/, '') === ruleId)) return true;
    }
  }
  return false;
}
