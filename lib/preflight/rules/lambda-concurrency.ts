import { acknowledgeHint, finding, PreflightFinding, IPreflightRule } from '../rule';
import { TemplateSet } from '../template-set';

const ID = 'Preflight-LambdaReservedConcurrency';

/**
 * Reserved (and provisioned) Lambda concurrency against the unreserved floor: Lambda keeps a minimum of the
 * account's concurrency unreserved, so on accounts whose quota is 10 (new accounts) any reservation fails with
 * "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its
 * minimum value of [10]".
 */
export const LAMBDA_RESERVED_CONCURRENCY: IPreflightRule = {
  id: ID,
  summary: 'Lambda reserved or provisioned concurrency, which fails on accounts whose concurrency quota leaves nothing to reserve (new accounts: 10)',
  check(templates: TemplateSet): PreflightFinding[] {
    const findings: PreflightFinding[] = [];
    for (const ref of templates.resourcesOfType('AWS::Lambda::Function')) {
      const value = ref.resource.Properties?.ReservedConcurrentExecutions;
      if (value === undefined) continue;
      const literal = templates.literal(ref.template, value);
      // 0 stops the function; it takes nothing from the unreserved pool.
      if (literal !== undefined && Number(literal) === 0) continue;
      findings.push(finding(ID, ref, 'Properties.ReservedConcurrentExecutions',
        `ReservedConcurrentExecutions ${literal ?? '(deploy-time value)'} fails to deploy where the account's Lambda concurrency quota is 10 ` +
        '(new accounts): Lambda keeps at least 10 concurrent executions unreserved ("decreases account\'s UnreservedConcurrentExecution below its minimum value of [10]")',
        'Remove the reservation and serialize another way (an SQS FIFO queue with one message group per key in front of the function, ' +
        'or a lock in the state machine), or make the reservation an opt-in for accounts whose quota was raised. ' + acknowledgeHint(ID)));
    }
    for (const ref of templates.resourcesOfType('AWS::Lambda::Alias', 'AWS::Lambda::Version')) {
      const value = ref.resource.Properties?.ProvisionedConcurrencyConfig?.ProvisionedConcurrentExecutions;
      if (value === undefined) continue;
      const literal = templates.literal(ref.template, value);
      if (literal !== undefined && Number(literal) === 0) continue;
      findings.push(finding(ID, ref, 'Properties.ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions',
        `ProvisionedConcurrentExecutions ${literal ?? '(deploy-time value)'} is taken from the unreserved pool and fails to deploy where the account's ` +
        'Lambda concurrency quota is 10 (new accounts): Lambda keeps at least 10 concurrent executions unreserved',
        'Drop provisioned concurrency where the quota is not raised (Service Quotas: Lambda "Concurrent executions"). ' + acknowledgeHint(ID)));
    }
    return findings;
  },
};
