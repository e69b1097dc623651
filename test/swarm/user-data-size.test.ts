import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { swarmLaunchTemplate } from '../../lib/swarm/node-parts';
import { UNKNOWN_REFERENCE_BYTES, USER_DATA_LIMIT_BYTES, userDataSizeBound } from '../../lib/swarm/user-data-size';
import { unitTestApp } from '../support/app';

const types: Record<string, string> = { Key: 'AWS::KMS::Key', Group: 'AWS::EC2::SecurityGroup' };
const typeOf = (id: string) => types[id];

describe('userDataSizeBound', () => {
  test('literal text counts exactly, in bytes (UTF-8)', () => {
    expect(userDataSizeBound('#!/bin/bash\necho é\n', typeOf)).toEqual({ bytes: 20, literalBytes: 20, unknownParts: [] });
  });

  test('references count as their longest value: a KMS key ARN, pseudo parameters, a joined separator between parts', () => {
    const bound = userDataSizeBound({ 'Fn::Join': ['', ['K=', { 'Fn::GetAtt': ['Key', 'Arn'] }, ' R=', { Ref: 'AWS::Region' }, ' A=', { Ref: 'AWS::AccountId' }]] }, typeOf);
    // arn:<16>:kms:<20>:<12>:key/<36>
    expect(bound).toEqual({ bytes: 8 + (4 + 16 + 1 + 3 + 1 + 20 + 1 + 12 + 1 + 4 + 36) + 20 + 12, literalBytes: 8, unknownParts: [] });
    expect(userDataSizeBound({ 'Fn::Join': ['--', ['a', 'b', 'c']] }, typeOf).bytes).toBe(7);
  });

  test('a reference of unknown length (a parameter, another stack, an unknown attribute) counts as any ARN and is named', () => {
    const bound = userDataSizeBound({ 'Fn::Join': ['', ['x', { Ref: 'Param' }, { 'Fn::GetAtt': ['Key', 'Nothing'] }, { 'Fn::ImportValue': 'e' }]] }, typeOf);
    expect(bound.bytes).toBe(1 + 3 * UNKNOWN_REFERENCE_BYTES);
    expect(bound.unknownParts).toEqual(['Ref Param', 'Key.Nothing', '{"Fn::ImportValue":"e"}']);
  });
});

describe('swarm launch templates judge the user data EC2 receives (issue 22 item 7)', () => {
  const build = (userData: (stack: Stack) => string) => {
    const stack = new Stack(unitTestApp(), 'S', { env: { region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    swarmLaunchTemplate(stack, 'Template', {
      instanceType: new ec2.InstanceType('t3.small'), role, securityGroups: [new ec2.SecurityGroup(stack, 'Sg', { vpc })], rootVolumeSizeGiB: 30, userData: userData(stack),
    });
    return stack;
  };
  const padding = (n: number) => `#!/bin/bash\n${'#'.repeat(n)}\n`;

  test('refuses user data whose synth-time string fits but whose resolved references do not', () => {
    // 16,300 bytes of text plus a KMS key ARN: the placeholder is about 25 characters, the ARN up to 94.
    const text = padding(16300 - 14);
    expect(() => build((s) => `${text}export KEY='${new kms.Key(s, 'Key').keyArn}'\n`))
      .toThrow(/the generated user data may be 164\d\d bytes once CloudFormation fills in its references.*over EC2's limit of 16384 bytes/);
  });

  test('accepts the same text with a reference short enough', () => {
    const text = padding(16200 - 14);
    expect(() => build((s) => `${text}export KEY='${new kms.Key(s, 'Key').keyArn}'\n`)).not.toThrow();
  });

  test('warns (does not refuse) when only references of unknown length could take it over', () => {
    const text = padding(15000 - 14);
    const stack = build((s) => `${text}export P='${ssm.StringParameter.valueForStringParameter(s, '/x')}'\n`);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`may exceed EC2's limit of ${USER_DATA_LIMIT_BYTES} bytes once CloudFormation fills in Ref \\w+ \\(length unknown`))]);
  });
});
