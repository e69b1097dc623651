import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { fleetError } from '../errors';
import { environmentNameProblem, imageReferenceProblem, withLowerCaseName } from './image-reference';

/**
 * Throws when Docker would refuse the image reference at task start (ECS registers it as given): an upper-case
 * repository, an empty tag, a malformed digest. Tokens (an ECR URI built from a stack's account) are not judged.
 */
export function checkImageReference(scope: Construct, image: string): void {
  if (Token.isUnresolved(image)) return;
  const problem = imageReferenceProblem(image);
  if (!problem) return;
  const lower = withLowerCaseName(image);
  const fix = lower !== image && imageReferenceProblem(lower) === undefined
    ? `write the repository in lower case: '${lower}'`
    : "write it as [registry[:port]/]repository[:tag][@digest], e.g. 'nginx:1.27' or '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.0'";
  throw fleetError(scope, `image '${image}' is not a reference Docker accepts: ${problem}; ECS would register it and every task would fail to start`, fix);
}

/** Throws when a variable name of `environment` or `secrets` is empty or holds '=' or NUL, which Docker cannot pass. */
export function checkEnvironmentNames(scope: Construct, what: string, variables: Record<string, unknown> | undefined): void {
  for (const name of Object.keys(variables ?? {})) {
    const problem = Token.isUnresolved(name) ? undefined : environmentNameProblem(name);
    if (problem) throw fleetError(scope, `${what}: the variable name ${JSON.stringify(name)} ${problem}`, 'name each variable with letters, digits and _ (such as LOG_LEVEL)');
  }
}
