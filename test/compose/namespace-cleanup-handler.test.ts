import {
  DeleteServiceCommand, ListInstancesCommand, ListServicesCommand, ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudFormation, handler, timing } from '../../lambda/namespace-cleanup/index';
import { cleanupOutcome, isGone, isTransient } from '../../lambda/namespace-cleanup/logic';

const cloudMap = mockClient(ServiceDiscoveryClient);
const NS = 'ns-abcdefgh12345678';
const error = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} message`), { name, ...extra });
/** A ServiceSummary as ListServices returns it (Cloud Map API reference). */
const service = (id: string, name: string) => ({
  Id: id, Arn: `arn:aws:servicediscovery:eu-west-1:111111111111:service/${id}`, Name: name, Type: 'HTTP' as const, InstanceCount: 0, CreateDate: new Date(0),
});
/** An InstanceSummary as ListInstances returns it. */
const instance = (id: string) => ({ Id: id, Attributes: { AWS_INSTANCE_IPV4: '10.0.1.23', AWS_INSTANCE_PORT: '32768' } });
const event = (RequestType: string) => ({
  RequestType, ResponseURL: 'https://cloudformation-custom-resource-response.example/x', StackId: 'stack', RequestId: 'req', LogicalResourceId: 'Cleanup',
  PhysicalResourceId: RequestType === 'Create' ? undefined : `namespace-cleanup-${NS}`, ResourceProperties: { NamespaceId: NS },
});
/** Little time left: one round, then the outcome. */
const shortContext = { getRemainingTimeInMillis: () => 30_000 };
let responses: any[] = [];

beforeEach(() => {
  cloudMap.reset();
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  timing.pollMillis = 0;
  responses = [];
  cloudFormation.respond = async (_url, body) => { responses.push(JSON.parse(body)); };
  cloudMap.on(DeleteServiceCommand).resolves({});
  cloudMap.on(ListInstancesCommand).resolves({ Instances: [] });
});

describe('namespace cleanup', () => {
  test('Create and Update answer SUCCESS without calling Cloud Map', async () => {
    await handler(event('Create'));
    await handler(event('Update'));
    expect(responses.map((r) => r.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(responses[0].PhysicalResourceId).toBe(`namespace-cleanup-${NS}`);
    expect(cloudMap.calls()).toHaveLength(0);
  });

  test('Delete lists only this namespace\'s services (NAMESPACE_ID filter, every page) and deletes each one without instances', async () => {
    cloudMap.on(ListServicesCommand)
      .resolvesOnce({ Services: [service('srv-a', 'api-8080')], NextToken: 'page-2' })
      .resolvesOnce({ Services: [service('srv-b', 'db-5432')] })
      .resolves({ Services: [] });
    const { result } = await handler(event('Delete'));
    expect(result).toBe(`SUCCESS: deleted 2 Cloud Map service(s) of namespace ${NS}`);
    const listed = cloudMap.commandCalls(ListServicesCommand).map((c) => c.args[0].input);
    // Two pages in the first round, one empty listing in the second; always this namespace only.
    expect(listed).toHaveLength(3);
    for (const input of listed) expect(input.Filters).toEqual([{ Name: 'NAMESPACE_ID', Values: [NS], Condition: 'EQ' }]);
    expect(cloudMap.commandCalls(DeleteServiceCommand).map((c) => c.args[0].input)).toEqual([{ Id: 'srv-a' }, { Id: 'srv-b' }]);
    expect(responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `namespace-cleanup-${NS}`, RequestId: 'req', LogicalResourceId: 'Cleanup' });
  });

  test('a service that still has instances is not deleted until they are gone', async () => {
    cloudMap.on(ListServicesCommand).resolvesOnce({ Services: [service('srv-a', 'api-8080')] })
      .resolvesOnce({ Services: [service('srv-a', 'api-8080')] }).resolves({ Services: [] });
    cloudMap.on(ListInstancesCommand, { ServiceId: 'srv-a' })
      .resolvesOnce({ Instances: [instance('task-1')] })
      .resolves({ Instances: [] });
    const { result } = await handler(event('Delete'));
    expect(result).toBe(`SUCCESS: deleted 1 Cloud Map service(s) of namespace ${NS}`);
    expect(cloudMap.commandCalls(ListInstancesCommand)).toHaveLength(2);
    expect(cloudMap.commandCalls(DeleteServiceCommand)).toHaveLength(1);
  });

  test('ResourceInUse from DeleteService (an instance registered in between) is retried on the next round', async () => {
    cloudMap.on(ListServicesCommand).resolvesOnce({ Services: [service('srv-a', 'api-8080')] })
      .resolvesOnce({ Services: [service('srv-a', 'api-8080')] }).resolves({ Services: [] });
    cloudMap.on(DeleteServiceCommand).rejectsOnce(error('ResourceInUse')).resolves({});
    const { result } = await handler(event('Delete'));
    expect(result).toMatch(/^SUCCESS: deleted 1/);
    expect(cloudMap.commandCalls(DeleteServiceCommand)).toHaveLength(2);
  });

  test('throttling (Cloud Map\'s RequestLimitExceeded, ThrottlingException) on any call waits for the next round instead of failing', async () => {
    cloudMap.on(ListServicesCommand)
      .rejectsOnce(error('ThrottlingException', { $retryable: { throttling: true } }))
      .resolvesOnce({ Services: [service('srv-a', 'api-8080')] })
      .resolvesOnce({ Services: [service('srv-a', 'api-8080')] })
      .resolves({ Services: [] });
    cloudMap.on(ListInstancesCommand).rejectsOnce(error('RequestLimitExceeded')).resolves({ Instances: [] });
    const { result } = await handler(event('Delete'));
    expect(result).toMatch(/^SUCCESS: deleted 1/);
  });

  test('a service ECS deleted first (ServiceNotFound) counts as done', async () => {
    cloudMap.on(ListServicesCommand).resolvesOnce({ Services: [service('srv-a', 'api-8080')] }).resolves({ Services: [] });
    cloudMap.on(DeleteServiceCommand).rejects(error('ServiceNotFound'));
    expect((await handler(event('Delete'))).result).toMatch(/^SUCCESS: deleted 1/);
  });

  test('a namespace that is already gone (NamespaceNotFound) answers SUCCESS', async () => {
    cloudMap.on(ListServicesCommand).rejects(error('NamespaceNotFound'));
    expect((await handler(event('Delete'))).result).toBe(`SUCCESS: no Cloud Map service left in namespace ${NS}`);
    expect(responses[0].Status).toBe('SUCCESS');
  });

  test('instances still registered at the deadline fail the deletion, naming the service and the fix', async () => {
    cloudMap.on(ListServicesCommand).resolves({ Services: [service('srv-a', 'api-8080')] });
    cloudMap.on(ListInstancesCommand).resolves({ Instances: [instance('task-1')] });
    await handler(event('Delete'), shortContext);
    expect(responses[0].Status).toBe('FAILED');
    expect(responses[0].Reason).toContain('srv-a (api-8080): instances still registered');
    expect(responses[0].Reason).toContain('deregister-instance');
    expect(cloudMap.commandCalls(DeleteServiceCommand)).toHaveLength(0);
  });

  test('a permanent error (AccessDenied) answers FAILED with the reason at once, never hangs', async () => {
    cloudMap.on(ListServicesCommand).rejects(error('AccessDeniedException'));
    await handler(event('Delete'));
    expect(responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/could not delete the Cloud Map services of namespace ns-.*AccessDeniedException/) });
  });
});

describe('namespace cleanup rules', () => {
  test('gone and transient errors', () => {
    expect(isGone(error('NamespaceNotFound'))).toBe(true);
    expect(isGone(error('ServiceNotFound'))).toBe(true);
    expect(isGone(error('ResourceInUse'))).toBe(false);
    for (const name of ['RequestLimitExceeded', 'ThrottlingException', 'ResourceInUse']) expect(isTransient(error(name))).toBe(true);
    expect(isTransient(error('InternalFailure', { $metadata: { httpStatusCode: 500 } }))).toBe(true);
    expect(isTransient(error('InvalidInput', { $metadata: { httpStatusCode: 400 } }))).toBe(false);
    expect(isTransient(error('AccessDeniedException'))).toBe(false);
  });

  test('the outcome truncates long lists', () => {
    const waiting = [1, 2, 3, 4, 5, 6].map((n) => ({ serviceId: `srv-${n}`, reason: 'instances still registered' }));
    const outcome = cleanupOutcome(NS, 0, waiting);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.reason).toMatch(/^6 Cloud Map service\(s\) of namespace ns-\w+ are still there: srv-1: .*srv-5: instances still registered; …\./);
  });
});
