/**
 * The registration gate of a FleetCluster: a new instance waits in Pending:Wait (launch lifecycle hook) until the ECS
 * agent has registered it with the cluster; this handler, on the cluster's "ECS Container Instance State Change"
 * events, completes the instance's lifecycle action. An instance refresh thus counts an instance only once the
 * cluster can place tasks on it, and one that never registers is abandoned when the hook times out.
 */
import { AutoScalingClient, CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { backoffRetryStrategy, log } from '../shared/aws';
import { ContainerInstanceDetail, nothingToComplete, registeredInstance } from './logic';

let autoScaling: AutoScalingClient | undefined;
const client = () => (autoScaling ??= new AutoScalingClient({ retryStrategy: backoffRetryStrategy(200) }));

export async function handler(event: { detail?: ContainerInstanceDetail }): Promise<void> {
  const instanceId = registeredInstance(event.detail ?? {});
  if (!instanceId) return;
  try {
    await client().send(new CompleteLifecycleActionCommand({
      AutoScalingGroupName: process.env.ASG_NAME,
      LifecycleHookName: process.env.HOOK_NAME,
      InstanceId: instanceId,
      LifecycleActionResult: 'CONTINUE',
    }));
    log('INFO', 'container instance registered: launch continues', { instanceId });
  } catch (error) {
    if (nothingToComplete(error as Error)) {
      log('INFO', 'no pending launch for this instance', { instanceId });
      return;
    }
    // Thrown, so EventBridge retries; the hook's timeout (ABANDON) bounds the wait if every retry fails.
    throw error;
  }
}
