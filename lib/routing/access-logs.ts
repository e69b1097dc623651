import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';

/**
 * Where a load balancer writes its access logs: the given bucket, a new one, or nowhere.
 *
 * ELBv2 access logging needs the stack's region (each region has its own log-delivery account in the bucket policy).
 * In an environment-agnostic stack the region is unknown at synth, so logs are skipped with a warning naming the fix
 * instead of aws-cdk-lib's raw "Region is required to enable ELBv2 access logging".
 */
export function accessLogBucketFor(scope: Construct, options: { accessLogs?: boolean; accessLogBucket?: s3.IBucket }): s3.IBucket | undefined {
  if (options.accessLogs === false) return undefined;
  if (Token.isUnresolved(Stack.of(scope).region)) {
    Annotations.of(scope).addWarningV2('@cdk-container-fleet/routing:accessLogsNeedRegion',
      'access logs are off: the stack is environment-agnostic, and ELBv2 access logging needs a concrete region. '
      + "Give the stack env: { account, region } (e.g. region: process.env.CDK_DEFAULT_REGION) to turn them on, or set accessLogs: false to say you do not want them");
    return undefined;
  }
  return options.accessLogBucket ?? createAccessLogBucket(scope);
}

/** How long access logs are kept, and whether the bucket goes with the stack. */
export interface AccessLogBucketOptions {
  /** @default 90 days */
  readonly expiration?: Duration;
  /** Empty and delete the bucket with the stack (QA environments), instead of keeping it. @default false */
  readonly deleteWithStack?: boolean;
}

/** An encrypted, private, TLS-only bucket for load balancer access logs with an expiry. */
export function createAccessLogBucket(scope: Construct, options: AccessLogBucketOptions = {}): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ expiration: options.expiration ?? Duration.days(90) }],
    removalPolicy: options.deleteWithStack ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    autoDeleteObjects: options.deleteWithStack ? true : undefined,
  });
  acknowledgeFinding(bucket, {
    id: 'AwsSolutions-S1',
    reason: 'this bucket receives the load balancer access logs; logging its own access into another bucket adds cost for no audit value',
  });
  return bucket;
}
