import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SwarmEnvironmentStack } from '../../examples/swarm/swarm-environment';
import { unitTestApp, validatedApp } from '../support/app';

const env = { account: '111111111111', region: 'eu-west-1' };

describe('SwarmEnvironmentStack', () => {
  test('passes built-in validation (strict) and cdk-nag AwsSolutions', () => {
    const app = validatedApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new SwarmEnvironmentStack(app, 'SwarmEnv', { env });
    // As bin/environments.ts builds stacks: region fixed, account from the CLI (unresolved in tests).
    new SwarmEnvironmentStack(app, 'SwarmEnvNoAccount', { env: { region: 'eu-west-1' } });
    expect(() => app.synth()).not.toThrow();
  });

  test('has a manager group and two differently tagged worker groups', () => {
    const stack = new SwarmEnvironmentStack(unitTestApp(), 'SwarmEnv', { env });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 3);
    for (const role of ['manager', 'frontend', 'services']) {
      t.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
        Tags: Match.arrayWith([{ Key: 'docker.role', PropagateAtLaunch: true, Value: role }]),
      });
    }
    t.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      Tags: Match.arrayWith([
        { Key: 'docker.environment', PropagateAtLaunch: true, Value: 'staging' },
        { Key: 'example.db.host', PropagateAtLaunch: true, Value: 'db.example.internal' },
      ]),
    });
  });
});
