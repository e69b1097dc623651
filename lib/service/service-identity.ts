import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { fleetError } from '../errors';

/**
 * A fixed ECS service name, and environment files from S3: what a service is called and what it reads at start.
 */

/** ECS service names: 1 to 255 letters, digits, hyphens and underscores (CreateService, serviceName). */
const SERVICE_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Why ECS would refuse `name` as a service name, or undefined when it accepts it. */
export function serviceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 255) return `is ${name.length} characters long, more than the 255 ECS allows`;
  if (!SERVICE_NAME.test(name)) return 'holds characters other than letters, digits, hyphens and underscores';
  return undefined;
}

/**
 * Throws when ECS would refuse the name, and warns that a fixed name blocks replacement: CloudFormation creates the
 * new service before it deletes the old one, and two services of one cluster cannot share a name, so a change that
 * replaces the service (its name, its load balancers, its launch type or scheduling) fails until the name changes too.
 */
export function checkServiceName(scope: Construct, name: string | undefined): void {
  if (name === undefined || Token.isUnresolved(name)) return;
  const problem = serviceNameProblem(name);
  if (problem) throw fleetError(scope, `serviceName '${name}' ${problem}`, 'use up to 255 letters, digits, hyphens and underscores, or leave serviceName out');
  Annotations.of(scope).addWarningV2('@cdk-container-fleet/service:fixedServiceName',
    `serviceName '${name}' is fixed: CloudFormation cannot replace a resource with a custom name, so an update that replaces the service `
    + '(changing load balancers, placement DAEMON, the name itself) fails unless the name changes with it; leave serviceName out unless something outside the stack needs the name');
}

/**
 * Lets the task's execution role read exactly the environment files of `container` (the ECS agent fetches them
 * before the container starts): `s3:GetObject` on each object and `s3:GetBucketLocation` on its bucket.
 * aws-cdk-lib grants nothing for environment files. A bucket encrypted with a customer managed KMS key also needs
 * `kms:Decrypt` for the execution role, granted on the key by whoever owns it.
 */
export function grantEnvironmentFiles(container: ecs.ContainerDefinition, taskDefinition: ecs.TaskDefinition): void {
  const files = container.environmentFiles ?? [];
  if (!files.length) return;
  const partition = Stack.of(container).partition;
  const objects = files.map((f) => `arn:${partition}:s3:::${f.s3Location!.bucketName}/${f.s3Location!.objectKey}`);
  const buckets = [...new Set(files.map((f) => `arn:${partition}:s3:::${f.s3Location!.bucketName}`))];
  const role = taskDefinition.obtainExecutionRole();
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: buckets }));
}
