import { DescribeManagedPrefixListsCommand, EC2Client, GetManagedPrefixListEntriesCommand } from '@aws-sdk/client-ec2';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudFormation, handler, missingRanges } from '../../lambda/prefix-list-id/index';
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
    t.hasResourceProperties('Custom::ManagedPrefixListId', {
      PrefixListName: NAME, ServiceTimeout: '240',
      // Checked at deploy time against another health-checker region's list (issue 22 item 8).
      CompareWith: { region: 'us-east-1', name: 'com.amazonaws.us-east-1.route53-healthchecks' },
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 443, ToPort: 443, SourcePrefixListId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HealthCheckers'), 'PrefixListId'] } });
    t.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: Match.arrayWith([{ Action: ['ec2:DescribeManagedPrefixLists', 'ec2:GetManagedPrefixListEntries'], Effect: 'Allow', Resource: '*' }]) } });
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

  describe('the deploy-time check that the region\'s list holds every health checker (issue 22 item 8)', () => {
    const OTHER = 'com.amazonaws.us-east-1.route53-healthchecks';
    const compared = (RequestType: string) => ({ ...event(RequestType), ResourceProperties: { PrefixListName: NAME, CompareWith: { region: 'us-east-1', name: OTHER } } });
    const lists = (local: string[], other: string[]) => {
      ec2Mock.on(DescribeManagedPrefixListsCommand, { Filters: [{ Name: 'prefix-list-name', Values: [NAME] }] })
        .resolves({ PrefixLists: [{ PrefixListId: 'pl-0a1b2c3d4e5f60718', PrefixListName: NAME, OwnerId: 'AWS' }] });
      ec2Mock.on(DescribeManagedPrefixListsCommand, { Filters: [{ Name: 'prefix-list-name', Values: [OTHER] }] })
        .resolves({ PrefixLists: [{ PrefixListId: 'pl-09f8e7d6c5b4a3921', PrefixListName: OTHER, OwnerId: 'AWS' }] });
      // Two pages for the local list: the handler follows NextToken.
      ec2Mock.on(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-0a1b2c3d4e5f60718', NextToken: undefined })
        .resolves({ Entries: local.slice(0, 1).map((Cidr) => ({ Cidr })), NextToken: 'page2' });
      ec2Mock.on(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-0a1b2c3d4e5f60718', NextToken: 'page2' }).resolves({ Entries: local.slice(1).map((Cidr) => ({ Cidr })) });
      ec2Mock.on(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-09f8e7d6c5b4a3921' }).resolves({ Entries: other.map((Cidr) => ({ Cidr })) });
    };

    test('succeeds when the local list holds every range of the other region\'s list', async () => {
      lists(['54.228.16.0/26', '54.243.31.192/26', '176.34.159.192/26'], ['54.243.31.192/26', '54.228.16.0/26']);
      await handler(compared('Create'));
      expect(responses[0]).toMatchObject({ Status: 'SUCCESS', Data: { PrefixListId: 'pl-0a1b2c3d4e5f60718' }, Reason: expect.stringContaining(`holding all 2 ranges of ${OTHER}`) });
    });

    test('fails the deployment naming the missing ranges when the local list holds only its own region\'s checkers', async () => {
      lists(['54.228.16.0/26', '176.34.159.192/26'], ['54.243.31.192/26', '107.23.255.0/26']);
      await handler(compared('Update'));
      expect(responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/lacks 2 of the 2 ranges of com\.amazonaws\.us-east-1\.route53-healthchecks \(107\.23\.255\.0\/26, 54\.243\.31\.192\/26\).*every region would look unhealthy/) });
    });

    test('a refused read of the other region\'s list fails the deployment with the reason, never a silent success', async () => {
      lists(['54.228.16.0/26'], ['54.228.16.0/26']);
      ec2Mock.on(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-09f8e7d6c5b4a3921' })
        .rejects(Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } }));
      await handler(compared('Create'));
      expect(responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('not authorized') });
    });

    test('in us-east-1 the list is compared with eu-west-1\'s; outside the commercial partition it is not compared', () => {
      const props = (region: string) => {
        const app = new App();
        const stack = new Stack(app, 'S', { env: { account: '493827162534', region } });
        new Route53HealthCheckerAccess(stack, 'HealthCheckers', { target: new ec2.SecurityGroup(stack, 'Lb', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 }) }), port: 80 });
        return Object.values(Template.fromStack(stack).findResources('Custom::ManagedPrefixListId'))[0].Properties;
      };
      expect(props('us-east-1').CompareWith).toEqual({ region: 'eu-west-1', name: 'com.amazonaws.eu-west-1.route53-healthchecks' });
      expect(props('cn-north-1').CompareWith).toBeUndefined();
    });

    test('missingRanges: what the other list has and the local one lacks, sorted', () => {
      expect(missingRanges(new Set(['a', 'b']), new Set(['c', 'a', 'b0']))).toEqual(['b0', 'c']);
      expect(missingRanges(new Set(['a']), new Set())).toEqual([]);
    });
  });
});
