import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { buildApp, PRODUCTION_REGIONS, regionalHostRecords } from '../../bin/environments';
import { ProductionStack } from '../../lib/environments/production';
import { unitTestApp } from '../support/app';
import { testSealingKey } from '../secrets/keys';

/** Every template of an app (nested ones included) as one JSON string. */
function allTemplates(app: App): string {
  const assembly = app.synth();
  return fs.readdirSync(assembly.directory).filter((f) => f.endsWith('.template.json'))
    .map((f) => fs.readFileSync(`${assembly.directory}/${f}`, 'utf8')).join('\n');
}
const stackOf = (app: App, id: string) => app.node.findChild(id) as Stack;
const ZONE = { domain: 'shop.example.net', hostedZoneId: 'Z1D633PJN98FT9' };
// Realistic values: the preflight checks (on in buildApp) refuse documentation ranges and placeholder-looking ids.
const SEALING_KEY_ARN = 'arn:aws:kms:eu-west-1:493827162534:key/5b7e2c19-3f4a-4d8e-b1c6-9a0f2e7d4c31';
const CERT = (region: string) => `arn:aws:acm:${region}:493827162534:certificate/8f3c2a71-9d4e-4b6a-a2c5-7e1f0d9b3c68`;

describe('the example app as shipped (issue 10 item 6)', () => {
  const app = unitTestApp();
  buildApp(app);
  const templates = allTemplates(app);

  test('holds no placeholder hosted zone id, certificate ARN or documentation-range office CIDR', () => {
    expect(templates).not.toContain('Z0123456789ABCDEFGHIJ');
    expect(templates).not.toMatch(/arn:aws:acm:/);
    expect(templates).not.toContain('203.0.113.');
  });

  test('production has no DNS without -c domain: no record, no health check to fail', () => {
    for (const region of PRODUCTION_REGIONS) {
      const t = Template.fromStack(stackOf(app, region.stackId ?? `Production-${region.name}`));
      t.resourceCountIs('AWS::Route53::RecordSet', 0);
      t.resourceCountIs('AWS::Route53::HealthCheck', 0);
    }
  });

  test('QA without -c allowedCidrs is internal (deployable and safe), reachable from its VPC only', () => {
    const t = Template.fromStack(stackOf(app, 'Qa'));
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Load balancer'),
      SecurityGroupIngress: Match.arrayWith([Match.objectLike({ CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClusterVpc'), 'CidrBlock'] }, FromPort: 80 })]),
    });
    // The published ports (8081, 8082) admit the VPC's range only, too.
    const lbGroup = Object.values(t.findResources('AWS::EC2::SecurityGroup')).find((g) => /Load balancer/.test(g.Properties.GroupDescription))!;
    const vpcCidr = Object.values(t.findResources('AWS::EC2::VPC'))[0].Properties.CidrBlock;
    expect(lbGroup.Properties.SecurityGroupIngress.filter((r: any) => r.FromPort !== 80).map((r: any) => `${r.CidrIp}:${r.FromPort}`)).toEqual([`${vpcCidr}:8081`, `${vpcCidr}:8082`]);
  });
});

describe('the example app with every context key (issue 10 items 6, 7, 8a)', () => {
  const app = unitTestApp({
    context: {
      ...ZONE,
      'certificateArn.eu-west-1': CERT('eu-west-1'),
      'certificateArn.us-east-1': CERT('us-east-1'),
      productionAllowedCidrs: '145.100.0.0/24',
      allowedCidrs: '145.100.8.0/24, 145.100.9.7/32',
    },
  });
  buildApp(app);
  const prod = (region: string) => Template.fromStack(stackOf(app, PRODUCTION_REGIONS.find((r) => r.name === region)!.stackId ?? `Production-${region}`));

  test('every region creates a latency record under the shared name with its own region as set identifier, never a simple record', () => {
    for (const region of PRODUCTION_REGIONS) {
      const records = Object.values(prod(region.name).findResources('AWS::Route53::RecordSet'));
      expect(records.length).toBeGreaterThan(0);
      for (const r of records) {
        expect(r.Properties).toMatchObject({ Name: 'app.shop.example.net.', HostedZoneId: ZONE.hostedZoneId, Region: region.name, SetIdentifier: region.name });
      }
    }
  });

  test("each region's HTTPS listener gets its own region's certificate; a region without one stays HTTP", () => {
    for (const region of ['eu-west-1', 'us-east-1']) {
      prod(region).hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Certificates: [{ CertificateArn: CERT(region) }] });
      // The HTTP listener only redirects, so Route 53 must check HTTPS (it counts a redirect as healthy).
      prod(region).hasResourceProperties('AWS::Route53::HealthCheck', { HealthCheckConfig: Match.objectLike({ Type: 'HTTPS', Port: 443 }) });
    }
    prod('ap-southeast-2').resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::Listener', { Port: 443 }, 0);
    prod('ap-southeast-2').hasResourceProperties('AWS::Route53::HealthCheck', { HealthCheckConfig: Match.objectLike({ Type: 'HTTP', Port: 80 }) });
  });

  test("office ranges on production admit Route 53's health checkers through their managed prefix list, on the health-check port only", () => {
    const t = prod('eu-west-1');
    t.hasResourceProperties('Custom::ManagedPrefixListId', { PrefixListName: 'com.amazonaws.eu-west-1.route53-healthchecks' });
    const [lookup] = Object.keys(t.findResources('Custom::ManagedPrefixListId'));
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      SourcePrefixListId: { 'Fn::GetAtt': [lookup, 'PrefixListId'] }, FromPort: 443, ToPort: 443, IpProtocol: 'tcp',
    });
    prod('ap-southeast-2').hasResourceProperties('AWS::EC2::SecurityGroupIngress', { SourcePrefixListId: Match.anyValue(), FromPort: 80, ToPort: 80 });
  });

  test('QA with -c allowedCidrs is internet-facing for those ranges only', () => {
    const t = Template.fromStack(stackOf(app, 'Qa'));
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing' });
    const lbGroup = Object.values(t.findResources('AWS::EC2::SecurityGroup')).find((g) => /Load balancer/.test(g.Properties.GroupDescription))!;
    // Port 80, and the published ports 8081 and 8082 of the QA example: each for those ranges only.
    expect([...new Set(lbGroup.Properties.SecurityGroupIngress.map((r: any) => r.CidrIp))]).toEqual(['145.100.8.0/24', '145.100.9.7/32']);
  });
});

describe('context checks name the key to set', () => {
  test.each([
    [{ domain: 'example.net' }, /context: only domain is set\. Fix: give both -c domain=<zone name> and -c hostedZoneId/],
    [{ hostedZoneId: 'Z1D633PJN98FT9' }, /only hostedZoneId is set/],
    [{ ...ZONE, hostedZoneId: '/hostedzone/Z1' }, /hostedZoneId '\/hostedzone\/Z1' is not a Route 53 hosted zone id/],
    [{ 'certificateArn.us-east-1': CERT('eu-west-1') }, /certificateArn\.us-east-1 is a certificate of eu-west-1\. Fix: request or import the certificate in us-east-1/],
    [{ 'certificateArn.us-east-1': 'not-an-arn' }, /certificateArn\.us-east-1 'not-an-arn' is not an ACM certificate ARN/],
    [{ 'certificateArn.sa-east-1': CERT('sa-east-1') }, /certificateArn\.sa-east-1 names a region without production/],
    [{ sealingKeyArn: SEALING_KEY_ARN }, /only sealingKeyArn is set\. Fix: give both -c sealingKeyArn=.* and -c sealingPublicKey=/],
    [{ sealingKeyArn: 'arn:aws:kms:eu-west-1:493827162534:alias/qa', sealingPublicKey: 'x' }, /sealingKeyArn 'arn:aws:kms:eu-west-1:493827162534:alias\/qa' is not a KMS key ARN/],
    [{ sealingKeyArn: SEALING_KEY_ARN, sealingPublicKey: 'keys/qa-sealing.pub' }, /sealingPublicKey 'keys\/qa-sealing.pub' is neither a file nor a public key/],
    // Review r1: a blank branch (an unset CI variable, or a git branch named U+00A0) deployed into the shared stack Qa.
    [{ branch: '' }, /context: branch "" is empty or only white space\. Fix: give -c branch=<name of the branch>/],
    [{ branch: '\u00a0' }, /context: branch "\u00a0" is empty or only white space/],
    [{ branch: '\u3000\ufeff' }, /is empty or only white space/],
  ])('%j is refused', (context, message) => {
    expect(() => buildApp(unitTestApp({ context }))).toThrow(message);
  });
});

describe('-c sealingKeyArn and -c sealingPublicKey (issue 12 item 4)', () => {
  test('QA uploads the compose file\'s file secrets sealed with that key; the public key may be given as a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qa-sealing-'));
    try {
      fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  db:\n    image: mariadb:11\n    secrets: [root]\nsecrets:\n  root:\n    file: ./root.txt\n');
      fs.writeFileSync(path.join(dir, 'root.txt'), 'qa-root-pw-91c2');
      fs.writeFileSync(path.join(dir, 'sealing.pub'), testSealingKey().publicKeyBase64Der);
      const app = unitTestApp({ context: { composeFile: path.join(dir, 'compose.yaml'), sealingKeyArn: SEALING_KEY_ARN, sealingPublicKey: path.join(dir, 'sealing.pub') } });
      buildApp(app);
      const t = Template.fromStack(stackOf(app, 'Qa'));
      t.hasResourceProperties('Custom::FleetSealedSecret', { KeyArn: SEALING_KEY_ARN });
      expect(allTemplates(app)).not.toContain('qa-root-pw-91c2');
      expect(fs.existsSync(path.join(dir, 'root.txt.sealed.json'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('regionalHostRecords (issue 10 item 7)', () => {
  test('two regions with the same host routes create latency records with distinct set identifiers, not the same simple record', () => {
    const app = unitTestApp();
    const made = ['eu-west-1', 'us-east-1'].map((region) => {
      const stack = new ProductionStack(app, `P-${region}`, {
        env: { account: '111111111111', region },
        config: { services: [{ name: 'login', image: 'nginx:1.27', containerPort: 80, routes: [{ host: 'login.example.net' }, { host: '*.example.net' }, { host: 'x.example.org' }] }] },
      });
      const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { zoneName: 'example.net', hostedZoneId: 'Z1D633PJN98FT9' });
      return { region, records: regionalHostRecords(stack, zone, region) };
    });
    for (const { region, records } of made) {
      expect(records).toHaveLength(1);
      Template.fromStack(Stack.of(records[0])).hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'login.example.net.', Type: 'A', Region: region, SetIdentifier: region,
        AliasTarget: Match.objectLike({ EvaluateTargetHealth: true }),
      });
    }
  });
});
