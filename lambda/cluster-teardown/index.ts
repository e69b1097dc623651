/**
 * The teardown guard of a FleetCluster: a custom resource that sits between the cluster and its Auto Scaling Group
 * (the group depends on it, it depends on the cluster). On stack deletion CloudFormation deletes it after the group
 * (every instance terminated) and before the cluster, and it deregisters the container instances that ECS still
 * lists as ACTIVE or DRAINING, then waits until none is left. ECS marks a terminated instance INACTIVE only after a
 * while, and `DeleteCluster` fails meanwhile with "The Cluster cannot be deleted while Container Instances are
 * active or draining" (aws-cdk#18179). Create and Update do nothing.
 */
import { DeregisterContainerInstanceCommand, ECSClient, paginateListContainerInstances } from '@aws-sdk/client-ecs';
import { backoffRetryStrategy, log } from '../shared/aws';
import { cloudFormation, respondToCloudFormation } from '../shared/custom-resource';
import { now } from '../shared/clock';
import { teardownOutcome } from './logic';

let ecs: ECSClient | undefined;
const ecsClient = () => (ecs ??= new ECSClient({ retryStrategy: backoffRetryStrategy(500) }));

/** Test seams: how long to wait between listings; how a custom resource answers CloudFormation. */
export const timing = { pollMillis: 10_000 };
export { cloudFormation };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Container instances ECS still counts against `DeleteCluster`: ACTIVE and DRAINING ones. */
export async function registeredInstances(cluster: string): Promise<string[]> {
  const arns: string[] = [];
  for (const status of ['ACTIVE', 'DRAINING'] as const) {
    try {
      for await (const page of paginateListContainerInstances({ client: ecsClient() }, { cluster, status })) arns.push(...(page.containerInstanceArns ?? []));
    } catch (error) {
      if ((error as Error).name === 'ClusterNotFoundException') return [];
      throw error;
    }
  }
  return arns;
}

export async function handler(event: any, context?: { getRemainingTimeInMillis?: () => number }): Promise<{ result: string }> {
  const cluster: string = event.ResourceProperties?.ClusterName;
  const deadline = now() + (context?.getRemainingTimeInMillis?.() ?? 840_000) - 30_000;
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'nothing to do';
  if (event.RequestType === 'Delete') {
    try {
      let left = await registeredInstances(cluster);
      const deregistered = new Set<string>();
      while (left.length > 0 && now() < deadline) {
        for (const arn of left.filter((a) => !deregistered.has(a))) {
          // The Auto Scaling Group is gone (it depends on this resource), so these instances are terminating or
          // terminated: force, since a task ECS still lists on a dead instance would otherwise refuse the call.
          await ecsClient().send(new DeregisterContainerInstanceCommand({ cluster, containerInstance: arn, force: true }));
          deregistered.add(arn);
          log('INFO', 'deregistered container instance', { cluster, containerInstance: arn });
        }
        await sleep(timing.pollMillis);
        left = await registeredInstances(cluster);
      }
      ({ status, reason } = teardownOutcome(cluster, deregistered.size, left));
    } catch (error) {
      status = 'FAILED';
      reason = `could not deregister the container instances of ${cluster}: ${(error as Error).message}`;
    }
    log(status === 'SUCCESS' ? 'INFO' : 'ERROR', reason, { cluster });
  }
  await respondToCloudFormation(event, { status, reason, physicalResourceId: event.PhysicalResourceId ?? `teardown-${cluster}` });
  return { result: `${status}: ${reason}` };
}
