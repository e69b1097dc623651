import { LAMBDA_RESERVED_CONCURRENCY } from '../../lib/preflight/rules/lambda-concurrency';
import { oneStack } from './support';

const fn = (props: Record<string, unknown> = {}) => ({ Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs22.x', ...props } });

describe('Preflight-LambdaReservedConcurrency', () => {
  test('passes a function without reserved concurrency', () => {
    expect(LAMBDA_RESERVED_CONCURRENCY.check(oneStack({ Fn: fn() }))).toEqual([]);
  });

  test('passes a function reserved at 0 (stopped), which takes nothing from the unreserved pool', () => {
    expect(LAMBDA_RESERVED_CONCURRENCY.check(oneStack({ Fn: fn({ ReservedConcurrentExecutions: 0 }) }))).toEqual([]);
  });

  test('finds a reservation of 1, naming the resource, the 10-unreserved floor and the fix', () => {
    const [f, ...rest] = LAMBDA_RESERVED_CONCURRENCY.check(oneStack({ Fn: fn({ ReservedConcurrentExecutions: 1 }) }));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ ruleId: 'Preflight-LambdaReservedConcurrency', templateFile: 'Stack.template.json', logicalId: 'Fn', location: 'Properties.ReservedConcurrentExecutions' });
    expect(f.message).toMatch(/^Stack Fn \(AWS::Lambda::Function\): ReservedConcurrentExecutions 1 .*minimum value of \[10\]/);
    expect(f.fix).toMatch(/SQS FIFO queue.*acknowledge\(\{ id: 'Preflight-LambdaReservedConcurrency'/);
  });

  test('finds a reservation given as a deploy-time value', () => {
    const findings = LAMBDA_RESERVED_CONCURRENCY.check(oneStack({ Fn: fn({ ReservedConcurrentExecutions: { Ref: 'Reserved' } }) }));
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/ReservedConcurrentExecutions \(deploy-time value\)/)]);
  });

  test('finds provisioned concurrency on an alias', () => {
    const findings = LAMBDA_RESERVED_CONCURRENCY.check(oneStack({
      Alias: { Type: 'AWS::Lambda::Alias', Properties: { ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } } },
    }));
    expect(findings.map((f) => f.location)).toEqual(['Properties.ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions']);
  });
});
