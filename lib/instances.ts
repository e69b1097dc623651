import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeFinding } from './acknowledge';
import { fleetError } from './errors';
import { nagResourceName } from './nag';

/** Options of {@link ssmInstanceRole}. */
export interface SsmInstanceRoleOptions {
  /**
   * The environment's own SSM parameter prefix (e.g. `/cdk-container-fleet/swarm/prod`): the hosts may read
   * (`ssm:GetParameter`, `ssm:GetParameters`, `ssm:GetParametersByPath`) the parameters under it, and no others.
   *
   * @default - no parameter reads at all (a host of one environment never reads another environment's parameters)
   */
  readonly parameterPrefix?: string;
}

/**
 * What SSM Agent itself calls, and nothing else: registration and heartbeat (`ssm:UpdateInstanceInformation`),
 * Session Manager channels and Run Command delivery through the Message Gateway Service (`ssmmessages:*Channel`),
 * Run Command delivery through the Message Delivery Service for agents that cannot use the gateway
 * (`ec2messages:*`), and the agent's poll for State Manager associations that target the instance itself
 * (`ssm:ListInstanceAssociations`). Sources: Systems Manager User Guide, "Reference: ec2messages, ssmmessages, and
 * other API operations" and "Create a custom IAM instance profile for Session Manager"; the AWS managed policy
 * AWSCloud9SSMInstanceProfile grants exactly the Session Manager part.
 *
 * Unlike AmazonSSMManagedInstanceCore this grants no `ssm:GetParameter(s)` on `*` (one environment's host reading
 * every other environment's parameters), no `ssm:GetDocument`/`ssm:PutInventory`/`ssm:PutComplianceItems`
 * (Inventory, Patch Manager and Distributor, which this library does not use).
 */
export const SSM_AGENT_ACTIONS = [
  'ssm:UpdateInstanceInformation',
  'ssm:ListInstanceAssociations',
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
  'ec2messages:AcknowledgeMessage',
  'ec2messages:DeleteMessage',
  'ec2messages:FailMessage',
  'ec2messages:GetEndpoint',
  'ec2messages:GetMessages',
  'ec2messages:SendReply',
] as const;

/**
 * The instance role every EC2 host of this library gets: Session Manager (and Run Command) instead of SSH, through a
 * minimal inline SSM Agent policy ({@link SSM_AGENT_ACTIONS}), plus reads of the environment's own parameters when
 * `options.parameterPrefix` is given. `purpose` completes the cdk-nag acknowledgement's reason.
 */
export function ssmInstanceRole(scope: Construct, id: string, description: string, purpose: string, options: SsmInstanceRoleOptions = {}): iam.Role {
  const statements = [new iam.PolicyStatement({ sid: 'SsmAgent', actions: [...SSM_AGENT_ACTIONS], resources: ['*'] })];
  const prefix = options.parameterPrefix;
  let below: string | undefined;
  if (prefix !== undefined) {
    if (!Token.isUnresolved(prefix) && !/^\/[A-Za-z0-9_.\-/]*[A-Za-z0-9_.-]$/.test(prefix)) {
      throw fleetError(scope, `parameterPrefix '${prefix}' is not an SSM parameter path`, "start it with '/' and use letters, digits, '_', '.', '-' and '/', without a trailing '/' (e.g. '/my-app/prod')");
    }
    const path = Token.isUnresolved(prefix) ? prefix : prefix.slice(1);
    below = Stack.of(scope).formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${path}/*` });
    statements.push(new iam.PolicyStatement({
      sid: 'OwnParameters',
      actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
      // The path itself (GetParametersByPath is authorized on it) and everything below it.
      resources: [
        Stack.of(scope).formatArn({ service: 'ssm', resource: 'parameter', resourceName: path }),
        below,
      ],
    }));
  }
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    description,
    inlinePolicies: { SsmAgent: new iam.PolicyDocument({ statements }) },
  });
  acknowledgeFinding(role, {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: `SSM Agent's own calls, for Session Manager and Run Command instead of SSH on ${purpose}: the ssmmessages and ec2messages actions support no resource-level permissions; UpdateInstanceInformation and ListInstanceAssociations could at most name instance/* (the instance ids are unknown at synth), and each reports or lists for the calling instance only`,
  });
  if (below !== undefined) {
    acknowledgeFinding(role, {
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(role, below)}]`,
      reason: `reads only the parameters under the environment's own prefix, which the environment writes for ${purpose}`,
    });
  }
  return role;
}

/** What differs between the library's launch templates. */
export interface HardenedLaunchTemplateOptions {
  readonly machineImage: ec2.IMachineImage;
  readonly instanceType: ec2.InstanceType;
  readonly userData: ec2.UserData;
  readonly role: iam.IRole;
  readonly securityGroups: ec2.ISecurityGroup[];
  readonly rootVolumeSizeGiB: number;
  /** Serve the instance's tags from instance metadata. @default false */
  readonly instanceMetadataTags?: boolean;
  /** Give the instance a public IPv4 address (only for VPCs without NAT). @default - the subnet's setting */
  readonly associatePublicIpAddress?: boolean;
}

/**
 * A launch template with the library's security defaults: IMDSv2 required with hop limit 1 (containers cannot reach
 * the instance's credentials; tasks use their own roles) and an encrypted gp3 root volume deleted with the instance.
 */
export function hardenedLaunchTemplate(scope: Construct, id: string, options: HardenedLaunchTemplateOptions): ec2.LaunchTemplate {
  const template = new ec2.LaunchTemplate(scope, id, {
    machineImage: options.machineImage,
    instanceType: options.instanceType,
    userData: options.userData,
    role: options.role,
    securityGroup: options.securityGroups[0],
    requireImdsv2: true,
    httpPutResponseHopLimit: 1,
    instanceMetadataTags: options.instanceMetadataTags,
    associatePublicIpAddress: options.associatePublicIpAddress,
    blockDevices: [{
      deviceName: '/dev/xvda',
      volume: ec2.BlockDeviceVolume.ebs(options.rootVolumeSizeGiB, { volumeType: ec2.EbsDeviceVolumeType.GP3, encrypted: true, deleteOnTermination: true }),
    }],
  });
  for (const sg of options.securityGroups.slice(1)) template.addSecurityGroup(sg);
  return template;
}
