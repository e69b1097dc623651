/**
 * Custom resource `Custom::FleetSealedSecret`: writes a sealed secret file's value into its Secrets Manager secret at
 * deploy time. The value reaches AWS only as ciphertext (an S3 asset); this function opens it with KMS Decrypt
 * (RSAES_OAEP_SHA_256, the private key never leaves KMS) and AES-GCM, and writes it. It opens only values sealed for
 * its own environment (the `Environment` property, set by the construct): an envelope sealed for another environment
 * that shares the key is refused before KMS is called, and one relabelled fails authentication. The value is never logged or
 * answered: CloudFormation gets the secret's ARN and the version id.
 *
 * Create and Update are idempotent: an unchanged value writes nothing; a new one becomes version `sha256(envelope)`,
 * so a retried update does not write twice, and a rollback to an earlier envelope moves AWSCURRENT back to the version
 * that holds its value. Delete does nothing: the secret is a resource of the stack and goes with it.
 */
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient, UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { SEALING_ALGORITHM, SEALING_ENVIRONMENT_PATTERN } from '../../lib/secrets/contract';
import { backoffRetryStrategy, log } from '../shared/aws';
import { cloudFormation, respondToCloudFormation } from '../shared/custom-resource';
import { openEnvelope, parseEnvelope, UnreadableEnvelopeError, versionTokenOf } from './open';

/** Test seam: how a custom resource answers CloudFormation. */
export { cloudFormation };

const retryStrategy = backoffRetryStrategy(300);
let s3: S3Client | undefined;
let secrets: SecretsManagerClient | undefined;
const kmsClients = new Map<string, KMSClient>();
const s3Client = () => (s3 ??= new S3Client({ retryStrategy }));
const secretsClient = () => (secrets ??= new SecretsManagerClient({ retryStrategy }));
// KMS keys are regional: Decrypt goes to the key's own region.
const kmsClient = (keyArn: string) => {
  const region = /^arn:[^:]+:kms:([^:]+):/.exec(keyArn)?.[1] ?? '';
  if (!kmsClients.has(region)) kmsClients.set(region, new KMSClient({ retryStrategy, ...(region ? { region } : {}) }));
  return kmsClients.get(region)!;
};

/** The properties the construct sets. */
interface SealedSecretProperties {
  readonly SecretId: string;
  readonly KeyArn: string;
  readonly Bucket: string;
  readonly ObjectKey: string;
  /** The environment this secret belongs to: only values sealed for it are opened. */
  readonly Environment: string;
}

export async function handler(event: any): Promise<{ result: string }> {
  const p: SealedSecretProperties = event.ResourceProperties ?? {};
  const physicalResourceId = p.SecretId ?? event.PhysicalResourceId ?? event.LogicalResourceId;
  if (event.RequestType === 'Delete') {
    await respondToCloudFormation(event, { status: 'SUCCESS', reason: 'the secret is deleted with its stack', physicalResourceId: event.PhysicalResourceId ?? physicalResourceId });
    return { result: 'SUCCESS: nothing to delete' };
  }
  try {
    const { versionId, wrote } = await withIamPropagation(() => writeSealedValue(p));
    const reason = wrote ? `wrote version ${versionId} of ${p.SecretId}` : `${p.SecretId} already holds the sealed value (version ${versionId})`;
    log('INFO', reason);
    await respondToCloudFormation(event, { status: 'SUCCESS', reason, physicalResourceId, data: { SecretArn: p.SecretId, VersionId: versionId } });
    return { result: `SUCCESS: ${reason}` };
  } catch (error) {
    const reason = `could not write the sealed value into ${p.SecretId}: ${explain(error as Error, p)}`;
    log('ERROR', reason);
    await respondToCloudFormation(event, { status: 'FAILED', reason, physicalResourceId });
    return { result: `FAILED: ${reason}` };
  }
}

async function writeSealedValue(p: SealedSecretProperties): Promise<{ versionId: string; wrote: boolean }> {
  if (typeof p.Environment !== 'string' || !SEALING_ENVIRONMENT_PATTERN.test(p.Environment)) {
    // A template from before environments were bound: opening without one would accept any environment's value.
    throw new UnreadableEnvelopeError(`the custom resource names no valid Environment (${JSON.stringify(p.Environment)})`,
      'synthesize the stack with this version of cdk-container-fleet, which sets it');
  }
  const object = await s3Client().send(new GetObjectCommand({ Bucket: p.Bucket, Key: p.ObjectKey }));
  const bytes = await object.Body!.transformToByteArray();
  const envelope = parseEnvelope(bytes);
  const value = await openEnvelope(envelope, p.Environment, async (wrapped) => {
    const out = await kmsClient(p.KeyArn).send(new DecryptCommand({ KeyId: p.KeyArn, CiphertextBlob: wrapped, EncryptionAlgorithm: SEALING_ALGORITHM }));
    return out.Plaintext!;
  });

  const current = await currentValue(p.SecretId);
  if (current?.SecretString === value && current.VersionId) return { versionId: current.VersionId, wrote: false };

  const token = versionTokenOf(bytes);
  const described = await secretsClient().send(new DescribeSecretCommand({ SecretId: p.SecretId }));
  if (described.VersionIdsToStages?.[token]) {
    // An earlier deployment wrote this very envelope (a rollback, or the file changed back): make it current again.
    await secretsClient().send(new UpdateSecretVersionStageCommand({
      SecretId: p.SecretId, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current?.VersionId,
    }));
  } else {
    const put = await secretsClient().send(new PutSecretValueCommand({ SecretId: p.SecretId, ClientRequestToken: token, SecretString: value }));
    // A put whose token names an existing version (one no longer labelled, so DescribeSecret did not list it) "succeeds
    // but does nothing" (PutSecretValue API reference): the response's stages say so, and AWSCURRENT is moved explicitly.
    if (!put.VersionStages?.includes('AWSCURRENT')) {
      await secretsClient().send(new UpdateSecretVersionStageCommand({
        SecretId: p.SecretId, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current?.VersionId,
      }));
    }
  }
  return { versionId: token, wrote: true };
}

/** Test seam: how long to wait before retrying an AccessDenied. */
export const timing = { accessDeniedRetryMs: 10_000 };

/**
 * On the first deployment the role's policy was attached seconds ago, and IAM changes take a few seconds to apply
 * everywhere ("eventually consistent", IAM User Guide): an AccessDenied is retried for about 30 seconds before it is
 * taken as final (a key policy that does not delegate to IAM, say).
 */
async function withIamPropagation<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!/AccessDenied/.test((error as Error).name) || tries >= 4) throw error;
      log('WARN', `access denied (attempt ${tries} of 4), retrying in case the role's policy is still propagating: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, timing.accessDeniedRetryMs));
    }
  }
}

async function currentValue(secretId: string): Promise<{ SecretString?: string; VersionId?: string } | undefined> {
  try {
    return await secretsClient().send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
  } catch (error) {
    // A secret created without a value has no AWSCURRENT version yet.
    if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** The failure, with what to do about it. */
function explain(error: Error, p: SealedSecretProperties): string {
  if (error instanceof UnreadableEnvelopeError) return `${error.message}; ${error.fix}`;
  switch (error.name) {
    case 'InvalidCiphertextException':
    case 'IncorrectKeyException':
      return `KMS key ${p.KeyArn} cannot open the sealed data key (${error.name}): the file was sealed with another key's public key; `
        + 'check that sealing publicKey is the public key of this key, then seal again';
    case 'InvalidKeyUsageException':
      return `KMS key ${p.KeyArn} is not an ENCRYPT_DECRYPT RSA key (${error.message})`;
    case 'AccessDeniedException':
      return `${error.message}: the key policy of ${p.KeyArn} must let IAM policies grant kms:Decrypt (the default key policy does), and the secret must be this stack's`;
    case 'DisabledException':
    case 'KMSInvalidStateException':
      return `KMS key ${p.KeyArn} is disabled or pending deletion (${error.message})`;
    default:
      return `${error.name}: ${error.message}`;
  }
}
