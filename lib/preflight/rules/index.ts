import { IPreflightRule, PreflightFinding } from '../rule';
import { TemplateSet } from '../template-set';
import { ALB_QUOTAS_RULE } from './alb-quotas';
import { CERTIFICATE_REGION } from './certificate-region';
import { DUPLICATE_SIMPLE_RECORD } from './duplicate-records';
import { clientAliasProblem, ECS_NAMES, ecsResourceNameProblem, serviceConnectNameProblem } from './ecs-names';
import { HEALTH_CHECK_REACHABILITY } from './health-check-reachability';
import { LAMBDA_RESERVED_CONCURRENCY } from './lambda-concurrency';
import { NAME_LENGTH, NAME_LIMITS, NameLimit } from './name-lengths';
import { PLACEHOLDER_IDS, placeholderReason } from './placeholders';
import { DUPLICATE_ROLE_POLICY } from './role-policy-names';
import { SERVICE_CONNECT_POLL } from './service-connect-poll';
import { SERVICE_CONNECT_ORDER } from './service-connect-order';
import { SERVICE_CONNECT_REACHABILITY } from './service-connect-reachability';
import { TAG_VALUES, tagProblem } from './tag-values';
import { UDP_TARGET_GROUP_HEALTH_CHECK } from './udp-health-checks';

/**
 * Every preflight rule, in the order docs/preflight.md describes them.
 *
 * TypeScript only; from other languages use `PreflightRules.ALL`.
 *
 * @jsii ignore
 */
export const PREFLIGHT_RULES: readonly IPreflightRule[] = [
  LAMBDA_RESERVED_CONCURRENCY,
  ECS_NAMES,
  SERVICE_CONNECT_REACHABILITY,
  SERVICE_CONNECT_ORDER,
  CERTIFICATE_REGION,
  PLACEHOLDER_IDS,
  DUPLICATE_SIMPLE_RECORD,
  NAME_LENGTH,
  ALB_QUOTAS_RULE,
  HEALTH_CHECK_REACHABILITY,
  TAG_VALUES,
  DUPLICATE_ROLE_POLICY,
  UDP_TARGET_GROUP_HEALTH_CHECK,
  SERVICE_CONNECT_POLL,
];

/**
 * Runs rules over the app's templates: every finding, acknowledged or not.
 *
 * @throws Error naming the rule when a rule fails on a template it does not understand (a bug to report)
 *
 * TypeScript only; from other languages use `PreflightRules.run`.
 *
 * @jsii ignore
 */
export function runPreflightRules(templates: TemplateSet, rules: readonly IPreflightRule[] = PREFLIGHT_RULES): PreflightFinding[] {
  return rules.flatMap((rule) => {
    try {
      return rule.check(templates);
    } catch (e) {
      throw new Error(`preflight rule ${rule.id} failed: ${(e as Error).message}. Acknowledging does not help; please report it with the template.`);
    }
  });
}

/**
 * The preflight rules and the name checks behind them, for every CDK language (jsii: static members rather than
 * module functions and constants). Run the rules over templates from anywhere (a `cdk.out` directory, another tool's
 * output) without synthesis, or check a name before using it.
 */
export class PreflightRules {
  /** Every preflight rule, in the order docs/preflight.md describes them. */
  public static readonly ALL: IPreflightRule[] = [...PREFLIGHT_RULES];

  /** Name length limits of the services' APIs that `Preflight-NameLength` checks (ECS names are `Preflight-EcsNames`'). */
  public static readonly NAME_LIMITS: NameLimit[] = [...NAME_LIMITS];

  /**
   * Runs rules over the app's templates: every finding, acknowledged or not. Throws naming the rule when a rule fails
   * on a template it does not understand (a bug to report).
   *
   * @param rules the rules to run; default: every rule (`PreflightRules.ALL`)
   */
  public static run(templates: TemplateSet, rules?: IPreflightRule[]): PreflightFinding[] {
    return runPreflightRules(templates, rules ?? PREFLIGHT_RULES);
  }

  /** Why ECS rejects a Service Connect port name or discovery name, or undefined when it accepts it. */
  public static serviceConnectNameProblem(name: string): string | undefined {
    return serviceConnectNameProblem(name);
  }

  /** Why ECS rejects a Service Connect client alias DNS name, or undefined when it accepts it. */
  public static clientAliasProblem(name: string): string | undefined {
    return clientAliasProblem(name);
  }

  /** Why ECS rejects a cluster, service, task family, container or capacity provider name, or undefined. */
  public static ecsResourceNameProblem(name: string): string | undefined {
    return ecsResourceNameProblem(name);
  }

  /** Why an id looks like a placeholder rather than a real one (`123456789012`, `…EXAMPLE…`), or undefined when it looks real. */
  public static placeholderReason(id: string): string | undefined {
    return placeholderReason(id);
  }

  /** Why most AWS services reject a tag key or value, or undefined when they accept it. */
  public static tagProblem(key: string, value: string): string | undefined {
    return tagProblem(key, value);
  }

  private constructor() {}
}
