/**
 * Pieces shared by {@link SwarmCluster} and {@link SwarmNodeGroup}: instance role, launch template, group tags and
 * cdk-nag acknowledgements. Not part of the public API (lib/swarm/index.ts does not export this file).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Annotations, CfnResource, Stack, Tags, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';
import { fleetError } from '../errors';
import { hardenedLaunchTemplate, ssmInstanceRole } from '../instances';
import { nagResourceName } from '../nag';
import { tagValueProblem } from './labels';
import { SWARM_ROLE_TAG, SWARM_TAG, SwarmRegistryOptions } from './contract';
import { UNKNOWN_REFERENCE_BYTES, USER_DATA_LIMIT_BYTES, userDataSizeBound } from './user-data-size';

const SCRIPTS = path.join(__dirname, 'scripts');

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for one wildcard resource, named as cdk-nag names it: the
 * resolved ARN with references rendered as `<LogicalId>` / `<AWS::Region>`.
 */
export function acknowledgeWildcard(scope: IConstruct, resource: string, reason: string): void {
  acknowledgeFinding(scope, { id: `AwsSolutions-IAM5[Resource::${nagResourceName(scope, resource)}]`, reason });
}

/** Reads a boot script from lib/swarm/scripts at synth time. */
export function readScript(name: string): string {
  return fs.readFileSync(path.join(SCRIPTS, name), 'utf8');
}

/** The instance role of swarm nodes: Session Manager instead of SSH. */
export function nodeRole(scope: Construct, id: string, description: string): iam.Role {
  return ssmInstanceRole(scope, id, description, 'swarm nodes');
}

/** Launch template of swarm nodes: Amazon Linux 2023, IMDSv2 required, instance tags in metadata, encrypted gp3. */
export function swarmLaunchTemplate(scope: Construct, id: string, options: {
  instanceType: ec2.InstanceType;
  role: iam.IRole;
  securityGroups: ec2.ISecurityGroup[];
  rootVolumeSizeGiB: number;
  userData: string;
}): ec2.LaunchTemplate {
  if (!Token.isUnresolved(options.rootVolumeSizeGiB) && (!Number.isInteger(options.rootVolumeSizeGiB) || options.rootVolumeSizeGiB < 8)) {
    throw fleetError(scope, `rootVolumeSizeGiB ${options.rootVolumeSizeGiB} is not valid`, 'use a whole number of GiB, 8 or more (the Amazon Linux 2023 snapshot size)');
  }
  checkUserDataSize(scope, options.userData);
  return hardenedLaunchTemplate(scope, id, {
    // Resolved from the public SSM parameter at deploy time: no context lookup at synth.
    machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    instanceType: options.instanceType,
    userData: ec2.UserData.custom(options.userData),
    role: options.role,
    securityGroups: options.securityGroups,
    rootVolumeSizeGiB: options.rootVolumeSizeGiB,
    // The boot script reads the docker.* and exported tags from instance metadata.
    instanceMetadataTags: true,
  });
}

/**
 * EC2's 16 KB limit applies to the user data the launch template receives, with every deploy-time value filled in,
 * not to the synth-time string, where a reference is a short placeholder: judged on an upper bound of the resolved
 * text. Over the limit with known parts alone is an error; over it only because of parts of unknown length, a warning.
 */
function checkUserDataSize(scope: Construct, userData: string): void {
  const stack = Stack.of(scope);
  const typeOf = (logicalId: string) => (stack.node.findAll()
    .find((c) => CfnResource.isCfnResource(c) && stack.resolve(c.logicalId) === logicalId) as CfnResource | undefined)?.cfnResourceType;
  const bound = userDataSizeBound(stack.resolve(userData), typeOf);
  const unknownBytes = bound.unknownParts.length * UNKNOWN_REFERENCE_BYTES;
  if (bound.bytes - unknownBytes > USER_DATA_LIMIT_BYTES) {
    throw fleetError(scope, `the generated user data may be ${bound.bytes - unknownBytes} bytes once CloudFormation fills in its references (${bound.literalBytes} bytes of text), over EC2's limit of ${USER_DATA_LIMIT_BYTES} bytes`,
      'keep it under 16 KB: fewer or shorter settings, or boot scripts fetched at boot instead of embedded');
  }
  if (bound.bytes > USER_DATA_LIMIT_BYTES) {
    Annotations.of(scope).addWarning(`the generated user data may exceed EC2's limit of ${USER_DATA_LIMIT_BYTES} bytes once CloudFormation fills in ${bound.unknownParts.join(', ')} (length unknown at synth; ${bound.literalBytes} bytes of text)`);
  }
}

/** Tags a group (propagated to its instances): swarm membership plus one `docker.<label>` tag per label. */
export function tagGroup(group: autoscaling.AutoScalingGroup, swarmName: string, nodeRole: 'manager' | 'worker', labels: Record<string, string>, extraTags: Record<string, string> = {}): void {
  const tags = Tags.of(group);
  tags.add(SWARM_TAG, swarmName, { applyToLaunchedInstances: true });
  tags.add(SWARM_ROLE_TAG, nodeRole, { applyToLaunchedInstances: true });
  for (const [name, value] of Object.entries(labels)) tags.add(`docker.${name}`, value, { applyToLaunchedInstances: true });
  for (const [key, value] of Object.entries(extraTags)) tags.add(key, value, { applyToLaunchedInstances: true });
}

/** */
export function acknowledgeGroupNotifications(group: autoscaling.AutoScalingGroup): void {
  acknowledgeFinding(group, {
    id: 'AwsSolutions-AS3',
    reason: 'scaling events already reach EventBridge, where the swarm node drainer acts on them; SNS notifications would only duplicate them',
  });
}

/** */
export function warnInsecureRegistries(scope: Construct, registry: SwarmRegistryOptions): void {
  if ((registry.insecureRegistries ?? []).length > 0) {
    Annotations.of(scope).addWarningV2('@cdk-container-fleet/swarm:insecureRegistry',
      `insecure registries ${registry.insecureRegistries!.join(', ')}: image pulls from them are neither encrypted nor verified`);
  }
}

/** Problems with tags a user sets on a group. */
export function tagProblems(tags: Record<string, string>): string[] {
  return Object.entries(tags).flatMap(([k, v]) => {
    if (k.startsWith('docker.')) return [`tag '${k}' starts with 'docker.': set engine labels with role, environment and labels instead`];
    if (k.toLowerCase().startsWith('aws:') || k.startsWith('swarm:')) return [`tag key '${k}' is reserved`];
    const problem = tagValueProblem(k, v);
    return problem ? [problem] : [];
  });
}
