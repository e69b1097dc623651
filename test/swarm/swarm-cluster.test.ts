import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Fn, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SwarmCluster, SwarmClusterProps } from '../../lib/swarm/swarm-cluster';
import { SwarmNodeGroup, SwarmNodeGroupProps } from '../../lib/swarm/swarm-node-group';
import { defaultAddressPool, overlaps, parseIpv4Block } from '../../lib/swarm/address-pool';
import { renderUserData, swarmCtlCommands } from '../../lib/swarm/labels';
import { unitTestApp } from '../support/app';

const env = { account: '111111111111', region: 'eu-west-1' };
function swarmStack(props: Partial<SwarmClusterProps> = {}) {
  const stack = new Stack(unitTestApp(), 'Test', { env });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new SwarmCluster(stack, 'Swarm', { vpc, ...props });
  return { stack, cluster };
}
const group = (cluster: SwarmCluster, id: string, props: Partial<SwarmNodeGroupProps> = {}) =>
  new SwarmNodeGroup(Stack.of(cluster), id, { cluster, role: 'frontend', environment: 'staging', ...props });

/** The user data of the launch template whose logical id matches, as text (tokens kept as JSON). */
function userData(template: Template, idFragment: string): string {
  const [, lt] = Object.entries(template.findResources('AWS::EC2::LaunchTemplate')).find(([id]) => id.includes(idFragment))!;
  const data = lt.Properties.LaunchTemplateData.UserData['Fn::Base64'];
  if (typeof data === 'string') return data;
  return data['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : JSON.stringify(p))).join('');
}

describe('SwarmCluster', () => {
  const { stack, cluster } = swarmStack();
  const frontend = group(cluster, 'Frontend', {
    tags: { 'example.db.host': 'db.example.internal' },
    exportTags: { 'example.db.host': 'DB_HOST' },
    rebalanceOnScaleOut: true,
  });
  group(cluster, 'Services', { role: 'services' });
  const template = Template.fromStack(stack);

  test('runs 3 managers by default in their own group, in private subnets', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '3', MaxSize: '3',
      VPCZoneIdentifier: Match.arrayWith([{ Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') }]),
      Tags: Match.arrayWith([
        { Key: 'docker.role', PropagateAtLaunch: true, Value: 'manager' },
        { Key: 'swarm:node-role', PropagateAtLaunch: true, Value: 'manager' },
      ]),
    });
  });

  test('opens only the swarm ports: 2377/tcp to managers from nodes, 7946/tcp+udp and 4789/udp between nodes, never SSH', () => {
    const rules = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    const ports = rules.map((r) => `${r.IpProtocol}/${r.FromPort}-${r.ToPort}`).sort();
    expect(ports).toEqual(['tcp/2377-2377', 'tcp/7946-7946', 'udp/4789-4789', 'udp/7946-7946']);
    for (const rule of rules) {
      expect(rule.CidrIp).toBeUndefined();
      expect(rule.SourceSecurityGroupId['Fn::GetAtt'][0]).toMatch(/^SwarmNodeSecurityGroup/);
    }
    const inline = Object.values(template.findResources('AWS::EC2::SecurityGroup')).flatMap((g) => g.Properties.SecurityGroupIngress ?? []);
    expect(inline).toEqual([]);
  });

  test('encrypted overlay networks add IPsec ESP between nodes, only when asked', () => {
    const { stack: esp } = swarmStack({ encryptedOverlayNetworks: true });
    Template.fromStack(esp).hasResourceProperties('AWS::EC2::SecurityGroupIngress', { IpProtocol: '50' });
    expect(JSON.stringify(template.findResources('AWS::EC2::SecurityGroupIngress'))).not.toContain('"IpProtocol":"50"');
  });

  test('launch templates require IMDSv2 and serve instance tags in metadata, on encrypted gp3', () => {
    const lts = Object.values(template.findResources('AWS::EC2::LaunchTemplate'));
    expect(lts).toHaveLength(3);
    for (const lt of lts) {
      expect(lt.Properties.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'enabled' });
      expect(lt.Properties.LaunchTemplateData.BlockDeviceMappings[0].Ebs).toMatchObject({ Encrypted: true, VolumeType: 'gp3' });
      expect(lt.Properties.LaunchTemplateData.ImageId.Ref).toMatch(/amazonlinuxlatestal2023/i);
    }
  });

  test('worker groups carry their docker.* and extra tags with PropagateAtLaunch', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      Tags: Match.arrayWith([
        { Key: 'docker.environment', PropagateAtLaunch: true, Value: 'staging' },
        { Key: 'docker.role', PropagateAtLaunch: true, Value: 'frontend' },
        { Key: 'example.db.host', PropagateAtLaunch: true, Value: 'db.example.internal' },
        { Key: 'swarm:cluster', PropagateAtLaunch: true, Value: cluster.swarmName },
      ]),
    });
    expect(frontend.labels).toEqual({ role: 'frontend', environment: 'staging' });
  });

  test('user data is the repository script behind a generated header of settings', () => {
    const worker = userData(template, 'FrontendLaunchTemplate');
    const script = fs.readFileSync(`${__dirname}/../../lib/swarm/scripts/node-boot.sh`, 'utf8').trimEnd();
    expect(worker).toContain(script);
    expect(worker).toContain("export SWARM_NODE_ROLE='worker'");
    expect(worker).toContain("export SWARM_EXPORT_TAGS='example.db.host=DB_HOST'");
    expect(worker).toContain(`export SWARM_PARAMETER_PREFIX='/cdk-container-fleet/swarm/${cluster.swarmName}'`);
    expect(worker).not.toContain('swarm-ctl');
    const manager = userData(template, 'ManagerLaunchTemplate');
    expect(manager).toContain("export SWARM_NODE_ROLE='manager'");
    expect(manager).toContain('cat >/usr/local/lib/swarm/manager-boot.sh');
    expect(manager).not.toContain('swarm-ctl');
    expect(manager).toContain('export SWARM_KMS_KEY_ID=');
    expect(Buffer.byteLength(manager)).toBeLessThan(16384);
  });

  test('the generated user data runs as shell: header values are quoted', () => {
    const text = renderUserData({ A: "it's", B: 'x y' }, [{ path: '/tmp/x/s.sh', content: 'echo "$A"\n' }], '/tmp/x/s.sh');
    expect(text).toContain("export A='it'\\''s'");
    expect(text).toContain("cat >/tmp/x/s.sh <<'__SWARM_SCRIPT_END__'\necho \"$A\"\n__SWARM_SCRIPT_END__");
    expect(() => renderUserData({ 'BAD-NAME': 'x' }, [], '/x')).toThrow(/not a shell identifier/);
  });

  test('the join-token key: the account administers it but cannot use it; only the swarm\'s own roles may, through SSM', () => {
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0] as any;
    const statements = key.Properties.KeyPolicy.Statement as any[];
    const actionsOf = (s: any) => [s.Action].flat() as string[];
    const root = statements.filter((s) => JSON.stringify(s.Principal).includes(':root'));
    expect(root).toHaveLength(1);
    for (const crypto of ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:CreateGrant', 'kms:ReEncrypt*', 'kms:*']) {
      expect(actionsOf(root[0])).not.toContain(crypto);
    }
    expect(actionsOf(root[0])).toContain('kms:Put*');
    const users = statements.filter((s) => actionsOf(s).includes('kms:Decrypt'));
    expect(users.length).toBeGreaterThanOrEqual(2);
    for (const s of users) {
      expect(JSON.stringify(s.Principal)).toMatch(/InstanceRole|ManagerRole/);
      expect(s.Condition.StringEquals['kms:ViaService']).toBe('ssm.eu-west-1.amazonaws.com');
    }
  });

  test('encrypts join tokens with a rotating KMS key; workers may decrypt only the worker token, through SSM', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    const [, frontendPolicy] = policies.find(([id]) => id.startsWith('FrontendInstanceRole'))!;
    const statements = frontendPolicy.Properties.PolicyDocument.Statement;
    const kms = statements.find((s: any) => s.Action === 'kms:Decrypt');
    expect(JSON.stringify(kms.Condition.StringEquals['kms:EncryptionContext:PARAMETER_ARN'])).toContain('/worker-token');
    expect(kms.Condition.StringEquals['kms:ViaService']).toBe('ssm.eu-west-1.amazonaws.com');
    expect(JSON.stringify(statements)).not.toContain('manager-token');
    expect(JSON.stringify(statements)).not.toContain('ssm:PutParameter');
  });

  test('managers may take the lock and write tokens only under the swarm prefix', () => {
    const [, policy] = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('SwarmManagerRole'))!;
    const put = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Action === 'ssm:PutParameter');
    const resources = JSON.stringify(put.Resource);
    for (const name of ['init-lock', 'worker-token', 'manager-token', 'managers/*']) {
      expect(resources).toContain(`parameter/cdk-container-fleet/swarm/${cluster.swarmName}/${name}`);
    }
  });

  test('a terminate lifecycle hook on every group sends its events to the drainer', () => {
    template.resourceCountIs('AWS::AutoScaling::LifecycleHook', 3);
    template.hasResourceProperties('AWS::AutoScaling::LifecycleHook', {
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', DefaultResult: 'CONTINUE', HeartbeatTimeout: 600,
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.autoscaling'], 'detail-type': ['EC2 Instance-terminate Lifecycle Action'], detail: Match.anyValue() },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SwarmDrainer'), 'Arn'] } })],
    });
    // Rebalance only where asked.
    const launchRules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) => r.Properties.EventPattern?.['detail-type']?.[0] === 'EC2 Instance Launch Successful');
    expect(launchRules).toHaveLength(1);
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(30 minutes)' });
  });

  test('the drainer sends commands only to the instances of this swarm\'s manager group (a tag only Auto Scaling sets) and only its own document', () => {
    const [, policy] = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('SwarmDrainerRole'))!;
    const statements: any[] = policy.Properties.PolicyDocument.Statement;
    // No statement follows the swarm:* tags, which any stack allowed to tag an instance could copy (issue 19).
    expect(JSON.stringify(policy)).not.toContain('resourceTag/swarm:');
    expect(statements.filter((s) => s.Action === 'ssm:SendCommand' && JSON.stringify(s.Resource).includes(':instance/'))).toEqual([]);
    const onDocument = statements.find((s) => s.Action === 'ssm:SendCommand' && !s.Condition);
    expect(JSON.stringify(onDocument.Resource)).toContain('SwarmCommandDocument');
    const [, groupsPolicy] = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('SwarmDrainerGroupsPolicy'))!;
    const onInstances = groupsPolicy.Properties.PolicyDocument.Statement.find((s: any) => s.Action === 'ssm:SendCommand');
    expect(onInstances.Condition).toEqual({ StringEquals: { 'ssm:resourceTag/aws:autoscaling:groupName': { Ref: expect.stringMatching(/^SwarmManagersASG/) } } });
    expect(JSON.stringify(onInstances.Resource)).toContain(':instance/*');
    const complete = groupsPolicy.Properties.PolicyDocument.Statement.find((s: any) => s.Action === 'autoscaling:CompleteLifecycleAction');
    expect(complete.Resource).toHaveLength(3);
    expect(JSON.stringify(complete.Resource)).toMatch(/autoScalingGroupName\/.*FrontendASG/);
    expect(statements.some((s) => s.Action === 'ssm:SendCommand' && JSON.stringify(s.Resource).includes('AWS-RunShellScript'))).toBe(false);
  });

  test('clears stale swarm parameters before any group boots, and removes them after every group is gone', () => {
    template.hasResourceProperties('Custom::SwarmParameters', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('SwarmDrainer'), 'Arn'] },
      Prefix: `/cdk-container-fleet/swarm/${cluster.swarmName}`,
      // The drainer's 7 minutes (5-minute drain + 2) and a margin: a stuck call fails the stack, not an hour later.
      ServiceTimeout: '540',
    });
    const [crId] = Object.keys(template.findResources('Custom::SwarmParameters'));
    for (const asg of Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'))) {
      expect(asg.DependsOn).toEqual(expect.arrayContaining([crId]));
    }
    // The function itself never depends on a group (that would be a cycle through the custom resource).
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((f) => JSON.stringify(f).includes('SWARM_NAME'))!;
    expect(JSON.stringify(fn)).not.toMatch(/ASG/);
  });

  test('grantDeploy allows Run Command on this swarm\'s managers only', () => {
    const fresh = swarmStack();
    const pipeline = new iam.Role(fresh.stack, 'Pipeline', { assumedBy: new iam.AccountRootPrincipal() });
    fresh.cluster.grantDeploy(pipeline);
    Template.fromStack(fresh.stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('Pipeline') }],
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Action: 'ssm:SendCommand', Condition: { StringEquals: { 'ssm:resourceTag/aws:autoscaling:groupName': { Ref: Match.stringLikeRegexp('SwarmManagersASG') } } } }),
        Match.objectLike({ Action: 'ssm:SendCommand', Resource: 'arn:aws:ssm:eu-west-1::document/AWS-RunShellScript' }),
      ]) },
    });
  });

  test('the rendered user data is valid bash', () => {
    for (const id of ['ManagerLaunchTemplate', 'FrontendLaunchTemplate']) {
      const file = path.join(os.tmpdir(), `swarm-userdata-${id}.sh`);
      fs.writeFileSync(file, userData(template, id));
      expect(() => execFileSync('bash', ['-n', file])).not.toThrow();
      fs.rmSync(file);
    }
  });

  test('the command document installs swarm-ctl from the repository and runs it with the drain timeout', () => {
    const [doc] = Object.values(template.findResources('AWS::SSM::Document'));
    const commands: string[] = doc.Properties.Content.mainSteps[0].inputs.runCommand;
    const script = fs.readFileSync(`${__dirname}/../../lib/swarm/scripts/swarm-ctl.sh`, 'utf8').trimEnd();
    expect(commands.join('\n')).toContain(`cat >/usr/local/sbin/swarm-ctl <<'__SWARM_SCRIPT_END__'\n${script}\n__SWARM_SCRIPT_END__`);
    expect(commands[commands.length - 1]).toBe(
      `SWARM_DRAIN_TIMEOUT='300' SWARM_PARAMETER_PREFIX='/cdk-container-fleet/swarm/${cluster.swarmName}' AWS_DEFAULT_REGION='eu-west-1' /usr/local/sbin/swarm-ctl {{ action }} {{ target }}`);
  });

  test('the document commands run under sh, as aws:runShellScript runs them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-doc-'));
    try {
      const content = fs.readFileSync(`${__dirname}/../../lib/swarm/scripts/swarm-ctl.sh`, 'utf8');
      const commands = swarmCtlCommands({ path: `${dir}/sbin/swarm-ctl`, content }, { SWARM_DRAIN_TIMEOUT: '30' }).join('\n')
        .replace('{{ action }}', 'leave').replace('{{ target }}', 'i-0123456789abcdef0');
      fs.writeFileSync(`${dir}/_script.sh`, commands);
      const out = spawnSync('sh', [`${dir}/_script.sh`], {
        env: { PATH: `${__dirname}/stubs:${process.env.PATH}`, STUB_DIR: dir }, encoding: 'utf8',
      });
      expect(out.status).toBe(0);
      expect(out.stderr).toContain('swarm-ctl: no node for i-0123456789abcdef0: nothing to do');
      expect(fs.readFileSync(`${dir}/sbin/swarm-ctl`, 'utf8')).toBe(content);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => swarmCtlCommands({ path: '/x', content: 'docker inspect -f "{{.ID}}"' }, {})).toThrow(/contains '\{\{'/);
  });

  test('managers may forget dead managers\' addresses and read instance states (prune, recovery of a lost manager group)', () => {
    const [, policy] = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('SwarmManagerRole'))!;
    const statements: any[] = policy.Properties.PolicyDocument.Statement;
    const del = statements.find((s) => s.Action === 'ssm:DeleteParameter');
    expect(JSON.stringify(del.Resource)).toContain(`parameter/cdk-container-fleet/swarm/${cluster.swarmName}/managers/*`);
    expect(statements.find((s) => s.Action === 'ec2:DescribeInstances').Resource).toBe('*');
    const put = statements.find((s) => s.Action === 'ssm:PutParameter');
    expect(JSON.stringify(put.Resource)).toContain(`/${cluster.swarmName}/recovery-lock/*`);
  });

  test('the command document only accepts instance ids as its target', () => {
    template.hasResourceProperties('AWS::SSM::Document', {
      DocumentType: 'Command',
      Content: Match.objectLike({
        parameters: {
          action: Match.objectLike({ allowedValues: ['leave', 'prune', 'rebalance'] }),
          target: Match.objectLike({ allowedPattern: '^[a-z0-9,-]{0,4000}$' }),
        },
      }),
    });
  });
});

// Finding 3: without --default-addr-pool the ingress overlay took 10.0.0.0/24, inside the VPC's 10.0.0.0/16.
describe('overlay address pool', () => {
  const managerData = (stack: Stack) => userData(Template.fromStack(stack), 'ManagerLaunchTemplate');

  test('is derived from the VPC CIDR: the highest /16 of 10/8 outside it, in /24 networks', () => {
    const { stack, cluster } = swarmStack();
    expect(cluster.overlayAddressPool).toBe('10.255.0.0/16');
    expect(managerData(stack)).toContain("export SWARM_DEFAULT_ADDR_POOL='10.255.0.0/16'");
    expect(managerData(stack)).toContain("export SWARM_DEFAULT_ADDR_POOL_MASK_LENGTH='24'");
  });

  test('skips the /16s the VPC occupies', () => {
    const stack = new Stack(unitTestApp(), 'Test', { env });
    const vpc = new ec2.Vpc(stack, 'Vpc', { ipAddresses: ec2.IpAddresses.cidr('10.254.0.0/15'), maxAzs: 2 });
    expect(new SwarmCluster(stack, 'Swarm', { vpc }).overlayAddressPool).toBe('10.253.0.0/16');
  });

  test('can be set, with its own mask length', () => {
    const { stack, cluster } = swarmStack({ overlayAddressPool: '172.30.0.0/16', overlayAddressPoolMaskLength: 26 });
    expect(cluster.overlayAddressPool).toBe('172.30.0.0/16');
    expect(managerData(stack)).toContain("export SWARM_DEFAULT_ADDR_POOL_MASK_LENGTH='26'");
  });

  test.each([
    ['10.0.128.0/20', 24, /overlayAddressPool '10.0.128.0\/20' overlaps the VPC's CIDR block 10.0.0.0\/16/],
    ['10.1.0.0/33', 24, /is not an IPv4 CIDR block/],
    ['10.1.0.1/16', 24, /is not an IPv4 CIDR block/],
    ['10.1.0.0/16', 12, /overlayAddressPoolMaskLength 12 does not fit the pool: use a whole number from 16 to 29/],
    ['10.1.0.0/16', 30, /overlayAddressPoolMaskLength 30/],
  ])('rejects %s / %d at synth', (overlayAddressPool, overlayAddressPoolMaskLength, message) => {
    expect(() => swarmStack({ overlayAddressPool, overlayAddressPoolMaskLength })).toThrow(message);
    expect(() => swarmStack({ overlayAddressPool, overlayAddressPoolMaskLength })).toThrow(/Test\/Swarm: .*Fix: choose a pool outside the VPC \(10.0.0.0\/16\)/);
  });

  test('an imported VPC whose CIDR is a token gets a pool outside RFC 1918, with a warning; setting the pool silences it', () => {
    const stack = new Stack(unitTestApp(), 'Test', { env });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'], vpcCidrBlock: Fn.importValue('NetworkCidr'),
    });
    const cluster = new SwarmCluster(stack, 'Swarm', { vpc });
    expect(cluster.overlayAddressPool).toBe('100.127.0.0/16');
    Annotations.fromStack(stack).hasWarning('/Test/Swarm', Match.stringLikeRegexp('only known at deploy time.*100.127.0.0/16.*set overlayAddressPool'));
    const quiet = new Stack(unitTestApp(), 'Quiet', { env });
    const vpc2 = ec2.Vpc.fromVpcAttributes(quiet, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'] });
    new SwarmCluster(quiet, 'Swarm', { vpc: vpc2, overlayAddressPool: '10.200.0.0/16' });
    Annotations.fromStack(quiet).hasNoWarning('/Quiet/Swarm', Match.anyValue());
  });

  test('a secondary VPC CIDR block that overlaps the pool fails synth', () => {
    const { stack, cluster } = swarmStack();
    new ec2.CfnVPCCidrBlock(stack, 'Secondary', { vpcId: cluster.vpc.vpcId, cidrBlock: '10.255.0.0/16' });
    expect(() => Template.fromStack(stack)).toThrow(/overlaps the VPC's CIDR block 10.255.0.0\/16/);
  });

  test('pure rules: CIDR parsing, overlap, derivation', () => {
    expect(parseIpv4Block('10.0.0.0/16')).toEqual({ start: 10 * 2 ** 24, prefix: 16 });
    expect(parseIpv4Block('256.0.0.0/8')).toBeUndefined();
    // What is checked is what reaches `docker swarm init`: no whitespace, no leading zeros, no host bits.
    for (const bad of [' 10.0.0.0/16', '10.0.0.0/016', '010.0.0.0/16', '10.0.0.1/16']) expect(parseIpv4Block(bad)).toBeUndefined();
    expect(overlaps(parseIpv4Block('10.0.0.0/8')!, parseIpv4Block('10.200.3.0/24')!)).toBe(true);
    expect(overlaps(parseIpv4Block('10.0.0.0/16')!, parseIpv4Block('10.1.0.0/16')!)).toBe(false);
    expect(defaultAddressPool(['172.31.0.0/16'])).toBe('10.255.0.0/16');
    expect(defaultAddressPool(['10.255.0.0/16', '10.254.0.0/16'])).toBe('10.253.0.0/16');
  });
});

describe('SwarmCluster and SwarmNodeGroup reject bad input at synth', () => {
  test.each([2, 4])('an even manager count (%d)', (managerCount) => {
    expect(() => swarmStack({ managerCount })).toThrow(new RegExp(`Test/Swarm: managerCount ${managerCount} is even.*Fix: use ${managerCount - 1} or ${managerCount + 1}`));
  });

  test('accepts 1 and 5 managers, warns above 7', () => {
    expect(() => swarmStack({ managerCount: 1 })).not.toThrow();
    const { stack } = swarmStack({ managerCount: 9 });
    Annotations.fromStack(stack).hasWarning('/Test/Swarm', Match.stringLikeRegexp('9 managers'));
  });

  test.each<[string, Partial<SwarmNodeGroupProps>, RegExp]>([
    ['a label name that is not valid', { labels: { Bad_Name: 'x' } }, /Test\/G: label name 'Bad_Name' is not valid \(tag 'docker.Bad_Name'\)/],
    ['a reserved label', { labels: { 'fleet.instance-id': 'x' } }, /label name 'fleet.instance-id' is reserved/],
    ['a role that is not a valid label value', { role: 'front end!' }, /value 'front end!' of 'role' is not a valid tag value/],
    ['role set twice', { labels: { role: 'x' } }, /label 'role' is set twice/],
    ['an exported name that is not a shell identifier', { exportTags: { 'example.db.host': 'DB-HOST' } }, /exported variable name 'DB-HOST' \(from tag 'example.db.host'\) is not a valid shell identifier/],
    ['an exported name starting with a digit', { exportTags: { 'example.db.host': '1DB' } }, /'1DB'.*not a valid shell identifier/],
    ['an exported tag key metadata cannot serve', { exportTags: { 'db host': 'DB_HOST' } }, /exported tag key 'db host'/],
    ['one variable from two tags', { exportTags: { 'a.b': 'X', 'c.d': 'X' } }, /variable X is exported from both 'a.b' and 'c.d'/],
    ['a docker.* key in tags', { tags: { 'docker.role': 'x' } }, /tag 'docker.role' starts with 'docker.'/],
    ['min above max', { minCapacity: 4, maxCapacity: 2 }, /minCapacity \(4\) is larger than maxCapacity \(2\)/],
  ])('%s', (_name, props, message) => {
    const { cluster } = swarmStack();
    expect(() => group(cluster, 'G', props)).toThrow(message);
  });

  test('two groups with the same labels: no constraint could tell them apart', () => {
    const { cluster } = swarmStack();
    group(cluster, 'A');
    expect(() => group(cluster, 'B')).toThrow(/Test\/B: labels environment=staging,role=frontend are the same as those of Test\/A, so no placement constraint.*Fix: give one group another environment or an extra label/);
    expect(() => group(cluster, 'C', { environment: 'production' })).not.toThrow();
    expect(() => group(cluster, 'D', { labels: { zone: 'spot' } })).not.toThrow();
  });

  test('a worker role of manager would collide with the managers\' label', () => {
    const { cluster } = swarmStack();
    expect(() => group(cluster, 'M', { role: 'manager', environment: undefined })).toThrow(/role 'manager' is the managers' label/);
  });

  test('a drain timeout the drainer cannot wait for', () => {
    expect(() => swarmStack({ drainTimeout: Duration.minutes(20) })).toThrow(/drainTimeout of 1200 seconds is not valid/);
  });
});

describe('exportTags must name tags the instances have', () => {
  test('a tag the node group does not have fails at synth, naming the tag, the tags it has and the fix', () => {
    const { stack, cluster } = swarmStack();
    group(cluster, 'G', { tags: { 'example.db.host': 'db.example.internal' }, exportTags: { 'example.db.hots': 'DB_HOST' } });
    expect(() => Template.fromStack(stack)).toThrow(new RegExp("Test/G: exportTags names 'example\\.db\\.hots', which the instances of this node group will not have as a tag "
      + '\\(its tags: Name, docker\\.environment, docker\\.role, example\\.db\\.host, swarm:cluster, swarm:node-role\\), so its variable would be missing from /etc/swarm/node\\.env\\. '
      + "Fix: add 'example\\.db\\.hots' to tags \\(tags: \\{ 'example\\.db\\.hots': '<value>' \\}\\), or correct the key in exportTags\\."));
  });

  test('tags of the group, engine labels and tags added to the whole stack later can be exported', () => {
    const { stack, cluster } = swarmStack();
    group(cluster, 'G', { tags: { 'example.db.host': 'db' }, exportTags: { 'example.db.host': 'DB_HOST', 'docker.role': 'ROLE', 'team': 'TEAM' } });
    Tags.of(stack).add('team', 'payments');
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});
