/**
 * The namespace cleanup of a ComposeProject: a custom resource between the project's Cloud Map namespace and its ECS
 * services (it depends on the namespace, every service depends on it). On stack deletion CloudFormation deletes it
 * after every ECS service and before the namespace. ECS deletes the Cloud Map services it created for Service Connect
 * only asynchronously, and `DeleteNamespace` fails with ResourceInUse while any is left; so this lists the namespace's
 * services, waits until each has no registered instance, deletes it, and answers once none is left (or fails, naming
 * them, before its time runs out). Create and Update do nothing.
 */
import {
  DeleteServiceCommand, ListInstancesCommand, paginateListServices, ServiceDiscoveryClient, ServiceSummary,
} from '@aws-sdk/client-servicediscovery';
import { backoffRetryStrategy, log } from '../shared/aws';
import { now } from '../shared/clock';
import { cloudFormation, respondToCloudFormation } from '../shared/custom-resource';
import { cleanupOutcome, isGone, isTransient, Waiting } from './logic';

let client: ServiceDiscoveryClient | undefined;
const cloudMap = () => (client ??= new ServiceDiscoveryClient({ retryStrategy: backoffRetryStrategy(500) }));

/** Test seams: how long to wait between rounds; how a custom resource answers CloudFormation. */
export const timing = { pollMillis: 10_000 };
export { cloudFormation };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The services Cloud Map lists in the namespace (none once the namespace is gone). */
export async function servicesIn(namespaceId: string): Promise<ServiceSummary[]> {
  const services: ServiceSummary[] = [];
  try {
    const filters = [{ Name: 'NAMESPACE_ID' as const, Values: [namespaceId], Condition: 'EQ' as const }];
    for await (const page of paginateListServices({ client: cloudMap() }, { Filters: filters })) services.push(...(page.Services ?? []));
  } catch (error) {
    if (isGone(error)) return [];
    throw error;
  }
  return services;
}

/** Whether the service still has a registered instance (one page is enough to know). */
async function hasInstances(serviceId: string): Promise<boolean> {
  const page = await cloudMap().send(new ListInstancesCommand({ ServiceId: serviceId, MaxResults: 1 }));
  return (page.Instances ?? []).length > 0;
}

/**
 * One round: deletes every service without instances; returns the ones still there and why, and whether the
 * namespace listed any service at all (the loop ends on a listing without any, which confirms the deletions).
 */
async function round(namespaceId: string, deleted: Set<string>): Promise<{ waiting: Waiting[]; listed: number }> {
  const waiting: Waiting[] = [];
  const services = await servicesIn(namespaceId);
  for (const service of services) {
    const serviceId = service.Id!;
    const name = service.Name;
    try {
      if (await hasInstances(serviceId)) {
        waiting.push({ serviceId, name, reason: 'instances still registered' });
        continue;
      }
      await cloudMap().send(new DeleteServiceCommand({ Id: serviceId }));
      deleted.add(serviceId);
      log('INFO', 'deleted Cloud Map service', { namespaceId, serviceId, name });
    } catch (error) {
      if (isGone(error)) {
        // ECS deleted it first (it does so asynchronously after the ECS service is gone).
        deleted.add(serviceId);
      } else if (isTransient(error)) {
        waiting.push({ serviceId, name, reason: (error as Error).name });
      } else {
        throw error;
      }
    }
  }
  return { waiting, listed: services.length };
}

export async function handler(event: any, context?: { getRemainingTimeInMillis?: () => number }): Promise<{ result: string }> {
  const namespaceId: string = event.ResourceProperties?.NamespaceId;
  const deadline = now() + (context?.getRemainingTimeInMillis?.() ?? 840_000) - 30_000;
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'nothing to do';
  if (event.RequestType === 'Delete') {
    try {
      const deleted = new Set<string>();
      let waiting: Waiting[] = [];
      for (;;) {
        let listed = 1;
        try {
          ({ waiting, listed } = await round(namespaceId, deleted));
        } catch (error) {
          if (!isTransient(error)) throw error;
          waiting = [{ serviceId: '(listing)', reason: (error as Error).name }];
        }
        if (listed === 0 || now() >= deadline) break;
        await sleep(timing.pollMillis);
      }
      ({ status, reason } = cleanupOutcome(namespaceId, deleted.size, waiting));
    } catch (error) {
      status = 'FAILED';
      reason = `could not delete the Cloud Map services of namespace ${namespaceId}: ${(error as Error).name}: ${(error as Error).message}`;
    }
    log(status === 'SUCCESS' ? 'INFO' : 'ERROR', reason, { namespaceId });
  }
  // The namespace's id in the physical id: a replaced namespace makes CloudFormation delete this resource's old
  // version (old properties) in the cleanup phase, which clears the old namespace before CloudFormation deletes it.
  await respondToCloudFormation(event, { status, reason, physicalResourceId: `namespace-cleanup-${namespaceId}` });
  return { result: `${status}: ${reason}` };
}
