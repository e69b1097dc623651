import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EXAMPLE_PRODUCTION } from '../lib/environments/examples';
import { ProductionStack } from '../lib/environments/production';

/** Region of the example environments (fixed, so synth needs no AWS account or lookups). */
export const DEFAULT_REGION = 'eu-west-1';

/**
 * Builds every environment of the example app into `app`, with cdk-nag (AwsSolutions) checks on.
 * Shared by bin/app.ts and the tests, so what is tested is what `cdk synth` produces.
 */
export function buildApp(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: DEFAULT_REGION };

  new ProductionStack(app, 'Production', { env, config: EXAMPLE_PRODUCTION, description: 'cdk-container-fleet example: production' });
}
