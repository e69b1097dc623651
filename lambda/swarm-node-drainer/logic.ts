/** Pure decisions of the swarm node drainer (no SDK): what an event asks for, which manager runs the command. */

/** What the drainer does for one event. */
export type DrainerAction =
  | { kind: 'leave'; instanceId: string; groupName: string; hookName: string; token?: string }
  | { kind: 'rebalance'; instanceId: string }
  | { kind: 'prune' }
  | { kind: 'reset'; requestType: 'Create' | 'Update' | 'Delete' }
  | { kind: 'ignore'; reason: string };

/** Reads an EventBridge event (Auto Scaling lifecycle action, launch successful, or the prune schedule). */
export function actionOf(event: { 'detail-type'?: string; detail?: Record<string, any>; RequestType?: string; ResponseURL?: string }): DrainerAction {
  // The swarm's own CloudFormation custom resource: clear the parameters of an earlier swarm of the same name.
  if (event.ResponseURL && (event.RequestType === 'Create' || event.RequestType === 'Update' || event.RequestType === 'Delete')) {
    return { kind: 'reset', requestType: event.RequestType };
  }
  const detail = event.detail ?? {};
  switch (event['detail-type']) {
    case 'EC2 Instance-terminate Lifecycle Action':
      if (detail.LifecycleTransition !== 'autoscaling:EC2_INSTANCE_TERMINATING' || !detail.EC2InstanceId) {
        return { kind: 'ignore', reason: `not a terminate transition: ${detail.LifecycleTransition}` };
      }
      // Returning to a warm pool is not leaving for good, but the node still stops: drain it all the same.
      return { kind: 'leave', instanceId: detail.EC2InstanceId, groupName: detail.AutoScalingGroupName, hookName: detail.LifecycleHookName, token: detail.LifecycleActionToken };
    case 'EC2 Instance Launch Successful':
      return detail.EC2InstanceId ? { kind: 'rebalance', instanceId: detail.EC2InstanceId } : { kind: 'ignore', reason: 'no instance id' };
    case 'Scheduled Event':
      return { kind: 'prune' };
    default:
      return { kind: 'ignore', reason: `unexpected event ${event['detail-type']}` };
  }
}

/** Managers that may run the command: running, and never the instance that is leaving (it is going away). */
export function candidateManagers(running: string[], leaving?: string): string[] {
  return [...new Set(running)].filter((id) => id !== leaving).sort();
}

/** Run Command statuses after which nothing changes any more. */
export const FINAL_STATUSES = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut', 'Cancelling', 'Undeliverable', 'Terminated', 'InvalidPlatform', 'AccessDenied', 'DeliveryTimedOut', 'ExecutionTimedOut']);

/** Splits a list into chunks of at most `size` (DeleteParameters takes 10 names per call). */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Instance ids of the manager address parameters (`<path>/<instance id>`) whose instance is not live. */
export function goneManagers(names: string[], path: string, live: string[]): string[] {
  const alive = new Set(live);
  return names.filter((n) => n.startsWith(`${path}/`)).map((n) => n.slice(path.length + 1)).filter((id) => id && !alive.has(id)).sort();
}
