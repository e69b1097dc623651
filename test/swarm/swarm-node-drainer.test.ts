import * as fs from 'fs';
import * as path from 'path';
import { AutoScalingClient, CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, DescribeInstancesCommandOutput, EC2Client } from '@aws-sdk/client-ec2';
import {
  DeleteParameterCommand, DeleteParametersCommand, GetCommandInvocationCommand, GetParametersByPathCommand, SendCommandCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudFormation, handler, timing } from '../../lambda/swarm-node-drainer/index';
import { actionOf, candidateManagers, chunks, goneManagers } from '../../lambda/swarm-node-drainer/logic';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'aws-events');
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
const terminate = fixture('eventbridge-terminate-lifecycle-action.json');
const launched = fixture('eventbridge-launch-successful.json');

const ssm = mockClient(SSMClient);
const ec2 = mockClient(EC2Client);
const asg = mockClient(AutoScalingClient);

/** DescribeInstances answer in the documented shape. */
const reservations = (...ids: string[]): DescribeInstancesCommandOutput => ({ $metadata: {}, Reservations: [{ ReservationId: 'r-1', Instances: ids.map((InstanceId) => ({ InstanceId, State: { Code: 16, Name: 'running' as const } })) }] });
const error = (name: string) => Object.assign(new Error(name), { name });

// The handler logs one JSON line per action to the console (CloudWatch in Lambda); tests capture the lines instead of
// printing them, and assert the ones that matter.
const logged = { log: [] as string[], warn: [] as string[], error: [] as string[] };
beforeEach(() => {
  for (const level of ['log', 'warn', 'error'] as const) {
    logged[level] = [];
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged[level].push(String(args[0])));
  }
});
afterEach(() => jest.restoreAllMocks());

beforeEach(() => {
  ssm.reset(); ec2.reset(); asg.reset();
  timing.pollMillis = 0;
  Object.assign(process.env, { SWARM_NAME: 'swarm-1', DOCUMENT_NAME: 'SwarmDoc', PARAMETER_PREFIX: '/cdk-container-fleet/swarm/swarm-1' });
  asg.on(CompleteLifecycleActionCommand).resolves({});
  ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
  ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
});

describe('actionOf', () => {
  test('reads the documented terminate lifecycle action', () => {
    expect(actionOf(terminate)).toEqual({ kind: 'leave', instanceId: 'i-1234567890abcdef0', groupName: 'my-asg', hookName: 'my-lifecycle-hook', token: '87654321-4321-4321-4321-210987654321' });
  });
  test('reads launch successful as a rebalance and the schedule as a prune; ignores the rest', () => {
    expect(actionOf(launched)).toEqual({ kind: 'rebalance', instanceId: 'i-1234567890abcdef0' });
    expect(actionOf({ 'detail-type': 'Scheduled Event', detail: {} })).toEqual({ kind: 'prune' });
    expect(actionOf(fixture('eventbridge-launch-lifecycle-action.json')).kind).toBe('ignore');
  });
  test('never picks the leaving instance as the manager that runs the command', () => {
    expect(candidateManagers(['i-b', 'i-a', 'i-b', 'i-c'], 'i-b')).toEqual(['i-a', 'i-c']);
  });
});

describe('drainer handler', () => {
  test('drains through a running manager, waits for the command, then completes the lifecycle action with CONTINUE', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations('i-0manager1'));
    ssm.on(GetCommandInvocationCommand)
      .rejectsOnce(error('InvocationDoesNotExist'))
      .resolvesOnce({ Status: 'InProgress' })
      .resolves({ Status: 'Success' });
    const result = await handler(terminate);
    expect(result.result).toBe('Success');
    const leave = ssm.commandCalls(SendCommandCommand)[0].args[0].input;
    expect(leave).toMatchObject({ DocumentName: 'SwarmDoc', InstanceIds: ['i-0manager1'], Parameters: { action: ['leave'], target: ['i-1234567890abcdef0'] } });
    expect(asg.commandCalls(CompleteLifecycleActionCommand)[0].args[0].input).toEqual({
      AutoScalingGroupName: 'my-asg', LifecycleHookName: 'my-lifecycle-hook', LifecycleActionToken: '87654321-4321-4321-4321-210987654321',
      InstanceId: 'i-1234567890abcdef0', LifecycleActionResult: 'CONTINUE',
    });
    // Managers are found by the swarm tags, running only.
    expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'tag:swarm:cluster', Values: ['swarm-1'] },
      { Name: 'instance-state-name', Values: ['running'] },
      { Name: 'tag:swarm:node-role', Values: ['manager'] },
    ]);
    // Then a prune with the live instances.
    expect(ssm.commandCalls(SendCommandCommand)[1].args[0].input.Parameters).toEqual({ action: ['prune'], target: ['i-0manager1'] });
  });

  test('skips a manager SSM does not know yet and uses the next one', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations('i-a', 'i-b'));
    ssm.on(SendCommandCommand, { InstanceIds: ['i-a'] }).rejects(error('InvalidInstanceId'));
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success' });
    await handler(terminate);
    expect(ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input.InstanceIds)).toEqual([['i-a'], ['i-b'], ['i-a'], ['i-b']]);
    expect(logged.warn.map((l) => JSON.parse(l))).toContainEqual({ manager: 'i-a', skipped: 'InvalidInstanceId' });
  });

  test("an instance carrying copied swarm tags outside this swarm's manager group is refused by IAM and skipped; the drain goes through a real manager (issue 19)", async () => {
    // 'i-0forged' sorts first: another environment's instance tagged swarm:cluster=swarm-1, swarm:node-role=manager.
    ec2.on(DescribeInstancesCommand).resolves(reservations('i-0forged', 'i-0manager1'));
    const denied = Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/drainer/fn is not authorized to perform: ssm:SendCommand on resource: arn:aws:ec2:us-west-2:123456789012:instance/i-0forged because no identity-based policy allows the ssm:SendCommand action'),
      { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    ssm.on(SendCommandCommand, { InstanceIds: ['i-0forged'] }).rejects(denied);
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success' });
    await expect(handler(terminate)).resolves.toEqual({ result: 'Success' });
    expect(ssm.commandCalls(GetCommandInvocationCommand)[0].args[0].input.InstanceId).toBe('i-0manager1');
    expect(logged.warn.map((l) => JSON.parse(l))).toContainEqual({ manager: 'i-0forged', skipped: 'AccessDeniedException' });
  });

  test('completes the lifecycle action even when the drain fails, so termination never hangs', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations('i-a'));
    ssm.on(SendCommandCommand).rejects(error('ThrottlingException'));
    const result = await handler(terminate);
    expect(result.result).toMatch(/drain failed/);
    expect(asg.commandCalls(CompleteLifecycleActionCommand)).toHaveLength(1);
    expect(logged.error.some((l) => /ThrottlingException/.test(l))).toBe(true);
  });

  test('a terminating node\'s manager address is removed (absent for workers, which is fine)', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations('i-a'));
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success' });
    ssm.on(DeleteParameterCommand).resolves({});
    ssm.on(DeleteParameterCommand).rejectsOnce(error('ParameterNotFound')).resolves({});
    expect((await handler(terminate)).result).toBe('Success');
    await handler({ ...terminate, detail: { ...terminate.detail, AutoScalingGroupName: 'managers-asg' } });
    expect(ssm.commandCalls(DeleteParameterCommand)[1].args[0].input).toEqual({ Name: '/cdk-container-fleet/swarm/swarm-1/managers/i-1234567890abcdef0' });
  });

  test('with no other manager it completes the action at once', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations('i-1234567890abcdef0'));
    const result = await handler(terminate);
    expect(result.result).toBe('no manager');
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
    expect(asg.commandCalls(CompleteLifecycleActionCommand)).toHaveLength(1);
  });

  test('prune lists every page of live instances before sending, and sends nothing when the listing fails', async () => {
    ec2.on(DescribeInstancesCommand)
      .resolvesOnce({ ...reservations('i-w2', 'i-m'), NextToken: 'p2' })
      .resolvesOnce(reservations('i-w1'))
      .resolves(reservations('i-m')); // then the managers
    await handler({ 'detail-type': 'Scheduled Event', detail: {} });
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input.Parameters).toEqual({ action: ['prune'], target: ['i-m,i-w1,i-w2'] });

    ssm.resetHistory();
    ec2.reset();
    ec2.on(DescribeInstancesCommand).rejects(error('RequestLimitExceeded'));
    await expect(handler({ 'detail-type': 'Scheduled Event', detail: {} })).rejects.toThrow(/RequestLimitExceeded/);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  // Finding 2: only the terminate path forgot a manager's address; prune left dead ones for joiners to dial first.
  test('prune forgets the manager addresses of instances gone from EC2, and only those', async () => {
    const prefix = '/cdk-container-fleet/swarm/swarm-1/managers';
    ec2.on(DescribeInstancesCommand).resolves(reservations('i-m1', 'i-w1'));
    ssm.on(GetParametersByPathCommand, { Path: prefix }).resolves({ Parameters: [{ Name: `${prefix}/i-m1` }, { Name: `${prefix}/i-dead` }] });
    ssm.on(DeleteParameterCommand).resolves({});
    const result = await handler({ 'detail-type': 'Scheduled Event', detail: {} });
    expect(result.result).toBe('prune sent; forgot i-dead');
    expect(ssm.commandCalls(DeleteParameterCommand).map((c) => c.args[0].input.Name)).toEqual([`${prefix}/i-dead`]);
    expect(goneManagers([`${prefix}/i-a`, `${prefix}/i-b`, '/other/i-c'], prefix, ['i-a'])).toEqual(['i-b']);
  });

  test('rebalance sends the new instance id and does not wait', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations('i-m'));
    expect(await handler(launched)).toEqual({ result: 'rebalance sent' });
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input.Parameters).toEqual({ action: ['rebalance'], target: ['i-1234567890abcdef0'] });
    expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(0);
  });
});

describe('parameters custom resource', () => {
  // The request shape CloudFormation sends to a custom resource provider (AWS CloudFormation user guide, crpg-ref-requests).
  const request = (RequestType: string) => ({
    RequestType,
    ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/presigned',
    StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/SwarmEnv/guid',
    RequestId: 'req-1',
    ResourceType: 'Custom::SwarmParameters',
    LogicalResourceId: 'SwarmParameters',
    ResourceProperties: { ServiceToken: 'arn', Prefix: '/cdk-container-fleet/swarm/swarm-1' },
  });
  let responses: any[];
  beforeEach(() => {
    responses = [];
    cloudFormation.respond = async (_url, body) => { responses.push(JSON.parse(body)); };
  });

  test('on Create and Delete, removes every parameter under the prefix, 10 names per call, then answers SUCCESS', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `/cdk-container-fleet/swarm/swarm-1/managers/i-${i}`);
    ssm.on(GetParametersByPathCommand)
      .resolvesOnce({ Parameters: names.slice(0, 7).map((Name) => ({ Name })), NextToken: 't' })
      .resolvesOnce({ Parameters: names.slice(7).map((Name) => ({ Name })) });
    ssm.on(DeleteParametersCommand).resolves({});
    await handler(request('Create'));
    expect(ssm.commandCalls(GetParametersByPathCommand)[0].args[0].input).toMatchObject({ Path: '/cdk-container-fleet/swarm/swarm-1', Recursive: true });
    expect(ssm.commandCalls(DeleteParametersCommand).map((c) => c.args[0].input.Names!.length)).toEqual([10, 2]);
    expect(responses[0]).toMatchObject({ Status: 'SUCCESS', RequestId: 'req-1', LogicalResourceId: 'SwarmParameters', Reason: 'deleted 12 parameters under /cdk-container-fleet/swarm/swarm-1' });
  });

  test('a failed Delete still answers SUCCESS (stack deletion never hangs); a failed Create answers FAILED', async () => {
    ssm.on(GetParametersByPathCommand).rejects(error('AccessDeniedException'));
    await handler(request('Delete'));
    await handler(request('Create'));
    expect(responses.map((r) => r.Status)).toEqual(['SUCCESS', 'FAILED']);
    expect(responses[1].Reason).toMatch(/AccessDeniedException/);
    expect(logged.error.map((l) => JSON.parse(l).reset)).toEqual(['Delete', 'Create']);
  });

  test('Update changes nothing', async () => {
    await handler({ ...request('Update'), PhysicalResourceId: 'keep-me' });
    expect(ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(0);
    expect(responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'keep-me' });
  });

  test('chunks splits into batches', () => {
    expect(chunks([1, 2, 3], 2)).toEqual([[1, 2], [3]]);
  });
});
