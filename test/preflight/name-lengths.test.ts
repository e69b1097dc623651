import { NAME_LENGTH } from '../../lib/preflight/rules/name-lengths';
import { oneStack } from './support';

describe('Preflight-NameLength', () => {
  test('finds a target group name over 32 characters, naming the length and the limit', () => {
    const [f] = NAME_LENGTH.check(oneStack({ Tg: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Name: 'qa-feature-login-service-targets-1' } } }));
    expect(f).toMatchObject({ logicalId: 'Tg', location: 'Properties.Name' });
    expect(f.message).toMatch(/Name "qa-feature-login-service-targets-1" has 34 characters; .* at most 32/);
    expect(f.fix).toMatch(/leave Name out/);
  });

  test('passes names at the limit and resources without explicit names', () => {
    const set = oneStack({
      Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'f'.repeat(64) } },
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
    });
    expect(NAME_LENGTH.check(set)).toEqual([]);
  });

  test('computes names built from the stack name, region and account', () => {
    const name = { 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, { Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, 'dns-updater-dead-letters']] };
    const set = oneStack({ Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: name } } }, { stackName: 'Qa-feature-very-long-branch-name-for-testing', account: undefined });
    const [f] = NAME_LENGTH.check(set);
    expect(f.message).toMatch(/QueueName "Qa-feature-very-long-branch-name-for-testing-eu-west-1-<deploy-time>-dns-updater-dead-letters" has 92 characters; .* at most 80/);
  });

  test('reports a lower bound when part of the name is unknown', () => {
    const name = { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['X', 'Y'] }, 'a'.repeat(90)]] };
    const [f] = NAME_LENGTH.check(oneStack({ Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: name } } }));
    expect(f.message).toMatch(/"<deploy-time>a{90}" has at least 90 characters; .* at most 80/);
  });

  test('finds log group, schedule, role and SSM parameter names over their limits', () => {
    const set = oneStack({
      Logs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/x/'.repeat(200) } },
      Schedule: { Type: 'AWS::Scheduler::Schedule', Properties: { Name: 's'.repeat(65) } },
      Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'r'.repeat(65) } },
      Param: { Type: 'AWS::SSM::Parameter', Properties: { Name: `/${'p'.repeat(1011)}` } },
    });
    expect(NAME_LENGTH.check(set).map((f) => f.logicalId)).toEqual(['Role', 'Logs', 'Schedule', 'Param']);
  });
});
