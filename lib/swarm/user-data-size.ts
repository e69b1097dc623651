/**
 * How long user data can be once CloudFormation has filled in its deploy-time values: EC2 limits user data to 16 KB
 * "in raw form, before it is base64-encoded", and it judges the text the launch template receives, not the string at
 * synth, where a reference is a short `${Token[…]}` placeholder. Pure: no CDK imports; the caller resolves the value
 * (`Stack.resolve`) and says what type each referenced resource is.
 */

/** EC2's user data limit in bytes (raw, before base64). */
export const USER_DATA_LIMIT_BYTES = 16384;

/** Longest values of the pseudo parameters (region names such as `ap-southeast-2`, partitions such as `aws-us-gov`). */
const PSEUDO_PARAMETERS: Readonly<Record<string, number>> = {
  'AWS::Region': 20,
  'AWS::AccountId': 12,
  'AWS::Partition': 16,
  'AWS::URLSuffix': 20,
  'AWS::StackName': 128,
  // arn:<partition>:cloudformation:<region>:<account>:stack/<name ≤ 128>/<uuid>
  'AWS::StackId': 256,
  'AWS::NoValue': 0,
};

/** ARN of a resource in a region and account: `arn:<partition ≤ 16>:<service>:<region ≤ 20>:<account 12>:` + the rest. */
const arn = (service: string, rest: number) => 4 + 16 + 1 + service.length + 1 + 20 + 1 + 12 + 1 + rest;

/** Longest values of the references user data usually holds, by `<resource type>.<Ref | attribute>`. */
const REFERENCES: Readonly<Record<string, number>> = {
  'AWS::KMS::Key.Ref': 36,
  'AWS::KMS::Key.KeyId': 36,
  'AWS::KMS::Key.Arn': arn('kms', 'key/'.length + 36),
  'AWS::EC2::SecurityGroup.Ref': 20,
  'AWS::EC2::SecurityGroup.GroupId': 20,
  'AWS::EC2::VPC.Ref': 21,
  'AWS::EC2::VPC.CidrBlock': 18,
  'AWS::S3::Bucket.Ref': 63,
  'AWS::S3::Bucket.Arn': 4 + 16 + ':s3:::'.length + 63,
  'AWS::SSM::Parameter.Ref': 2048,
  'AWS::SecretsManager::Secret.Ref': arn('secretsmanager', 'secret:'.length + 512 + 7),
  'AWS::SQS::Queue.QueueName': 80,
  'AWS::SQS::Queue.Arn': arn('sqs', 80),
  'AWS::SNS::Topic.TopicName': 256,
  'AWS::SNS::Topic.Ref': arn('sns', 256),
  'AWS::ECR::Repository.Ref': 256,
  'AWS::Logs::LogGroup.Ref': 512,
  'AWS::IAM::Role.Ref': 64,
  'AWS::IAM::Role.Arn': 4 + 16 + ':iam::'.length + 12 + ':role'.length + 512 + 64,
  'AWS::ECS::Cluster.Ref': 255,
  'AWS::AutoScaling::AutoScalingGroup.Ref': 255,
};

/** What to assume for a reference none of the tables knows: long enough for any ARN. */
export const UNKNOWN_REFERENCE_BYTES = 2048;

/** An upper bound on the resolved size of user data. */
export interface UserDataSizeBound {
  /** At most this many bytes once every deploy-time value is filled in. */
  readonly bytes: number;
  /** Bytes that are literal text (known exactly). */
  readonly literalBytes: number;
  /** Deploy-time parts whose length is not known, each counted as {@link UNKNOWN_REFERENCE_BYTES}. */
  readonly unknownParts: string[];
}

/**
 * An upper bound on the size of a resolved CloudFormation string expression: literal text exactly, pseudo parameters
 * and known references by their longest value, anything else as {@link UNKNOWN_REFERENCE_BYTES}.
 *
 * @param typeOf the resource type of a logical id of the same template, or undefined (a parameter, another stack)
 */
export function userDataSizeBound(expr: unknown, typeOf: (logicalId: string) => string | undefined): UserDataSizeBound {
  const unknownParts: string[] = [];
  let literalBytes = 0;
  const walk = (e: unknown): number => {
    if (typeof e === 'string') {
      const n = Buffer.byteLength(e);
      literalBytes += n;
      return n;
    }
    if (typeof e === 'number' || typeof e === 'boolean') return walk(String(e));
    if (e && typeof e === 'object' && !Array.isArray(e)) {
      const o = e as Record<string, any>;
      if (Array.isArray(o['Fn::Join']) && Array.isArray(o['Fn::Join'][1])) {
        const [separator, parts] = o['Fn::Join'] as [string, unknown[]];
        return parts.reduce<number>((sum, p) => sum + walk(p), 0) + Math.max(parts.length - 1, 0) * walk(String(separator ?? ''));
      }
      if (typeof o.Ref === 'string') return reference(o.Ref, 'Ref', o.Ref in PSEUDO_PARAMETERS ? PSEUDO_PARAMETERS[o.Ref] : undefined);
      if (Array.isArray(o['Fn::GetAtt'])) {
        const [id, attribute] = o['Fn::GetAtt'] as [string, string];
        return reference(id, attribute);
      }
    }
    unknownParts.push(JSON.stringify(e));
    return UNKNOWN_REFERENCE_BYTES;
  };
  const reference = (id: string, attribute: string, pseudo?: number): number => {
    if (pseudo !== undefined) return pseudo;
    const known = REFERENCES[`${typeOf(id)}.${attribute}`];
    if (known !== undefined) return known;
    unknownParts.push(attribute === 'Ref' ? `Ref ${id}` : `${id}.${attribute}`);
    return UNKNOWN_REFERENCE_BYTES;
  };
  const bytes = walk(expr);
  return { bytes, literalBytes, unknownParts };
}
