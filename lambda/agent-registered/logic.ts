/** The part of an "ECS Container Instance State Change" event the registration gate reads (ECS Developer Guide). */
export interface ContainerInstanceDetail {
  readonly clusterArn?: string;
  readonly ec2InstanceId?: string;
  readonly status?: string;
  readonly agentConnected?: boolean;
}

/**
 * The EC2 instance whose launch may go on, or undefined: only an ACTIVE container instance whose agent is connected
 * has really registered (ECS also sends this event for every task placed or stopped and for each agent reconnect).
 */
export function registeredInstance(detail: ContainerInstanceDetail): string | undefined {
  if (detail.status !== 'ACTIVE' || detail.agentConnected !== true) return undefined;
  return detail.ec2InstanceId && /^i-[0-9a-f]+$/.test(detail.ec2InstanceId) ? detail.ec2InstanceId : undefined;
}

/**
 * Whether an error of CompleteLifecycleAction means there was nothing to complete: the instance is in service already
 * (a reconnect of a running instance, a launch before the hook existed) or the hook timed out meanwhile.
 */
export function nothingToComplete(error: { name?: string; message?: string }): boolean {
  return error.name === 'ValidationError' && /no active lifecycle action/i.test(error.message ?? '');
}
