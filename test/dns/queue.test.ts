import { MessageResult, messageVerdict } from '../../lambda/asg-dns-updater/queue';
import { recordMessageGroup } from '../../lib/dns/contract';

const base = { problems: 0, transient: 0, threw: false, attempt: 1, maxReceives: 3 } as const;

describe('what happens to a queue message', () => {
  test.each<[string, Partial<MessageResult> & Pick<MessageResult, 'kind'>, { retry: boolean; failures: number }]>([
    ['an instance event that went well is consumed', { kind: 'instance' }, { retry: false, failures: 0 }],
    ['an instance event with a transient record failure is retried (its lifecycle action is still open)', { kind: 'instance', transient: 1, problems: 1 }, { retry: true, failures: 1 }],
    ['an instance event whose shared reads failed is retried', { kind: 'instance', threw: true }, { retry: true, failures: 0 }],
    ['an instance event with only problems a retry cannot fix is consumed and counted', { kind: 'instance', problems: 2 }, { retry: false, failures: 2 }],
    ['a reconcile with a transient failure is not retried (the next one is) but counted', { kind: 'reconcile', transient: 1 }, { retry: false, failures: 1 }],
    ['a reconcile whose shared reads failed is counted', { kind: 'reconcile', threw: true }, { retry: false, failures: 1 }],
    ['a custom resource kept for a later attempt is retried, not counted', { kind: 'custom-resource', deferred: true }, { retry: true, failures: 0 }],
    ['a custom resource whose answer failed is retried before the last attempt', { kind: 'custom-resource', threw: true, attempt: 2 }, { retry: true, failures: 0 }],
    ['… and counted at the last one (the dead-letter queue would not answer CloudFormation either)', { kind: 'custom-resource', threw: true, attempt: 3 }, { retry: false, failures: 1 }],
    ['a custom resource answered (SUCCESS or FAILED) is consumed', { kind: 'custom-resource' }, { retry: false, failures: 0 }],
  ])('%s', (_name, result, verdict) => {
    expect(messageVerdict({ ...base, ...result })).toEqual(verdict);
  });
});

describe("a record's message group", () => {
  test('is the record name, readable, for the names people use', () => {
    expect(recordMessageGroup('app.qa.example.com')).toBe('record:app.qa.example.com');
  });

  test('stays within the 128 characters SQS allows, stable and distinct for long names', () => {
    const long = (label: string) => `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${label}.example.com`; // differ past the prefix
    const one = recordMessageGroup(long('x'));
    expect(one.length).toBeLessThanOrEqual(128);
    expect(one).toBe(recordMessageGroup(long('x')));
    expect(one).not.toBe(recordMessageGroup(long('y')));
    // SQS: alphanumeric and punctuation only.
    expect(one).toMatch(/^[A-Za-z0-9!-/:-@[-`{-~]+$/);
  });
});
