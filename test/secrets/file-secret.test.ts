import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Lazy, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FleetPreflightChecks } from '../../lib/preflight';
import { FileSecret, FileSecretProps } from '../../lib/secrets/file-secret';
import { parseSealedFile, parseSealingPublicKey, sealIdOf } from '../../lib/secrets/seal';
import { unitTestApp, validatedApp } from '../support/app';
import { testSealingKey } from './keys';

const KEY_ARN = 'arn:aws:kms:eu-west-1:493827162534:key/0f3c7c4e-8d1a-4b6e-9a51-2f8d3c1b7e90';
const VALUE = 'p4ssw0rd-that-never-leaks-7d1e';
const key = testSealingKey();
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-secret-'));
  fs.writeFileSync(path.join(dir, 'db_password.txt'), VALUE);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function build(app: App = unitTestApp(), props: Partial<FileSecretProps> = {}, id = 'DbPassword') {
  const stack = new Stack(app, 'Qa', { env: { account: '493827162534', region: 'eu-west-1' } });
  const secret = new FileSecret(stack, id, {
    file: path.join(dir, 'db_password.txt'),
    sealingKey: { keyArn: KEY_ARN, publicKey: key.publicKeyBase64Der },
    ...props,
  });
  return { app, stack, secret };
}

/** Every file of a synthesized cloud assembly, as text. */
function assemblyText(app: App): string {
  const out = app.synth().directory;
  const read = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? read(path.join(d, e.name)) : [fs.readFileSync(path.join(d, e.name)).toString('latin1')]));
  return read(out).join('\n');
}

describe('FileSecret', () => {
  test('the value appears nowhere in the cloud assembly: not as text, base64 or hex', () => {
    const { app } = build();
    const text = assemblyText(app);
    expect(text).toContain('Custom::FleetSealedSecret');
    for (const form of [VALUE, Buffer.from(VALUE).toString('base64'), Buffer.from(VALUE).toString('hex')]) expect(text).not.toContain(form);
  });

  test('an empty secret, written by a custom resource from an S3 asset of the sealed value', () => {
    const { stack } = build();
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.absent(), SecretString: Match.absent() });
    t.hasResourceProperties('Custom::FleetSealedSecret', {
      ServiceTimeout: '300',
      SecretId: { Ref: Match.stringLikeRegexp('^DbPassword') },
      KeyArn: KEY_ARN,
      Bucket: Match.anyValue(),
      ObjectKey: Match.stringLikeRegexp('^[0-9a-f]{64}\\.json$'),
    });
  });

  test('the writer may read its asset object, decrypt with the sealing key only by RSAES_OAEP_SHA_256, and write its own secret', () => {
    const { stack } = build();
    const t = Template.fromStack(stack);
    const statements = Object.values(t.findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'kms:Decrypt', Resource: KEY_ARN, Condition: { StringEquals: { 'kms:EncryptionAlgorithm': 'RSAES_OAEP_SHA_256' } } }),
      expect.objectContaining({
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        Resource: { Ref: expect.stringMatching(/^DbPassword/) },
      }),
    ]));
    const s3 = statements.find((s: any) => s.Action === 's3:GetObject');
    expect(JSON.stringify(s3.Resource)).toMatch(/\/[0-9a-f]{64}\.json"/);
    expect(JSON.stringify(statements)).not.toMatch(/"\*"|\/\*"/);
  });

  test('consumers wait for the value: the secret ARN and version id come from the write', () => {
    const { stack, secret } = build();
    const task = new ecs.Ec2TaskDefinition(stack, 'Task');
    task.addContainer('app', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:1.37'),
      memoryLimitMiB: 64,
      secrets: { DB_PASSWORD: secret.ecsSecret() },
    });
    const container = Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition');
    expect(Object.values(container)[0].Properties.ContainerDefinitions[0].Secrets).toEqual([{
      Name: 'DB_PASSWORD',
      ValueFrom: { 'Fn::Join': ['', [
        { 'Fn::GetAtt': [expect.stringMatching(/^DbPasswordWrite[0-9A-F]{8}$/), 'SecretArn'] }, ':::',
        { 'Fn::GetAtt': [expect.stringMatching(/^DbPasswordWrite[0-9A-F]{8}$/), 'VersionId'] }]] },
    }]);
  });

  test('two file secrets in a stack share one writer function', () => {
    const { stack } = build();
    new FileSecret(stack, 'ApiToken', {
      file: path.join(dir, 'db_password.txt'),
      sealedFile: path.join(dir, 'api.sealed.json'),
      sealingKey: { keyArn: KEY_ARN, publicKey: key.publicKeyPem },
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('Custom::FleetSealedSecret', 2);
    t.resourcePropertiesCountIs('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Writes sealed secret files') }, 1);
  });

  test('synthesis is repeatable: the first synth writes the sealed file, the next reuses it, and a checkout without the plain file deploys the same', () => {
    const first = build();
    expect(first.secret.outcome).toBe('sealed');
    const sealedPath = path.join(dir, 'db_password.txt.sealed.json');
    expect(parseSealedFile(fs.readFileSync(sealedPath, 'utf8'))).toBeDefined();
    expect(fs.readFileSync(sealedPath, 'utf8')).not.toContain(VALUE);
    Annotations.fromStack(first.stack).hasInfo('/Qa/DbPassword', Match.stringLikeRegexp('sealed .*db_password.txt into .*db_password.txt.sealed.json.*commit db_password.txt.sealed.json, not db_password.txt'));
    const template = Template.fromStack(first.stack).toJSON();

    const second = build();
    expect(second.secret.outcome).toBe('reused');
    expect(Template.fromStack(second.stack).toJSON()).toEqual(template);

    fs.rmSync(path.join(dir, 'db_password.txt'));
    const ci = build();
    expect(ci.secret.outcome).toBe('sealed-file-only');
    expect(Template.fromStack(ci.stack).toJSON()).toEqual(template);
  });

  test('two environments with their own sealing keys share one secret file, and both synthesize repeatably', () => {
    const qaKey = testSealingKey(2048, true);
    const twoStacks = () => {
      const app = unitTestApp();
      const stacks = ['Qa', 'Prod'].map((name, i) => {
        const stack = new Stack(app, name, { env: { account: '493827162534', region: 'eu-west-1' } });
        new FileSecret(stack, 'DbPassword', {
          file: path.join(dir, 'db_password.txt'),
          sealingKey: { keyArn: KEY_ARN, publicKey: i === 0 ? qaKey.publicKeyPem : key.publicKeyPem },
        });
        return stack;
      });
      return stacks.map((stack) => JSON.stringify(Template.fromStack(stack).findResources('Custom::FleetSealedSecret')));
    };
    const first = twoStacks();
    const sealed = JSON.parse(fs.readFileSync(path.join(dir, 'db_password.txt.sealed.json'), 'utf8'));
    expect(Object.keys(sealed.seals)).toHaveLength(2);
    expect(twoStacks()).toEqual(first);
    fs.rmSync(path.join(dir, 'db_password.txt'));
    expect(twoStacks()).toEqual(first);
  });

  test('the envelope is staged inside the app\'s own output folder, never a shared temporary folder', () => {
    const { app, secret } = build();
    const staged = (secret.node.findChild('SealedValue') as any).assetPath as string;
    expect(staged).toMatch(/^asset\.[0-9a-f]{64}\.json$/);
    expect(fs.readdirSync(path.join(app.outdir, '.sealed-envelopes'))).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.json$/)]);
  });

  test('a customer managed encryption key: the writer may generate data keys and decrypt with it, nothing more', () => {
    const app = unitTestApp();
    const stack = new Stack(app, 'Qa', { env: { account: '493827162534', region: 'eu-west-1' } });
    const encryptionKey = new kms.Key(stack, 'SecretsKey', { enableKeyRotation: true });
    new FileSecret(stack, 'DbPassword', { file: path.join(dir, 'db_password.txt'), sealingKey: { keyArn: KEY_ARN, publicKey: key.publicKeyPem }, encryptionKey });
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SecretsKey/), 'Arn'] } }));
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecretsKey'), 'Arn'] } });
  });

  test('a changed file is sealed again and changes the asset', () => {
    const first = build();
    const before = JSON.stringify(Template.fromStack(first.stack).findResources('Custom::FleetSealedSecret'));
    fs.writeFileSync(path.join(dir, 'db_password.txt'), 'rotated');
    const second = build();
    expect(second.secret.outcome).toBe('resealed');
    expect(JSON.stringify(Template.fromStack(second.stack).findResources('Custom::FleetSealedSecret'))).not.toBe(before);
  });

  test('a sealed file that cannot be written is a warning, not a failure', () => {
    const { stack } = build(unitTestApp(), { sealedFile: path.join(dir, 'no-such-folder', 'x.sealed.json') });
    Annotations.fromStack(stack).hasWarning('/Qa/DbPassword', Match.stringLikeRegexp('could not write .*x.sealed.json.*changes on every synth'));
  });

  // Review r1: the temporary file was <file>.sealed.json.<pid>.tmp, written with writeFileSync, which follows a link
  // planted there by the branch: synth overwrote a file outside the project.
  test('links planted where the temporary file could go are never written through; the sealed file is a new regular file', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'file-secret-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'victim.txt'), 'ORIGINAL');
      for (let pid = Math.max(1, process.pid - 50); pid <= process.pid + 50; pid++) {
        fs.symlinkSync(path.join(outside, 'victim.txt'), path.join(dir, `db_password.txt.sealed.json.${pid}.tmp`));
      }
      build();
      expect(fs.readFileSync(path.join(outside, 'victim.txt'), 'utf8')).toBe('ORIGINAL');
      expect(fs.readdirSync(outside)).toEqual(['victim.txt']);
      const sealed = path.join(dir, 'db_password.txt.sealed.json');
      expect(fs.lstatSync(sealed).isFile()).toBe(true);
      expect(parseSealedFile(fs.readFileSync(sealed, 'utf8'))).toBeDefined();
      // No temporary folder is left behind.
      expect(fs.readdirSync(dir).filter((f) => f.startsWith('.sealing-'))).toEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  test('a sealed file that is a symbolic link is neither written through nor replaced: a warning names it', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'file-secret-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'victim.txt'), 'ORIGINAL');
      const sealed = path.join(dir, 'db_password.txt.sealed.json');
      fs.symlinkSync(path.join(outside, 'victim.txt'), sealed);
      const { stack } = build();
      expect(fs.readFileSync(path.join(outside, 'victim.txt'), 'utf8')).toBe('ORIGINAL');
      expect(fs.lstatSync(sealed).isSymbolicLink()).toBe(true);
      Annotations.fromStack(stack).hasWarning('/Qa/DbPassword', Match.stringLikeRegexp('could not write .*db_password.txt.sealed.json .*is a symbolic link; replace it by the sealed file itself'));
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  test('bad input fails at synth with the path, the value and the fix', () => {
    expect(() => build(unitTestApp(), { sealingKey: { keyArn: 'arn:aws:kms:eu-west-1:493827162534:alias/fleet', publicKey: key.publicKeyPem } }))
      .toThrow(/Qa\/DbPassword: sealingKey.keyArn 'arn:aws:kms:eu-west-1:493827162534:alias\/fleet' is not a KMS key ARN.*Fix: give arn:aws:kms/);
    expect(() => build(unitTestApp(), { sealingKey: { keyArn: KEY_ARN, publicKey: KEY_ARN } }))
      .toThrow(/sealingKey.publicKey 'arn:aws:kms.*' is not a public key.*aws kms get-public-key/);
    expect(() => build(unitTestApp(), { file: path.join(dir, 'missing.txt') }))
      .toThrow(/secret file .*missing.txt \(sealed file .*missing.txt.sealed.json\): neither the file nor its sealed copy exists/);
    fs.writeFileSync(path.join(dir, 'empty.txt'), '');
    expect(() => build(unitTestApp(), { file: path.join(dir, 'empty.txt') })).toThrow(/empty.txt.*the file is empty.*Fix: put the secret value in it/);
  });

  test('is cdk-nag and preflight clean in a validated app', () => {
    const app = validatedApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new FleetPreflightChecks());
    build(app);
    expect(() => app.synth()).not.toThrow();
  });
});

describe('FileSecret environments (issue 19)', () => {
  const sealedPath = () => path.join(dir, 'db_password.txt.sealed.json');
  const inStack = (app: App, name: string, environment?: string) => {
    const stack = new Stack(app, name, { env: { account: '493827162534', region: 'eu-west-1' } });
    const secret = new FileSecret(stack, 'DbPassword', { file: path.join(dir, 'db_password.txt'), sealingKey: { keyArn: KEY_ARN, publicKey: key.publicKeyPem, environment } });
    return { stack, secret };
  };

  test('the writer is told its environment, by default the stack name: the template, not the sealed file, decides', () => {
    const { stack, secret } = inStack(unitTestApp(), 'Production');
    expect(secret.environment).toBe('Production');
    Template.fromStack(stack).hasResourceProperties('Custom::FleetSealedSecret', { Environment: 'Production' });
    expect(Object.keys(parseSealedFile(fs.readFileSync(sealedPath(), 'utf8'))!.seals)).toEqual([sealIdOf('Production', parseSealingPublicKey(key.publicKeyPem).sha256)]);
  });

  test('in a nested stack the environment is the top-level stack\'s name (a nested stack\'s own name is only known at deploy time)', () => {
    const app = unitTestApp();
    const parent = new Stack(app, 'Production', { env: { account: '493827162534', region: 'eu-west-1' } });
    const nested = new NestedStack(parent, 'Services');
    const secret = new FileSecret(nested, 'DbPassword', { file: path.join(dir, 'db_password.txt'), sealingKey: { keyArn: KEY_ARN, publicKey: key.publicKeyPem } });
    expect(secret.environment).toBe('Production');
  });

  test('a branch that commits production\'s sealed file into its QA stack (same key) gets no value: synth refuses it without the plain file, naming the fix', () => {
    inStack(unitTestApp(), 'Production');
    fs.rmSync(path.join(dir, 'db_password.txt'));
    expect(() => inStack(unitTestApp(), 'Qa-feature-x-0123456789abcdef'))
      .toThrow(/no seal for environment 'Qa-feature-x-0123456789abcdef' with this key \(it has this key's seals for 'Production'\).*Fix: put the plain secret file beside it/);
  });

  test('environments that may share values share one seal: every QA branch with environment \'Qa\' deploys the seal made once, without the plain file', () => {
    const made = inStack(unitTestApp(), 'Qa', 'Qa');
    expect(made.secret.outcome).toBe('sealed');
    const writer = (stack: Stack) => JSON.stringify(Template.fromStack(stack).findResources('Custom::FleetSealedSecret'));
    fs.rmSync(path.join(dir, 'db_password.txt'));
    for (const branch of ['Qa-feature-a-0123456789abcdef', 'Qa-main']) {
      const { stack, secret } = inStack(unitTestApp(), branch, 'Qa');
      expect(secret.outcome).toBe('sealed-file-only');
      expect(writer(stack)).toBe(writer(made.stack));
    }
  });

  test('an environment name the seal cannot carry, or a token, is refused at synth with the fix', () => {
    expect(() => inStack(unitTestApp(), 'Qa', 'qa:main')).toThrow(/Qa\/DbPassword: sealingKey.environment 'qa:main' is not an environment name.*Fix: use letters, digits/);
    expect(() => inStack(unitTestApp(), 'Qa', Lazy.string({ produce: () => 'Qa' }))).toThrow(/sealingKey.environment is a token/);
  });
});

describe('FileSecret.publicKeyFromFile', () => {
  test('reads the key file as text, which a FileSecret then takes as its public key', () => {
    const file = path.join(dir, 'sealing-key.pub');
    fs.writeFileSync(file, `${key.publicKeyBase64Der}\n`);
    expect(FileSecret.publicKeyFromFile(file)).toBe(`${key.publicKeyBase64Der}\n`);
    const { secret } = build(unitTestApp(), { sealingKey: { keyArn: KEY_ARN, publicKey: FileSecret.publicKeyFromFile(file) } });
    expect(fs.existsSync(secret.sealedFile)).toBe(true);
  });

  test('a missing file fails with its path and the command that writes it', () => {
    expect(() => FileSecret.publicKeyFromFile(path.join(dir, 'nope.pub'))).toThrow(/nope\.pub does not exist\. Fix: .*aws kms get-public-key/);
  });
});
