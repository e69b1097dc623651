import * as fs from 'fs';
import * as path from 'path';
import { App, AppProps } from 'aws-cdk-lib';

/** The feature flags the example app runs with, read from cdk.json so tests and `cdk synth` agree. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'),
).context;

/**
 * An App for fast unit tests: same feature flags as cdk.json, built-in template validation off
 * (it costs ~4 s of engine start per process). Every app stack is still validated in
 * test/app/*.test.ts, which uses `validatedApp()`.
 */
export function unitTestApp(props: AppProps = {}): App {
  return new App({
    ...props,
    // Strict mode off: here a warning annotation is something to assert, not a failure. Annotations stay out of the
    // validation report, which aws-cdk-lib would print on every synth: tests assert warnings with Annotations.fromStack.
    context: { ...CDK_CONTEXT, '@aws-cdk/core:strictCfnValidateErrors': false, '@aws-cdk/core:annotationsInValidationReport': false, ...props.context },
    builtinCloudFormationValidation: false,
  });
}

/**
 * An App with built-in validation on, in construct-library strict mode (warnings fail synth).
 * Synthesis throws with the validation report when any rule or plugin (cdk-nag) reports a finding.
 */
export function validatedApp(props: AppProps = {}): App {
  return new App({
    ...props,
    context: {
      ...CDK_CONTEXT,
      '@aws-cdk/core:validateAgainstDefaultRules': true,
      '@aws-cdk/core:strictCfnValidateErrors': true,
      ...props.context,
    },
    builtinCloudFormationValidation: true,
  });
}
