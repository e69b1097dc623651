import { Stack } from 'aws-cdk-lib';
import { buildApp } from '../../bin/environments';
import { unitTestApp } from '../support/app';

/**
 * Issue 22 item 7: "synth makes no lookups" must hold with credentials too. With an account in the environment,
 * `Vpc({ maxAzs })` asks the CLI for the account's availability zones (a context lookup, written to cdk.context.json
 * and different per account); the example's stacks leave the account to the deploy, so synthesis is the same with and
 * without credentials.
 */
describe('the example app with credentials (CDK_DEFAULT_ACCOUNT set, as the CLI sets it)', () => {
  const saved = process.env.CDK_DEFAULT_ACCOUNT;
  afterAll(() => {
    if (saved === undefined) delete process.env.CDK_DEFAULT_ACCOUNT;
    else process.env.CDK_DEFAULT_ACCOUNT = saved;
  });

  test('asks for no context lookups (no availability-zones, no other provider)', () => {
    process.env.CDK_DEFAULT_ACCOUNT = '493827162534';
    const app = unitTestApp();
    buildApp(app);
    const assembly = app.synth();
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });
});

describe('what `cdk deploy Production` deploys (docs/deploying.md)', () => {
  test('the eu-west-1 stack depends on the conductor and the region deployed before it, so the CLI deploys them first unless --exclusively', () => {
    const app = unitTestApp();
    buildApp(app);
    const production = app.node.findChild('Production') as Stack;
    expect(production.dependencies.map((s) => s.stackName).sort()).toEqual(['Production-ap-southeast-2', 'ProductionConductor']);
  });
});
