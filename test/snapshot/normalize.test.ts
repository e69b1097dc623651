import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LegacyStackSynthesizer, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import fc from 'fast-check';
import { format } from 'pretty-format';
import { AsgDnsRecord, FleetCluster, FleetService, fleetSnapshotSerializer, normalizeTemplate, SnapshotNormalizer } from '../../lib';
import { unitTestApp } from '../support/app';
import { testStack } from '../support/fixtures';

const HASH = /[0-9a-f]{64}/;

/** A user's stack: a cluster (its teardown guard and registration gate are handlers), a service, a DNS record. */
function userStack(opts: { image?: string; desiredCount?: number } = {}): Stack {
  const stack = testStack('Snapshot');
  const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0 });
  new FleetService(stack, 'web', { cluster, image: opts.image ?? 'nginx:1.27', containerPort: 80, desiredCount: opts.desiredCount });
  const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com' });
  new AsgDnsRecord(stack, 'Dns', { autoScalingGroup: cluster.autoScalingGroup, hostedZone, recordName: 'web.example.com' });
  return stack;
}

/**
 * The same stack as a release that changed one handler's bytes would synthesize it: the DNS updater's bundle is
 * copied with one more line, and its asset is made from the copy.
 */
function withChangedHandler<T>(build: () => T): T {
  const original = lambda.Code.fromAsset.bind(lambda.Code);
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'changed-handler-'));
  const spy = jest.spyOn(lambda.Code, 'fromAsset').mockImplementation((dir: string, options?: any) => {
    if (!dir.endsWith(path.join('handlers', 'asg-dns-updater'))) return original(dir, options);
    fs.cpSync(dir, copy, { recursive: true });
    fs.appendFileSync(path.join(copy, 'index.js'), '\n// a release that changed one log line\n');
    return original(copy, options);
  });
  try {
    return build();
  } finally {
    spy.mockRestore();
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

const template = (stack: Stack) => Template.fromStack(stack).toJSON();
const snapshot = (t: unknown) => format(t, { plugins: [fleetSnapshotSerializer] });

describe('snapshot normalisation', () => {
  const before = template(userStack());
  const after = withChangedHandler(() => template(userStack()));

  test('a release that only changed a handler leaves the normalised template unchanged (the raw one moves)', () => {
    expect(JSON.stringify(after)).not.toEqual(JSON.stringify(before));
    expect(normalizeTemplate(after)).toEqual(normalizeTemplate(before));
    expect(snapshot(after)).toEqual(snapshot(before));
  });

  test('a real change still breaks the snapshot: the image, the task count', () => {
    expect(snapshot(template(userStack({ image: 'nginx:1.28' })))).not.toEqual(snapshot(before));
    expect(snapshot(template(userStack({ desiredCount: 3 })))).not.toEqual(snapshot(before));
  });

  test('no asset hash is left, and each asset keeps one placeholder of its own', () => {
    const out = JSON.stringify(normalizeTemplate(before));
    expect(out).not.toMatch(HASH);
    const keys = Object.values<any>(before.Resources).filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => r.Properties.Code.S3Key);
    const normalised = Object.values<any>(normalizeTemplate(before).Resources).filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => r.Properties.Code.S3Key);
    expect(new Set(normalised).size).toBe(new Set(keys).size);
    expect(normalised.every((k: string) => /^\[asset \d+\]\.zip$/.test(k))).toBe(true);
  });

  test('the bootstrap-version rule becomes a fixed string; the parameter it reads stays', () => {
    const out = normalizeTemplate(before);
    expect(out.Rules.CheckBootstrapVersion).toBe('[bootstrap version check]');
    expect(out.Parameters.BootstrapVersion).toEqual(before.Parameters.BootstrapVersion);
  });

  test('the serializer prints templates through jest\'s printer and leaves other values alone', () => {
    expect(snapshot(before)).toContain('"S3Key": "[asset 1].zip"');
    expect(fleetSnapshotSerializer.test({ Resources: {} })).toBe(true);
    expect(fleetSnapshotSerializer.test({ resources: {} })).toBe(false);
    expect(fleetSnapshotSerializer.test('x'.repeat(64))).toBe(false);
    expect(format({ a: 'f'.repeat(64) }, { plugins: [fleetSnapshotSerializer] })).toContain('f'.repeat(64));
  });

  test('SnapshotNormalizer.normalizeTemplate (every CDK language) is the same normalisation', () => {
    expect(SnapshotNormalizer.normalizeTemplate(before)).toEqual(normalizeTemplate(before));
  });
});

describe('what the normaliser recognises', () => {
  test('a nested stack\'s TemplateURL', () => {
    const stack = new Stack(unitTestApp(), 'Parent', { env: { account: '111111111111', region: 'eu-west-1' } });
    const nested = new NestedStack(stack, 'Child');
    new lambda.Function(nested, 'Fn', { code: lambda.Code.fromInline('exports.handler = 1'), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_24_X });
    const raw = template(stack);
    expect(JSON.stringify(raw)).toMatch(HASH);
    expect(JSON.stringify(normalizeTemplate(raw))).not.toMatch(HASH);
    expect(JSON.stringify(normalizeTemplate(raw))).toContain('[asset 1].json');
  });

  test('the legacy synthesizer\'s asset parameters, in keys and references alike', () => {
    const stack = new Stack(unitTestApp(), 'Legacy', { synthesizer: new LegacyStackSynthesizer() });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'legacy-asset-'));
    fs.writeFileSync(path.join(dir, 'index.js'), 'exports.handler = async () => 1;');
    new lambda.Function(stack, 'Fn', { code: lambda.Code.fromAsset(dir), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_24_X });
    const raw = template(stack);
    fs.rmSync(dir, { recursive: true, force: true });
    const out = normalizeTemplate(raw);
    expect(Object.keys(raw.Parameters).some((k) => HASH.test(k))).toBe(true);
    expect(Object.keys(out.Parameters)).toEqual(expect.arrayContaining(['AssetParameters[asset 1]S3Bucket', 'AssetParameters[asset 1]S3VersionKey', 'AssetParameters[asset 1]ArtifactHash']));
    expect(JSON.stringify(out)).not.toMatch(HASH);
    expect(JSON.stringify(out.Resources)).toContain('"Ref":"AssetParameters[asset 1]S3Bucket"');
  });

  test('a 64-hex value of the user\'s own (a checksum, an image tag) is a value: a change of it still breaks the snapshot', () => {
    const t = (hex: string) => ({ Resources: { T: { Type: 'AWS::ECS::TaskDefinition', Properties: { ContainerDefinitions: [{
      Image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:${hex}`, Environment: [{ Name: 'CONFIG_SHA256', Value: hex }] }] } } } });
    expect(normalizeTemplate(t('a'.repeat(64)))).toEqual(t('a'.repeat(64)));
    expect(snapshot(t('a'.repeat(64)))).not.toEqual(snapshot(t('b'.repeat(64))));
    // An image asset's tag in the bootstrap's container-assets repository is an asset hash.
    const asset = { Resources: { T: { Properties: { Image: { 'Fn::Sub': `\${AWS::AccountId}.dkr.ecr.\${AWS::Region}.\${AWS::URLSuffix}/cdk-hnb659fds-container-assets-\${AWS::AccountId}-\${AWS::Region}:${'c'.repeat(64)}` } } } } };
    expect(JSON.stringify(normalizeTemplate(asset))).toContain('container-assets-${AWS::AccountId}-${AWS::Region}:[asset 1]');
  });

  test('an image digest is a value, not an asset: it is kept', () => {
    const digest = `nginx@sha256:${'a'.repeat(64)}`;
    expect(normalizeTemplate({ Resources: { T: { Properties: { Image: digest } } } }).Resources.T.Properties.Image).toBe(digest);
  });

  test('the CDK metadata resource\'s analytics and its region condition become fixed strings', () => {
    const out = normalizeTemplate({
      Resources: { CDKMetadata: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'v2:deflate64:H4sIAAAA' }, Condition: 'CDKMetadataAvailable' } },
      Conditions: { CDKMetadataAvailable: { 'Fn::Or': [] } },
    });
    expect(out.Resources.CDKMetadata).toEqual({ Type: 'AWS::CDK::Metadata', Properties: { Analytics: '[construct versions]' }, Condition: 'CDKMetadataAvailable' });
    expect(out.Conditions.CDKMetadataAvailable).toBe('[regions with CDK metadata]');
  });

  test('property: normalising is idempotent, keeps values without a hash, and never gives two hashes one placeholder', () => {
    const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
    fc.assert(fc.property(fc.uniqueArray(hex, { minLength: 1, maxLength: 5 }), fc.string(), (hashes, plain) => {
      fc.pre(!/[0-9a-f]{64}/.test(plain));
      const t = { Resources: Object.fromEntries(hashes.map((h, i) => [`R${i}`, { Properties: { Key: `${h}.zip`, Again: `x/${h}.json`, Plain: plain } }])) };
      const out = normalizeTemplate(t);
      expect(normalizeTemplate(out)).toEqual(out);
      const keys = hashes.map((_, i) => out.Resources[`R${i}`].Properties.Key);
      expect(new Set(keys).size).toBe(hashes.length);
      hashes.forEach((_, i) => {
        expect(out.Resources[`R${i}`].Properties.Again).toBe(`x/${keys[i].replace(/\.zip$/, '')}.json`);
        expect(out.Resources[`R${i}`].Properties.Plain).toBe(plain);
      });
    }));
  });
});
