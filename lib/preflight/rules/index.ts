import { PreflightFinding, PreflightRule } from '../rule';
import { TemplateSet } from '../template-set';
import { ALB_QUOTAS_RULE } from './alb-quotas';
import { CERTIFICATE_REGION } from './certificate-region';
import { DUPLICATE_SIMPLE_RECORD } from './duplicate-records';
import { ECS_NAMES } from './ecs-names';
import { HEALTH_CHECK_REACHABILITY } from './health-check-reachability';
import { LAMBDA_RESERVED_CONCURRENCY } from './lambda-concurrency';
import { NAME_LENGTH } from './name-lengths';
import { PLACEHOLDER_IDS } from './placeholders';
import { DUPLICATE_ROLE_POLICY } from './role-policy-names';
import { SERVICE_CONNECT_POLL } from './service-connect-poll';
import { SERVICE_CONNECT_ORDER } from './service-connect-order';
import { SERVICE_CONNECT_REACHABILITY } from './service-connect-reachability';
import { TAG_VALUES } from './tag-values';
import { UDP_TARGET_GROUP_HEALTH_CHECK } from './udp-health-checks';

/** Every preflight rule, in the order docs/preflight.md describes them. */
export const PREFLIGHT_RULES: readonly PreflightRule[] = [
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
 */
export function runPreflightRules(templates: TemplateSet, rules: readonly PreflightRule[] = PREFLIGHT_RULES): PreflightFinding[] {
  return rules.flatMap((rule) => {
    try {
      return rule.check(templates);
    } catch (e) {
      throw new Error(`preflight rule ${rule.id} failed: ${(e as Error).message}. Acknowledging does not help; please report it with the template.`);
    }
  });
}
