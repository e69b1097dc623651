import { DecryptCommand, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient, UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudFormation, handler, timing } from '../../lambda/sealed-secret/index';
import { versionTokenOf } from '../../lambda/sealed-secret/open';
import { parseSealingPublicKey, sealValue } from '../../lib/secrets/seal';
import { testSealingKey } from './keys';

const s3 = mockClient(S3Client);
const kms = mockClient(KMSClient);
const sm = mockClient(SecretsManagerClient);
const key = testSealingKey();
const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:QaDbPassword-a1b2c3';
const VALUE = 'correct horse battery staple';
const ENVIRONMENT = 'Qa';
const envelopeBytes = (value = VALUE, environment = ENVIRONMENT) => Buffer.from(JSON.stringify(sealValue(Buffer.from(value), parseSealingPublicKey(key.publicKeyPem), environment)));
let responses: any[] = [];
let logs: string[] = [];

const event = (RequestType: string, extra: Record<string, unknown> = {}) => ({
  RequestType, ResponseURL: 'https://cloudformation-custom-resource-response.example/x', StackId: 'stack', RequestId: 'r', LogicalResourceId: 'DbPasswordWrite',
  ResourceType: 'Custom::FleetSealedSecret',
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:w', SecretId: SECRET_ARN, KeyArn: KEY_ARN, Bucket: 'cdk-hnb659fds-assets-111111111111-eu-west-1', ObjectKey: 'abc.json', Environment: ENVIRONMENT },
  ...extra,
});

/** S3 answers the asset; KMS decrypts like an RSAES_OAEP_SHA_256 key would (documented Decrypt response shape). */
function serve(bytes: Buffer): void {
  s3.on(GetObjectCommand, { Bucket: 'cdk-hnb659fds-assets-111111111111-eu-west-1', Key: 'abc.json' })
    .resolves({ Body: { transformToByteArray: async () => new Uint8Array(bytes) } as any, ContentLength: bytes.length });
  kms.on(DecryptCommand).callsFake((input) => ({
    KeyId: KEY_ARN, EncryptionAlgorithm: input.EncryptionAlgorithm, Plaintext: key.decrypt(input.CiphertextBlob),
  }));
}

beforeEach(() => {
  s3.reset(); kms.reset(); sm.reset();
  responses = []; logs = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => { logs.push(line); });
  cloudFormation.respond = async (_url, body) => { responses.push(JSON.parse(body)); };
  timing.accessDeniedRetryMs = 0;
});

test('Create: decrypts with the sealing key and RSAES_OAEP_SHA_256, writes version sha256(envelope), never logs or answers the value', async () => {
  const bytes = envelopeBytes();
  serve(bytes);
  sm.on(GetSecretValueCommand)
    .rejectsOnce(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT", $metadata: {} }))
    .resolves({ ARN: SECRET_ARN, VersionId: versionTokenOf(bytes), SecretString: VALUE, VersionStages: ['AWSCURRENT'] });
  sm.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN, Name: 'QaDbPassword-a1b2c3' });
  sm.on(PutSecretValueCommand).resolves({ ARN: SECRET_ARN, Name: 'QaDbPassword-a1b2c3', VersionId: versionTokenOf(bytes), VersionStages: ['AWSCURRENT'] });
  await handler(event('Create'));

  expect(kms.commandCalls(DecryptCommand)[0].args[0].input).toMatchObject({ KeyId: KEY_ARN, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
  const put = sm.commandCalls(PutSecretValueCommand);
  expect(put).toHaveLength(1);
  expect(put[0].args[0].input).toEqual({ SecretId: SECRET_ARN, ClientRequestToken: versionTokenOf(bytes), SecretString: VALUE });
  expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  expect(versionTokenOf(bytes)).toMatch(/^[0-9a-f]{64}$/);
  expect(responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: SECRET_ARN, Data: { SecretArn: SECRET_ARN, VersionId: versionTokenOf(bytes) } });
  expect(JSON.stringify(responses)).not.toContain('horse');
  expect(logs.join('\n')).not.toContain('horse');
  expect(logs.join('\n')).toContain(`wrote version ${versionTokenOf(bytes)}`);
});

test('Update with an unchanged value writes nothing and answers the current version (a re-sealed file does not roll the service)', async () => {
  serve(envelopeBytes());
  sm.on(GetSecretValueCommand).resolves({ ARN: SECRET_ARN, Name: 'n', VersionId: 'EXAMPLE1-90ab-cdef-fedc-ba987SECRET1', SecretString: VALUE, VersionStages: ['AWSCURRENT'] });
  await handler(event('Update', { PhysicalResourceId: SECRET_ARN }));
  expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  expect(responses[0]).toMatchObject({ Status: 'SUCCESS', Data: { VersionId: 'EXAMPLE1-90ab-cdef-fedc-ba987SECRET1' } });
});

test('a rollback to an envelope written before moves AWSCURRENT back to its version instead of writing it again', async () => {
  const old = envelopeBytes('old value');
  serve(old);
  sm.on(GetSecretValueCommand).resolves({ ARN: SECRET_ARN, VersionId: 'new-version-000000000000000000000000', SecretString: 'new value', VersionStages: ['AWSCURRENT'] });
  sm.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN, VersionIdsToStages: { [versionTokenOf(old)]: ['AWSPREVIOUS'], 'new-version-000000000000000000000000': ['AWSCURRENT'] } });
  sm.on(UpdateSecretVersionStageCommand).resolves({ ARN: SECRET_ARN, Name: 'n' });
  await handler(event('Update', { PhysicalResourceId: SECRET_ARN }));
  expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  expect(sm.commandCalls(UpdateSecretVersionStageCommand)[0].args[0].input).toEqual({
    SecretId: SECRET_ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: versionTokenOf(old), RemoveFromVersionId: 'new-version-000000000000000000000000',
  });
  expect(responses[0]).toMatchObject({ Status: 'SUCCESS', Data: { VersionId: versionTokenOf(old) } });
});

test('a put that lands on an existing unlabelled version ("succeeds but does nothing") moves AWSCURRENT to it', async () => {
  const bytes = envelopeBytes('back to an old value');
  serve(bytes);
  sm.on(GetSecretValueCommand).resolves({ ARN: SECRET_ARN, VersionId: 'current-000000000000000000000000000000', SecretString: 'another value', VersionStages: ['AWSCURRENT'] });
  sm.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN, VersionIdsToStages: { 'current-000000000000000000000000000000': ['AWSCURRENT'] } });
  sm.on(PutSecretValueCommand).resolves({ ARN: SECRET_ARN, VersionId: versionTokenOf(bytes), VersionStages: [] });
  sm.on(UpdateSecretVersionStageCommand).resolves({ ARN: SECRET_ARN });
  await handler(event('Update', { PhysicalResourceId: SECRET_ARN }));
  expect(sm.commandCalls(UpdateSecretVersionStageCommand)[0].args[0].input).toEqual({
    SecretId: SECRET_ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: versionTokenOf(bytes), RemoveFromVersionId: 'current-000000000000000000000000000000',
  });
  expect(responses[0]).toMatchObject({ Status: 'SUCCESS', Data: { VersionId: versionTokenOf(bytes) } });
});

test('a file sealed with another key fails the deployment saying so (KMS InvalidCiphertextException), writing nothing', async () => {
  serve(envelopeBytes());
  kms.on(DecryptCommand).rejects(new InvalidCiphertextException({ message: '', $metadata: {} }));
  await handler(event('Create'));
  expect(responses[0].Status).toBe('FAILED');
  expect(responses[0].Reason).toMatch(/sealed with another key's public key/);
  expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
});

test('an altered asset fails authentication instead of writing garbage', async () => {
  const envelope = JSON.parse(envelopeBytes().toString());
  const ct = Buffer.from(envelope.ciphertext, 'base64');
  ct[3] ^= 0x40;
  serve(Buffer.from(JSON.stringify({ ...envelope, ciphertext: ct.toString('base64') })));
  await handler(event('Create'));
  expect(responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/fails authentication/) });
  expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
});

const denied = () => Object.assign(new Error('User: arn:aws:sts::111111111111:assumed-role/w is not authorized to perform: kms:Decrypt'), { name: 'AccessDeniedException' });

test('an AccessDenied that lasts is final after 4 attempts and names the key policy as the likely cause', async () => {
  serve(envelopeBytes());
  kms.on(DecryptCommand).rejects(denied());
  await handler(event('Create'));
  expect(kms.commandCalls(DecryptCommand)).toHaveLength(4);
  expect(responses[0].Reason).toMatch(/key policy of .* must let IAM policies grant kms:Decrypt/);
});

test('an AccessDenied while the new role policy propagates is retried, and the write succeeds', async () => {
  const bytes = envelopeBytes();
  serve(bytes);
  kms.on(DecryptCommand).rejectsOnce(denied()).callsFake((input) => ({ KeyId: KEY_ARN, EncryptionAlgorithm: input.EncryptionAlgorithm, Plaintext: key.decrypt(input.CiphertextBlob) }));
  sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'no AWSCURRENT', $metadata: {} }));
  sm.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN });
  sm.on(PutSecretValueCommand).resolves({ ARN: SECRET_ARN, VersionId: versionTokenOf(bytes), VersionStages: ['AWSCURRENT'] });
  await handler(event('Create'));
  expect(responses[0].Status).toBe('SUCCESS');
  expect(kms.commandCalls(DecryptCommand)).toHaveLength(2);
});

test('Delete calls nothing: the secret goes with its stack', async () => {
  await handler(event('Delete', { PhysicalResourceId: SECRET_ARN }));
  expect(responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: SECRET_ARN });
  expect(s3.calls()).toHaveLength(0);
  expect(kms.calls()).toHaveLength(0);
  expect(sm.calls()).toHaveLength(0);
});

describe('environment binding (issue 19): the writer opens only values sealed for its own environment', () => {
  test('a production seal presented to a QA writer that shares the key is refused before KMS is called, and nothing is written', async () => {
    serve(envelopeBytes('production-db-password', 'Production'));
    await handler(event('Create'));
    expect(responses[0].Status).toBe('FAILED');
    expect(responses[0].Reason).toMatch(/sealed for environment 'Production', and this is environment 'Qa'.*seal the file for 'Qa'/);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);
    expect(sm.calls()).toHaveLength(0);
    expect(JSON.stringify(responses) + logs.join('\n')).not.toContain('production-db-password');
  });

  test('the same production seal relabelled as QA\'s is unwrapped but fails authentication, and nothing is written', async () => {
    const envelope = JSON.parse(envelopeBytes('production-db-password', 'Production').toString());
    serve(Buffer.from(JSON.stringify({ ...envelope, environment: 'Qa' })));
    await handler(event('Create'));
    expect(responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/fails authentication for environment 'Qa'/) });
    expect(sm.calls()).toHaveLength(0);
    expect(JSON.stringify(responses) + logs.join('\n')).not.toContain('production-db-password');
  });

  test('the production writer opens the production seal', async () => {
    const bytes = envelopeBytes('production-db-password', 'Production');
    serve(bytes);
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'no AWSCURRENT', $metadata: {} }));
    sm.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN });
    sm.on(PutSecretValueCommand).resolves({ ARN: SECRET_ARN, VersionId: versionTokenOf(bytes), VersionStages: ['AWSCURRENT'] });
    const production = event('Create');
    await handler({ ...production, ResourceProperties: { ...production.ResourceProperties, Environment: 'Production' } });
    expect(responses[0].Status).toBe('SUCCESS');
    expect(sm.commandCalls(PutSecretValueCommand)[0].args[0].input.SecretString).toBe('production-db-password');
  });

  test('a value sealed before environments were bound (v1) is refused with the fix, without calling KMS', async () => {
    const envelope = JSON.parse(envelopeBytes().toString());
    serve(Buffer.from(JSON.stringify({ ...envelope, format: 'cdk-container-fleet/sealed-secret/v1' })));
    await handler(event('Create'));
    expect(responses[0].Reason).toMatch(/sealed by an earlier cdk-container-fleet .*put the plain secret file beside its .sealed.json and synth/);
    expect(kms.calls()).toHaveLength(0);
  });

  test('a custom resource without an Environment (or with one the AAD cannot carry) is refused before anything is read', async () => {
    for (const Environment of [undefined, '', 'a:b']) {
      responses = [];
      const e = event('Create');
      await handler({ ...e, ResourceProperties: { ...e.ResourceProperties, Environment } });
      expect(responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/names no valid Environment.*synthesize the stack with this version/) });
    }
    expect(s3.calls()).toHaveLength(0);
    expect(kms.calls()).toHaveLength(0);
  });
});
