import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * The instance role every EC2 host of this library gets: Session Manager (and Run Command) instead of SSH.
 * `purpose` completes the cdk-nag acknowledgement's reason ("…which replace SSH on <purpose>").
 */
export function ssmInstanceRole(scope: Construct, id: string, description: string, purpose: string): iam.Role {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    description,
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
  });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
    reason: `AmazonSSMManagedInstanceCore is the AWS-maintained minimum for Session Manager and Run Command, which replace SSH on ${purpose}`,
  });
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
