import { DeregisterContainerInstanceCommand, ECSClient, ListContainerInstancesCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudFormation, handler, timing } from '../../lambda/cluster-teardown/index';
import { teardownOutcome } from '../../lambda/cluster-teardown/logic';

const ecs = mockClient(ECSClient);
const error = (name: string) => Object.assign(new Error(name), { name });
const ARN = (n: number) => `arn:aws:ecs:eu-west-1:111111111111:container-instance/prod-cluster/${n}`;
const event = (RequestType: string) => ({
  RequestType, ResponseURL: 'https://cloudformation-custom-resource-response.example/x', StackId: 'stack', RequestId: 'req', LogicalResourceId: 'Guard',
  PhysicalResourceId: RequestType === 'Create' ? undefined : 'teardown-prod-cluster', ResourceProperties: { ClusterName: 'prod-cluster' },
});
let responses: any[] = [];

beforeEach(() => {
  ecs.reset();
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  timing.pollMillis = 0;
  responses = [];
  cloudFormation.respond = async (_url, body) => { responses.push(JSON.parse(body)); };
  ecs.on(DeregisterContainerInstanceCommand).resolves({});
});

describe('cluster teardown guard', () => {
  test('Create and Update answer SUCCESS without touching ECS', async () => {
    await handler(event('Create'));
    await handler(event('Update'));
    expect(responses.map((r) => r.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(responses[0].PhysicalResourceId).toBe('teardown-prod-cluster');
    expect(ecs.calls()).toHaveLength(0);
  });

  test('Delete force-deregisters ACTIVE and DRAINING instances ECS still lists, waits until none is left, then answers SUCCESS', async () => {
    ecs.on(ListContainerInstancesCommand, { status: 'ACTIVE' }).resolvesOnce({ containerInstanceArns: [ARN(1)] }).resolves({ containerInstanceArns: [] });
    ecs.on(ListContainerInstancesCommand, { status: 'DRAINING' })
      .resolvesOnce({ containerInstanceArns: [ARN(2)] })
      .resolvesOnce({ containerInstanceArns: [ARN(2)] }) // still deregistering: not sent twice
      .resolves({ containerInstanceArns: [] });
    const { result } = await handler(event('Delete'));
    expect(result).toBe('SUCCESS: deregistered 2 container instance(s) of prod-cluster');
    expect(ecs.commandCalls(DeregisterContainerInstanceCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'prod-cluster', containerInstance: ARN(1), force: true },
      { cluster: 'prod-cluster', containerInstance: ARN(2), force: true },
    ]);
    expect(responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'teardown-prod-cluster', RequestId: 'req', LogicalResourceId: 'Guard' });
  });

  test('Delete of a cluster that is already gone answers SUCCESS', async () => {
    ecs.on(ListContainerInstancesCommand).rejects(error('ClusterNotFoundException'));
    expect((await handler(event('Delete'))).result).toMatch(/^SUCCESS: no container instance left/);
  });

  test('a permanent ECS error answers FAILED with the reason, never hangs', async () => {
    ecs.on(ListContainerInstancesCommand).rejects(error('AccessDeniedException'));
    await handler(event('Delete'));
    expect(responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/could not deregister the container instances of prod-cluster: AccessDeniedException/) });
  });

  test('instances still listed at the deadline fail the deletion naming them and the fix', async () => {
    ecs.on(ListContainerInstancesCommand, { status: 'ACTIVE' }).resolves({ containerInstanceArns: [ARN(3)] });
    ecs.on(ListContainerInstancesCommand, { status: 'DRAINING' }).resolves({ containerInstanceArns: [] });
    await handler(event('Delete'), { getRemainingTimeInMillis: () => 30_000 });
    expect(responses[0].Status).toBe('FAILED');
    expect(responses[0].Reason).toContain(ARN(3));
    expect(responses[0].Reason).toContain('deregister-container-instance --force');
  });

  test('teardownOutcome truncates long lists', () => {
    const outcome = teardownOutcome('c', 0, [1, 2, 3, 4, 5, 6].map(ARN));
    expect(outcome.status).toBe('FAILED');
    expect(outcome.reason).toMatch(/6 container instance\(s\) of c are still registered: .*5, …;/);
  });
});
