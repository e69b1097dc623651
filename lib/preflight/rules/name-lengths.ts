import { acknowledgeHint, finding, PreflightFinding, IPreflightRule } from '../rule';
import { printable, TemplateSet } from '../template-set';

const ID = 'Preflight-NameLength';

/** A name property and the longest value its service accepts. */
export interface NameLimit {
  /** The CloudFormation resource type. */
  readonly type: string;
  /** The property that holds the name. */
  readonly property: string;
  /** The most characters the service accepts. */
  readonly max: number;
}

/**
 * Name length limits of the services' APIs (ECS names are checked by `Preflight-EcsNames`). CloudFormation's schemas
 * do not state all of them, and none can judge a name built from parts at deploy time.
 *
 * TypeScript only; from other languages use `PreflightRules.NAME_LIMITS`.
 *
 * @jsii ignore
 */
export const NAME_LIMITS: readonly NameLimit[] = [
  { type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', property: 'Name', max: 32 },
  { type: 'AWS::ElasticLoadBalancingV2::TargetGroup', property: 'Name', max: 32 },
  { type: 'AWS::Lambda::Function', property: 'FunctionName', max: 64 },
  { type: 'AWS::IAM::Role', property: 'RoleName', max: 64 },
  { type: 'AWS::IAM::User', property: 'UserName', max: 64 },
  { type: 'AWS::IAM::Group', property: 'GroupName', max: 128 },
  { type: 'AWS::IAM::Policy', property: 'PolicyName', max: 128 },
  { type: 'AWS::IAM::ManagedPolicy', property: 'ManagedPolicyName', max: 128 },
  { type: 'AWS::IAM::InstanceProfile', property: 'InstanceProfileName', max: 128 },
  { type: 'AWS::SQS::Queue', property: 'QueueName', max: 80 },
  { type: 'AWS::SNS::Topic', property: 'TopicName', max: 256 },
  { type: 'AWS::Logs::LogGroup', property: 'LogGroupName', max: 512 },
  { type: 'AWS::StepFunctions::StateMachine', property: 'StateMachineName', max: 80 },
  { type: 'AWS::Scheduler::Schedule', property: 'Name', max: 64 },
  { type: 'AWS::Scheduler::ScheduleGroup', property: 'Name', max: 64 },
  { type: 'AWS::Events::Rule', property: 'Name', max: 64 },
  { type: 'AWS::SSM::Parameter', property: 'Name', max: 1011 },
  { type: 'AWS::SSM::Document', property: 'Name', max: 128 },
  { type: 'AWS::S3::Bucket', property: 'BucketName', max: 63 },
  { type: 'AWS::DynamoDB::Table', property: 'TableName', max: 255 },
  { type: 'AWS::AutoScaling::AutoScalingGroup', property: 'AutoScalingGroupName', max: 255 },
  { type: 'AWS::EC2::LaunchTemplate', property: 'LaunchTemplateName', max: 128 },
  { type: 'AWS::KMS::Alias', property: 'AliasName', max: 256 },
  { type: 'AWS::SecretsManager::Secret', property: 'Name', max: 512 },
  { type: 'AWS::CloudWatch::Alarm', property: 'AlarmName', max: 255 },
  { type: 'AWS::ECR::Repository', property: 'RepositoryName', max: 256 },
];

/**
 * Explicit resource names longer than the service accepts, where the template gives the name or enough of it
 * (`AWS::AccountId` counts 12, an unknown `AWS::Region` at least 9): the resource fails to create.
 */
export const NAME_LENGTH: IPreflightRule = {
  id: ID,
  summary: 'explicit resource names (given, or computable from the template) longer than the service accepts',
  check(templates: TemplateSet): PreflightFinding[] {
    const findings: PreflightFinding[] = [];
    for (const { type, property, max } of NAME_LIMITS) {
      for (const ref of templates.resourcesOfType(type)) {
        const expr = ref.resource.Properties?.[property];
        if (expr === undefined) continue;
        const bound = templates.lengthBound(ref.template, expr);
        if (!bound || bound.min <= max) continue;
        const rendered = printable(String(templates.render(ref.template, expr)));
        findings.push(finding(ID, ref, `Properties.${property}`,
          `${property} "${rendered}" has ${bound.exact ? '' : 'at least '}${bound.min} characters; ${type} names may have at most ${max}`,
          `Shorten the name to ${max} characters or fewer, or leave ${property} out so CloudFormation generates a name that fits. ${acknowledgeHint(ID)}`));
      }
    }
    return findings;
  },
};
