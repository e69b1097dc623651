import { DescribeManagedPrefixListsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudFormation, handler } from '../../lambda/prefix-list-id/index';
import { Route53HealthCheckerAccess } from '../../lib/environments/health-checkers';
import { testStack } from '../support/fixtures';

const ec2Mock = mockClient(EC2Client);
const NAME = 'com.amazonaws.eu-west-1.route53-healthchecks';
const event = (RequestType: string) => ({
  RequestType, ResponseURL: 'https://cloudformation-custom-resource-response.example/x', StackId: 's', RequestId: 'r', LogicalResourceId: 'L',
  ResourceProperties: { PrefixListName: NAME },
});
let responses: any[] = [];

beforeEach(() => {
  ec2Mock.reset();
  responses = [];
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  cloudFormation.respond = async (_url, body) => { responses.push(JSON.parse(body)); };
});

describe('Route53HealthCheckerAccess', () => {
  test('admits the managed prefix list, read at deploy time, on the given port only', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
    const group = new ec2.SecurityGroup(stack, 'Lb', { vpc });
    new Route53HealthCheckerAccess(stack, 'HealthCheckers', { target: group, port: 443 });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('Custom::ManagedPrefixListId', { PrefixListName: NAME, ServiceTimeout: '240' });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 443, ToPort: 443, SourcePrefixListId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HealthCheckers'), 'PrefixListId'] } });
    t.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: Match.arrayWith([{ Action: 'ec2:DescribeManagedPrefixLists', Effect: 'Allow', Resource: '*' }]) } });
  });

  test('the handler answers the id of the named list (documented DescribeManagedPrefixLists shape)', async () => {
    ec2Mock.on(DescribeManagedPrefixListsCommand, { Filters: [{ Name: 'prefix-list-name', Values: [NAME] }] }).resolves({
      PrefixLists: [{ PrefixListId: 'pl-0123456789abcdef0', AddressFamily: 'IPv4', State: 'create-complete', PrefixListName: NAME, MaxEntries: 25, OwnerId: 'AWS' }],
    });
    await handler(event('Create'));
    expect(responses[0]).toMatchObject({ Status: 'SUCCESS', Data: { PrefixListId: 'pl-0123456789abcdef0' }, PhysicalResourceId: `prefix-list-${NAME}` });
  });

  test('a region without the list fails the deployment naming it; Delete never calls EC2', async () => {
    ec2Mock.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [] });
    await handler(event('Update'));
    expect(responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining(`no managed prefix list named ${NAME}`) });
    await handler(event('Delete'));
    expect(responses[1].Status).toBe('SUCCESS');
    expect(ec2Mock.commandCalls(DescribeManagedPrefixListsCommand)).toHaveLength(1);
  });
});
