import { TemplateSet } from '../../lib/preflight/template-set';
import { nestedTemplate, oneStack, stackTemplate } from './support';

describe('TemplateSet', () => {
  const parent = stackTemplate('Parent', {
    Vpc: { Type: 'AWS::EC2::VPC' },
    Child: { Type: 'AWS::CloudFormation::Stack', Properties: { Parameters: { VpcRef: { Ref: 'Vpc' }, Prefix: 'app' } } },
  }, { account: '210987654321' });
  const child = nestedTemplate(parent, 'Child', {
    Parameters: { VpcRef: { Type: 'String' }, Prefix: { Type: 'String' }, Suffix: { Type: 'String', Default: 'x' } },
    Resources: { Queue: { Type: 'AWS::SQS::Queue' } },
    Outputs: { QueueOut: { Value: { Ref: 'Queue' } } },
  });
  const consumer = stackTemplate('Consumer', {}, {
    template: { Resources: { Topic: { Type: 'AWS::SNS::Topic' } }, Outputs: { Exported: { Value: { Ref: 'Topic' }, Export: { Name: 'shared-topic' } } } },
  });
  const set = new TemplateSet([child, parent, consumer]);
  const childInSet = set.template(child.templateFile)!;
  const parentInSet = set.template(parent.templateFile)!;

  test('a nested stack takes its parent\'s region and account', () => {
    expect(childInSet.region).toBe('eu-west-1');
    expect(childInSet.account).toBe('210987654321');
  });

  test('follows a nested stack parameter to the resource the parent passes', () => {
    expect(set.resolveResource(childInSet, { Ref: 'VpcRef' })).toMatchObject({ logicalId: 'Vpc', template: { templateFile: 'Parent.template.json' } });
  });

  test('follows a nested stack output to the resource in the nested template', () => {
    expect(set.resolveResource(parentInSet, { 'Fn::GetAtt': ['Child', 'Outputs.QueueOut'] })).toMatchObject({ logicalId: 'Queue' });
  });

  test('follows Fn::ImportValue to the exporting stack', () => {
    expect(set.resolveResource(parentInSet, { 'Fn::ImportValue': 'shared-topic' })).toMatchObject({ logicalId: 'Topic' });
  });

  test('returns undefined for literals and references leaving the app', () => {
    expect(set.resolveResource(parentInSet, 'sg-123')).toBeUndefined();
    expect(set.resolveResource(parentInSet, { Ref: 'NoSuchThing' })).toBeUndefined();
  });

  test('folds Fn::Join, Fn::Sub, pseudo parameters and passed or defaulted parameters to literals', () => {
    expect(set.literal(childInSet, { 'Fn::Join': ['-', [{ Ref: 'Prefix' }, { Ref: 'AWS::Region' }, { Ref: 'Suffix' }]] })).toBe('app-eu-west-1-x');
    expect(set.literal(parentInSet, { 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:q' })).toBe('arn:aws:sqs:eu-west-1:210987654321:q');
  });

  test('gives no literal when a part is only known at deploy time', () => {
    expect(set.literal(parentInSet, { 'Fn::Join': ['', ['a', { 'Fn::GetAtt': ['Vpc', 'CidrBlock'] }]] })).toBeUndefined();
    expect(set.literal(childInSet, { Ref: 'AWS::StackName' })).toBeUndefined();
  });

  test('bounds the length of a name with an unknown account id at 12 characters for the account', () => {
    const agnostic = oneStack({}, { region: undefined, account: undefined });
    const t = agnostic.templates[0];
    expect(agnostic.lengthBound(t, { 'Fn::Join': ['-', ['name', { Ref: 'AWS::AccountId' }]] })).toEqual({ min: 17, exact: true });
    expect(agnostic.lengthBound(t, { 'Fn::Join': ['-', ['name', { Ref: 'AWS::Region' }]] })).toEqual({ min: 14, exact: true });
    expect(agnostic.lengthBound(t, { 'Fn::Join': ['-', ['name', { 'Fn::GetAtt': ['X', 'Y'] }]] })).toEqual({ min: 5, exact: false });
  });

  test('lists resources by type across templates', () => {
    expect(set.resourcesOfType('AWS::SQS::Queue', 'AWS::SNS::Topic').map((r) => r.logicalId)).toEqual(['Queue', 'Topic']);
  });
});
