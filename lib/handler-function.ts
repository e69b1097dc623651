import * as fs from 'fs';
import * as path from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeFinding } from './acknowledge';
import { fleetError } from './errors';

/** What differs between the library's handler functions. */
export interface FleetHandlerFunctionProps extends Omit<lambda.FunctionProps, 'code' | 'handler' | 'runtime' | 'role' | 'logGroup' | 'logRetention'> {
  /** The handler: the folder name under `lambda/` (`asg-dns-updater`, `clean-slate`, ...). */
  readonly handler: string;
  /**
   * How long the function's logs are kept.
   *
   * @default one month
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * A fixed name for the function's role, for when another stack (or region) must name it without a reference.
   *
   * @default - a name CloudFormation generates
   */
  readonly roleName?: string;
}

/**
 * Where the pre-bundled handlers are: `dist/handlers/<name>/index.js`, built by `lambda/bundle.mjs` (npm's `prepare`
 * and `prepack`). From the source tree (`lib/`) and from the package (`dist/lib/`) that is the same folder.
 */
export function handlerBundleDir(handler: string): string {
  const candidates = [
    path.join(__dirname, '..', 'handlers', handler), // dist/lib -> dist/handlers
    path.join(__dirname, '..', 'dist', 'handlers', handler), // lib -> dist/handlers
  ];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.js'))) ?? candidates[candidates.length - 1];
}

/**
 * How long CloudFormation waits for a custom resource served by `fn` to answer: the function's timeout and a margin.
 * A function that times out never answers, and CloudFormation's own default is an hour of a stuck stack.
 */
export function customResourceServiceTimeout(fn: lambda.Function, margin: Duration = Duration.minutes(2)): Duration {
  const seconds = (fn.timeout ?? Duration.seconds(3)).toSeconds() + margin.toSeconds();
  return Duration.seconds(Math.min(seconds, 3600));
}

/**
 * One of the library's Lambda functions, from its pre-bundled code: no esbuild, Docker or bundling at synth, the
 * same bytes on every machine. The function gets its own role (logs to its own log group only: no
 * AWSLambdaBasicExecutionRole), a log group kept `logRetention` and removed with the stack, and the latest
 * Node.js runtime cdk-nag knows.
 */
export function fleetHandlerFunction(scope: Construct, id: string, props: FleetHandlerFunctionProps): lambda.Function {
  const { handler, logRetention, roleName, ...functionProps } = props;
  const dir = handlerBundleDir(handler);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    throw fleetError(scope, `the pre-bundled handler '${handler}' is missing (looked in ${dir})`,
      'in a clone of cdk-container-fleet run `npm run build:handlers` (npm ci does it); an installed package always ships it, so reinstall it');
  }
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: logRetention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    roleName,
    description: `${props.description ?? handler} (${scope.node.path}/${id})`.slice(0, 1000),
  });
  logGroup.grantWrite(role);
  const fn = new lambda.Function(scope, id, {
    ...functionProps,
    code: lambda.Code.fromAsset(dir),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    role,
    logGroup,
  });
  // cdk-nag's "latest runtime" follows the consumer's aws-cdk-lib (2.278 knows Node.js 26): the bundle is built for and
  // tested on Node.js 24 (esbuild target node24), and moves to a newer runtime in a release that re-tests it.
  acknowledgeFinding(fn, {
    id: 'AwsSolutions-L1',
    reason: 'the pre-bundled handler is built for and tested on Node.js 24 (a supported Lambda runtime); a newer runtime comes with a release that re-tests the bundle',
  });
  return fn;
}
