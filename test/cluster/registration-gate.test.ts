import * as fs from 'fs';
import * as path from 'path';
import { AutoScalingClient, CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/agent-registered/index';
import { nothingToComplete, registeredInstance } from '../../lambda/agent-registered/logic';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { unitTestApp } from '../support/app';

const documented = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'aws-events', 'documented', 'ecs-container-instance-state-change.json'), 'utf8'));
const asg = mockClient(AutoScalingClient);
const error = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('registration gate: a new instance goes in service only once its ECS agent has registered', () => {
  const stack = new Stack(unitTestApp(), 'Test', { env: { account: '493827162534', region: 'eu-west-1' } });
  new FleetCluster(stack, 'Cluster');
  const t = Template.fromStack(stack);

  test('a launch lifecycle hook holds new instances, abandoning one that never registers', () => {
    t.hasResourceProperties('AWS::AutoScaling::LifecycleHook', {
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', HeartbeatTimeout: 600, DefaultResult: 'ABANDON',
    });
  });

  test("the cluster's registration events (ACTIVE, agent connected) reach the function; it may complete actions of this group only", () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecs'], 'detail-type': ['ECS Container Instance State Change'],
        detail: { clusterArn: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterEcsCluster'), 'Arn'] }], status: ['ACTIVE'], agentConnected: [true] },
      },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Action: 'autoscaling:CompleteLifecycleAction',
        Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('autoScalingGroupName/$'), { Ref: Match.stringLikeRegexp('^ClusterCapacityASG') }])] },
      })]) },
    });
  });

  test('registrationTimeout outside the heartbeat range fails with the fix', () => {
    const s = new Stack(unitTestApp(), 'Bad');
    expect(() => new FleetCluster(s, 'C', { registrationTimeout: Duration.hours(3) })).toThrow(/registrationTimeout 3 hours is not valid\. Fix: use whole seconds, 30 seconds to 2 hours/);
  });
});

describe('registration gate handler', () => {
  beforeEach(() => {
    asg.reset();
    process.env.ASG_NAME = 'prod-capacity';
    process.env.HOOK_NAME = 'agent-registered';
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  test('only an ACTIVE container instance with its agent connected counts as registered', () => {
    expect(registeredInstance(documented.detail)).toBe('i-f3a8506b');
    expect(registeredInstance({ ...documented.detail, agentConnected: false })).toBeUndefined();
    expect(registeredInstance({ ...documented.detail, status: 'DRAINING' })).toBeUndefined();
    expect(registeredInstance({ ...documented.detail, ec2InstanceId: undefined })).toBeUndefined();
  });

  test('the documented event completes the launch of its instance with CONTINUE', async () => {
    asg.on(CompleteLifecycleActionCommand).resolves({});
    await handler(documented);
    expect(asg.commandCalls(CompleteLifecycleActionCommand).map((c) => c.args[0].input)).toEqual([{
      AutoScalingGroupName: 'prod-capacity', LifecycleHookName: 'agent-registered', InstanceId: 'i-f3a8506b', LifecycleActionResult: 'CONTINUE',
    }]);
  });

  test('an instance already in service (agent reconnects, task changes) is not an error', async () => {
    const none = error('ValidationError', 'No active Lifecycle Action found with instance ID i-f3a8506b');
    expect(nothingToComplete(none)).toBe(true);
    asg.on(CompleteLifecycleActionCommand).rejects(none);
    await expect(handler(documented)).resolves.toBeUndefined();
  });

  test('other failures are thrown so EventBridge retries (the hook timeout bounds the wait)', async () => {
    asg.on(CompleteLifecycleActionCommand).rejects(error('AccessDenied', 'not authorized'));
    await expect(handler(documented)).rejects.toThrow(/not authorized/);
  });
});
