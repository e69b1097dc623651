import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Annotations, CustomResource, Duration, RemovalPolicy, Stack, Stage, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';
import { FleetConfigurationError, fleetError } from '../errors';
import { displayPath, readFileIfExists } from '../files';
import { customResourceServiceTimeout, fleetHandlerFunction } from '../handler-function';
import { SEALING_ALGORITHM, SEALING_ENVIRONMENT_PATTERN } from './contract';
import { parseSealingPublicKey, resolveSeal, SealError, SealingPublicKey, SealOutcome } from './seal';

/**
 * The asymmetric KMS key that seals secret files: its public key encrypts at synth (offline, no AWS call), its private
 * key, which never leaves KMS, decrypts at deploy time.
 *
 * Create one per environment, or per trust boundary (one for production, one for all of QA), with key spec `RSA_4096`
 * and key usage `ENCRYPT_DECRYPT`, then read its public key:
 * `aws kms get-public-key --key-id <arn> --query PublicKey --output text`. docs/secrets.md walks through it.
 */
export interface SecretSealingKey {
  /**
   * ARN of the KMS key (not an alias, which can be moved): the deploy-time writer may decrypt with it, and only with
   * RSAES_OAEP_SHA_256. A string rather than a `kms.IKey` because the key cannot come from the app: its public key
   * must exist before synth, so both values come from the same `aws kms get-public-key` call.
   */
  readonly keyArn: string;
  /** Its public key, as `aws kms get-public-key` prints it (base64 DER) or as PEM. Public: safe to commit. */
  readonly publicKey: string;
  /**
   * The environment the values are sealed for, and the only one whose writer opens them: it is part of each seal's
   * authenticated data, so a value sealed for production fails in QA even when both share the key (a branch cannot
   * deploy production's committed seal into its own environment and read it there). The writer takes its environment
   * from the template, never from the sealed file.
   *
   * Give environments that may hold the same values one name, so one seal serves them all: every branch of QA, for
   * example (`environment: 'Qa'`), since each branch stack has a name of its own and CI has no plain files to seal a
   * new one.
   *
   * @default - the name of the stack (the top-level one, for a nested stack): each stack opens only its own seals
   */
  readonly environment?: string;
}

/** Properties of a {@link FileSecret}. */
export interface FileSecretProps {
  /**
   * The file whose content becomes the secret's value (UTF-8 text, at most 64 KiB). It may be absent where it is not
   * committed (a CI checkout) when its sealed file is there.
   */
  readonly file: string;

  /** The key the value is sealed with. */
  readonly sealingKey: SecretSealingKey;

  /**
   * Where the sealed value is kept: synth writes it when the file is new or changed and reuses it otherwise, so
   * synthesis is repeatable. Commit it, and keep the plain file out of version control.
   *
   * @default `<file>.sealed.json`
   */
  readonly sealedFile?: string;

  /**
   * Description of the secret.
   *
   * @default - names the file
   */
  readonly description?: string;

  /**
   * The KMS key Secrets Manager encrypts the stored value with (not the sealing key).
   *
   * @default - the account's `aws/secretsmanager` key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the secret when it leaves the stack.
   *
   * @default - as `secretsmanager.Secret`: CloudFormation deletes it
   */
  readonly removalPolicy?: RemovalPolicy;
}

const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const WRITER_ID = 'FleetSealedSecretWriter';

/**
 * A Secrets Manager secret whose value is a local file, sealed at synth so that the file's content never appears in
 * clear text in a template or the cloud assembly: the assembly holds an S3 asset of ciphertext (AES-256-GCM under a
 * data key wrapped by the public key of an asymmetric KMS key), and a custom resource opens it with KMS Decrypt at
 * deploy time and writes the secret. The seal is bound to one environment (`sealingKey.environment`, by default the
 * stack name): the writer of any other environment refuses it, even when both share the sealing key.
 *
 * `secret` is the secret as its consumers should use it: its ARN comes from the write, so an ECS task or anything else
 * that references it starts only once the value is in place. `versionId` changes whenever the value does: a container that takes
 * `ecsSecret()` references it, so a changed file rolls the service, as `docker compose up` recreates the container.
 */
export class FileSecret extends Construct {
  /** The secret, for consumers: its ARN is only known after the value is written. */
  public readonly secret: secretsmanager.ISecret;
  /** The Secrets Manager version that holds the file's value (changes when the value changes). */
  public readonly versionId: string;
  /** The sealed file (absolute path). */
  public readonly sealedFile: string;
  /** The environment the value is sealed for and opened in (`sealingKey.environment`, or the stack name). */
  public readonly environment: string;
  /** How this synth got its sealed value: `reused`, `sealed`, `resealed` or `sealed-file-only`. */
  public readonly outcome: SealOutcome;
  /**
   * The Secrets Manager secret resource itself. Its ARN does not wait for the value (it is empty until the write):
   * give consumers `secret` or `ecsSecret()`, and use this one only to change the resource (tags, policies).
   */
  public readonly resource: secretsmanager.Secret;

  /**
   * The text of a public key file, for `sealingKey.publicKey`: what `aws kms get-public-key --query PublicKey --output
   * text` printed (base64 DER), or the same key as PEM. Read at synth, relative to the working directory; checked like
   * any `publicKey` (an RSA key of a size KMS makes) when the FileSecret is made.
   */
  public static publicKeyFromFile(file: string): string {
    const text = readFileIfExists(file);
    if (text === undefined) {
      throw new FleetConfigurationError(file, `FileSecret.publicKeyFromFile: ${path.resolve(file)} does not exist. Fix: save the key there once (aws kms get-public-key --key-id <key ARN> --query PublicKey --output text > ${file}).`);
    }
    return text.toString('utf8');
  }

  constructor(scope: Construct, id: string, props: FileSecretProps) {
    super(scope, id);
    const keyArn = props.sealingKey.keyArn;
    if (!Token.isUnresolved(keyArn) && !KEY_ARN.test(keyArn)) {
      throw fleetError(this, `sealingKey.keyArn '${keyArn}' is not a KMS key ARN`,
        'give arn:aws:kms:<region>:<account>:key/<key id>, as `aws kms get-public-key` prints it: the writer may decrypt with that key only, and an alias can be moved');
    }
    let publicKey: SealingPublicKey;
    try {
      publicKey = parseSealingPublicKey(props.sealingKey.publicKey);
    } catch (e) {
      if (e instanceof SealError) throw fleetError(this, `sealingKey.${e.message}`, e.fix);
      throw e;
    }

    this.environment = sealingEnvironment(this, props.sealingKey.environment);

    const file = path.resolve(props.file);
    this.sealedFile = path.resolve(props.sealedFile ?? `${file}.sealed.json`);
    let result;
    try {
      result = resolveSeal({
        value: readFileIfExists(file),
        sealedText: readFileIfExists(this.sealedFile)?.toString('utf8'),
        publicKey,
        environment: this.environment,
        keyArn: Token.isUnresolved(keyArn) ? undefined : keyArn,
      });
    } catch (e) {
      if (e instanceof SealError) throw fleetError(this, `secret file ${displayPath(file)} (sealed file ${displayPath(this.sealedFile)}): ${e.message}`, e.fix);
      throw e;
    }
    this.outcome = result.outcome;
    if (result.write !== undefined) {
      try {
        writeAtomically(this.sealedFile, result.write);
        Annotations.of(this).addInfo(`sealed ${displayPath(file)} into ${displayPath(this.sealedFile)}${result.reason ? ` (${result.reason})` : ''}: commit ${path.basename(this.sealedFile)}, not ${path.basename(file)}`);
      } catch (e) {
        Annotations.of(this).addWarningV2('@cdk-container-fleet/secrets:sealed-file-not-written',
          `could not write ${displayPath(this.sealedFile)} (${(e as Error).message}): this synth deploys a fresh seal, so the template changes on every synth until the sealed file can be kept`);
      }
    }

    const asset = new s3assets.Asset(this, 'SealedValue', { path: stageEnvelope(this, JSON.stringify(result.envelope)) });

    this.resource = new secretsmanager.Secret(this, 'Resource', {
      description: props.description ?? `The content of ${path.basename(file)}, sealed at synth and written at deployment (cdk-container-fleet FileSecret)`,
      encryptionKey: props.encryptionKey,
      removalPolicy: props.removalPolicy,
    });
    // An empty secret ("If you omit both GenerateSecretString and SecretString, you create an empty secret"): the only
    // value it ever holds is the file's, written below.
    (this.resource.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
    acknowledgeFinding(this.resource, {
      id: 'AwsSolutions-SMG4',
      reason: 'the value is the content of a file the team manages; it changes when the file does (a new version, rolled out by the next deploy), not by a rotation Lambda that cannot know the application',
    });

    const writer = writerFunction(this);
    writer.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)] }));
    writer.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [keyArn],
      conditions: { StringEquals: { 'kms:EncryptionAlgorithm': SEALING_ALGORITHM } },
    }));
    writer.addToRolePolicy(new iam.PolicyStatement({
      actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
      resources: [this.resource.secretArn],
    }));
    // Writing and reading a value under a customer managed key (Secrets Manager User Guide, "Secret encryption").
    props.encryptionKey?.grant(writer, 'kms:GenerateDataKey', 'kms:Decrypt');

    const write = new CustomResource(this, 'Write', {
      serviceToken: writer.functionArn,
      resourceType: 'Custom::FleetSealedSecret',
      serviceTimeout: customResourceServiceTimeout(writer),
      properties: { SecretId: this.resource.secretArn, KeyArn: keyArn, Bucket: asset.s3BucketName, ObjectKey: asset.s3ObjectKey, Environment: this.environment },
    });
    this.versionId = write.getAttString('VersionId');
    this.secret = secretsmanager.Secret.fromSecretAttributes(this, 'Value', {
      secretCompleteArn: write.getAttString('SecretArn'),
      encryptionKey: props.encryptionKey,
    });
  }

  /**
   * The value for a container's `secrets` (`FleetService` `secrets`, `addSecret`): the written version, so the task
   * starts after the write and a changed file gives a new task definition, which rolls the service. The environment
   * variable holds the file's bytes exactly, a trailing newline included (`echo x > file` writes one; `printf` does not).
   */
  public ecsSecret(): ecs.Secret {
    return ecs.Secret.fromSecretsManagerVersion(this.secret, { versionId: this.versionId });
  }

  /** Lets `grantee` read the value (`secretsmanager:GetSecretValue`, and decrypt with `encryptionKey` when one is given). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(grantee);
  }
}

/**
 * The environment a file secret is sealed for: the one given, or the name of the top-level stack, which CloudFormation
 * keeps unique in an account and region (a nested stack's own name is generated at deploy time).
 */
function sealingEnvironment(scope: Construct, given: string | undefined): string {
  if (given !== undefined) {
    if (Token.isUnresolved(given)) {
      throw fleetError(scope, 'sealingKey.environment is a token', 'give a literal name: synth seals the value for it, before anything is deployed');
    }
    if (!SEALING_ENVIRONMENT_PATTERN.test(given)) {
      throw fleetError(scope, `sealingKey.environment '${given}' is not an environment name`,
        "use letters, digits, '.', '_' and '-' only, at most 128 characters, starting with a letter or digit (e.g. 'Production', 'Qa')");
    }
    return given;
  }
  let stack = Stack.of(scope);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  if (Token.isUnresolved(stack.stackName)) {
    throw fleetError(scope, 'the stack name is a token, so it cannot name the environment the secret is sealed for', "give sealingKey.environment (e.g. 'Production')");
  }
  return stack.stackName;
}

/** One writer function per stack, shared by its file secrets; each adds only its own object, key and secret to its role. */
function writerFunction(scope: Construct): lambda.Function {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(WRITER_ID);
  if (existing) return existing as lambda.Function;
  return fleetHandlerFunction(stack, WRITER_ID, {
    handler: 'sealed-secret',
    description: 'Writes sealed secret files into their Secrets Manager secrets (cdk-container-fleet FileSecret)',
    timeout: Duration.minutes(3),
    memorySize: 256,
  });
}

/**
 * Writes the envelope where the asset is staged from: inside the app's own output folder (not a shared temporary
 * folder another user could prepare), named by content, so the asset hash is the envelope's.
 */
function stageEnvelope(scope: Construct, envelope: string): string {
  const dir = path.join(Stage.of(scope)!.assetOutdir, '.sealed-envelopes');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${createHash('sha256').update(envelope).digest('hex')}.json`);
  fs.writeFileSync(file, envelope);
  return file;
}

/**
 * Writes through a temporary file and a rename, so an interrupted synth never leaves half a sealed file. The folder
 * may belong to an untrusted branch, so nothing in it is followed: the temporary file is created in a fresh folder
 * (`mkdtemp`: a random name, created by this call) with O_EXCL, so a link planted where it would go is never written
 * through, and a sealed file that is a symbolic link is refused rather than replaced or written through.
 */
function writeAtomically(file: string, content: string): void {
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(file);
  } catch {
    existing = undefined;
  }
  if (existing?.isSymbolicLink()) throw new Error(`${displayPath(file)} is a symbolic link; replace it by the sealed file itself`);
  const folder = fs.mkdtempSync(path.join(path.dirname(file), '.sealing-'));
  try {
    const temporary = path.join(folder, path.basename(file));
    const fd = fs.openSync(temporary, 'wx', 0o644);
    try {
      fs.writeFileSync(fd, content);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}
