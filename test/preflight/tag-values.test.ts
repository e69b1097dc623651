import { tagProblem, TAG_VALUES } from '../../lib/preflight/rules/tag-values';
import { oneStack } from './support';

describe('tagProblem', () => {
  test.each([['qa-branch', 'feature/x'], ['team', 'Équipe 1'], ['url', 'https://example.com:443/a=b+c@d']])('accepts %s=%s', (key, value) => {
    expect(tagProblem(key, value)).toBeUndefined();
  });

  test.each([
    ['qa-branch', 'fix#12', /contains "#"/],
    ['qa-branch', 'wip!(draft)', /contains "!\(\)"/],
    ['aws:owner', 'me', /reserved prefix aws:/],
    ['k', 'v'.repeat(257), /at most 256/],
    ['', 'v', /1 to 128/],
  ])('rejects %s=%s', (key, value, problem) => {
    expect(tagProblem(key, value)).toMatch(problem);
  });
});

describe('Preflight-TagValues', () => {
  const tagged = (type: string, value: string) => ({ Type: type, Properties: { Tags: [{ Key: 'qa-branch', Value: value }] } });

  test('finds a branch name with # on an IAM role, naming the tag and the fix', () => {
    const [f, ...rest] = TAG_VALUES.check(oneStack({ Role: tagged('AWS::IAM::Role', 'fix#12') }));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ ruleId: 'Preflight-TagValues', logicalId: 'Role', location: 'Properties.Tags.0' });
    expect(f.message).toMatch(/tag value "fix#12" of "qa-branch" contains "#"; AWS::IAM::Role rejects it/);
    expect(f.fix).toMatch(/Sanitize/);
  });

  test('passes a branch name with / and -, and leaves EC2 and Auto Scaling tags alone', () => {
    expect(TAG_VALUES.check(oneStack({ Role: tagged('AWS::IAM::Role', 'feature/x-1') }))).toEqual([]);
    expect(TAG_VALUES.check(oneStack({ Vpc: tagged('AWS::EC2::VPC', 'fix#12'), Asg: tagged('AWS::AutoScaling::AutoScalingGroup', 'fix#12') }))).toEqual([]);
  });

  test('reads tags given as a map (SSM parameters) and ignores deploy-time values', () => {
    expect(TAG_VALUES.check(oneStack({ Param: { Type: 'AWS::SSM::Parameter', Properties: { Tags: { 'qa-branch': 'a#b' } } } }))).toHaveLength(1);
    expect(TAG_VALUES.check(oneStack({ Role: { Type: 'AWS::IAM::Role', Properties: { Tags: [{ Key: 'x', Value: { Ref: 'Branch' } }] } } }))).toEqual([]);
  });
});
