/**
 * Which property changes make CloudFormation replace a resource (create the new one, switch references, delete the
 * old one at cleanup), for the resource types this library creates.
 *
 * Source: the AWS CloudFormation User Guide, resource and property reference, "Update requires: Replacement" on each
 * property (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-<service>-<type>.html). Entries marked
 * in {@link UNSURE} are read from older versions of those pages and may have become updatable since; the check
 * reports them as replacements, the safe side.
 */

/** Properties whose change replaces the resource; `*` means every property except those in {@link UPDATABLE_EXCEPTIONS}. */
export const REPLACED_ON_CHANGE: Readonly<Record<string, readonly string[]>> = {
  'AWS::ElasticLoadBalancingV2::LoadBalancer': ['Name', 'Scheme', 'Type'],
  'AWS::ElasticLoadBalancingV2::Listener': ['LoadBalancerArn'],
  'AWS::ElasticLoadBalancingV2::ListenerRule': ['ListenerArn'],
  'AWS::ElasticLoadBalancingV2::TargetGroup': ['Name', 'Port', 'Protocol', 'ProtocolVersion', 'TargetType', 'VpcId', 'IpAddressType'],
  'AWS::ECS::Cluster': ['ClusterName'],
  'AWS::ECS::Service': ['Cluster', 'LaunchType', 'Role', 'SchedulingStrategy', 'ServiceName'],
  // Every change is a new task definition revision: harmless, the service rolls to it.
  'AWS::ECS::TaskDefinition': ['*'],
  'AWS::ECS::CapacityProvider': ['AutoScalingGroupProvider.AutoScalingGroupArn', 'Name'],
  'AWS::AutoScaling::AutoScalingGroup': ['AutoScalingGroupName', 'InstanceId'],
  'AWS::AutoScaling::LifecycleHook': ['AutoScalingGroupName', 'LifecycleHookName'],
  'AWS::EC2::LaunchTemplate': ['LaunchTemplateName'],
  'AWS::EC2::SecurityGroup': ['GroupDescription', 'GroupName', 'VpcId'],
  'AWS::EC2::SecurityGroupIngress': ['CidrIp', 'CidrIpv6', 'FromPort', 'GroupId', 'GroupName', 'IpProtocol', 'SourcePrefixListId', 'SourceSecurityGroupId', 'SourceSecurityGroupName', 'SourceSecurityGroupOwnerId', 'ToPort'],
  'AWS::EC2::SecurityGroupEgress': ['CidrIp', 'CidrIpv6', 'DestinationPrefixListId', 'DestinationSecurityGroupId', 'FromPort', 'GroupId', 'IpProtocol', 'ToPort'],
  'AWS::EC2::VPC': ['CidrBlock', 'Ipv4IpamPoolId', 'Ipv4NetmaskLength'],
  'AWS::EC2::Subnet': ['AvailabilityZone', 'AvailabilityZoneId', 'CidrBlock', 'VpcId'],
  'AWS::EC2::NatGateway': ['AllocationId', 'ConnectivityType', 'SubnetId'],
  'AWS::EC2::FlowLog': ['*'],
  'AWS::S3::Bucket': ['BucketName', 'ObjectLockEnabled'],
  'AWS::Logs::LogGroup': ['LogGroupClass', 'LogGroupName'],
  'AWS::IAM::Role': ['Path', 'RoleName'],
  'AWS::Lambda::Function': ['FunctionName', 'PackageType'],
  'AWS::Route53::RecordSet': ['HostedZoneId', 'HostedZoneName', 'Name'],
  'AWS::Route53::HealthCheck': ['HealthCheckConfig.Type', 'HealthCheckConfig.RequestInterval', 'HealthCheckConfig.MeasureLatency'],
  'AWS::SSM::Parameter': ['Name'],
  'AWS::KMS::Key': ['KeySpec'],
  'AWS::Events::Rule': ['Name'],
  'AWS::Scheduler::Schedule': ['Name'],
  'AWS::StepFunctions::StateMachine': ['StateMachineName', 'StateMachineType'],
};

/** Updatable properties of types listed with `*`. */
export const UPDATABLE_EXCEPTIONS: Readonly<Record<string, readonly string[]>> = {
  'AWS::ECS::TaskDefinition': ['Tags'],
  'AWS::EC2::FlowLog': ['Tags'],
};

/** Entries to re-check against the current CloudFormation reference. */
export const UNSURE: readonly string[] = ['AWS::ECS::Service', 'AWS::Route53::HealthCheck', 'AWS::EC2::SecurityGroupIngress'];

/**
 * Types whose replacement loses data or interrupts traffic: a bucket or log group (data), a load balancer, listener,
 * security group or rule (ingress, a new DNS name or a gap), a DNS record (a Route 53 name can exist once: creating the
 * new one fails while the old one exists), a VPC or subnet (everything in it), the cluster, its capacity, keys and
 * parameters (secrets).
 */
export const STATEFUL_OR_INGRESS: ReadonlySet<string> = new Set([
  'AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::KMS::Key', 'AWS::SSM::Parameter',
  'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupIngress', 'AWS::Route53::RecordSet', 'AWS::Route53::HealthCheck',
  'AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::NatGateway', 'AWS::ECS::Cluster', 'AWS::ECS::CapacityProvider',
  'AWS::AutoScaling::AutoScalingGroup', 'AWS::ECS::Service', 'AWS::ElasticLoadBalancingV2::TargetGroup',
]);

/** The properties (dotted paths) whose change between `before` and `after` replaces a resource of `type`. */
export function replacingChanges(type: string, before: Record<string, unknown> = {}, after: Record<string, unknown> = {}): string[] {
  const rules = REPLACED_ON_CHANGE[type];
  if (!rules) return [];
  const changed = changedPaths(before, after);
  if (rules.includes('*')) {
    const exceptions = UPDATABLE_EXCEPTIONS[type] ?? [];
    return changed.filter((p) => !exceptions.includes(p.split('.')[0]));
  }
  return changed.filter((p) => rules.some((r) => p === r || p.startsWith(`${r}.`) || r.startsWith(`${p}.`)));
}

/** Dotted paths that differ: top-level keys, and one level further for objects (e.g. `HealthCheckConfig.Type`). */
export function changedPaths(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const [a, b] = [before[key], after[key]];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (isPlainObject(a) && isPlainObject(b)) {
      for (const sub of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (JSON.stringify(a[sub]) !== JSON.stringify(b[sub])) out.push(`${key}.${sub}`);
      }
    } else {
      out.push(key);
    }
  }
  return out.sort();
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.keys(v).some((k) => k.startsWith('Fn::') || k === 'Ref');
}
