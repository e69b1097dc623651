import { AutoScalingClient, CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { EC2Client, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import {
  DeleteParameterCommand, DeleteParametersCommand, GetCommandInvocationCommand, paginateGetParametersByPath, SendCommandCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import { cloudFormation, respondToCloudFormation } from '../shared/custom-resource';
import { now } from '../shared/clock';
import { actionOf, candidateManagers, chunks, FINAL_STATUSES, goneManagers } from './logic';

let ssm: SSMClient | undefined;
let ec2: EC2Client | undefined;
let autoscaling: AutoScalingClient | undefined;
const ssmClient = () => (ssm ??= new SSMClient({}));
const ec2Client = () => (ec2 ??= new EC2Client({}));
const autoscalingClient = () => (autoscaling ??= new AutoScalingClient({}));

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
};

/** Test seams: how long to wait between polls of a command's status; how a custom resource answers CloudFormation. */
export const timing = { pollMillis: 5000 };
export { cloudFormation };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * EventBridge handler: terminate lifecycle action → drain the node through a manager, then complete the action;
 * launch successful (groups with rebalance on) → rebalance; the schedule → prune nodes gone from EC2.
 */
export async function handler(event: any, context?: { getRemainingTimeInMillis?: () => number }): Promise<{ result: string }> {
  const action = actionOf(event);
  const deadline = now() + (context?.getRemainingTimeInMillis?.() ?? 600_000) - 20_000;
  switch (action.kind) {
    case 'ignore':
      console.log(JSON.stringify({ ignored: action.reason }));
      return { result: 'ignored' };
    case 'rebalance':
      return { result: await sendToManager('rebalance', action.instanceId) ? 'rebalance sent' : 'no manager' };
    case 'prune':
      return { result: await prune() };
    case 'reset':
      return { result: await reset(action.requestType, event) };
    case 'leave': {
      let result = 'no manager';
      try {
        const sent = await sendToManager('leave', action.instanceId, action.instanceId);
        if (sent) result = await waitFor(sent.commandId, sent.managerId, deadline);
        // Workers have no address parameter: ParameterNotFound is expected for them.
        await forgetManager(action.instanceId);
      } catch (error) {
        result = `drain failed: ${(error as Error).message}`;
        console.error(JSON.stringify({ instance: action.instanceId, error: String(error) }));
      } finally {
        // Always let the termination go on: a node that could not be drained is pruned later, a hanging
        // termination would block scale-in and stack updates.
        await autoscalingClient().send(new CompleteLifecycleActionCommand({
          AutoScalingGroupName: action.groupName,
          LifecycleHookName: action.hookName,
          LifecycleActionToken: action.token,
          InstanceId: action.instanceId,
          LifecycleActionResult: 'CONTINUE',
        }));
      }
      console.log(JSON.stringify({ instance: action.instanceId, result }));
      await prune(action.instanceId).catch((error) => console.error(JSON.stringify({ prune: String(error) })));
      return { result };
    }
  }
}

/** Running instances of the swarm (by the swarm tag), optionally only managers. */
async function swarmInstances(onlyManagers: boolean, states: string[]): Promise<string[]> {
  const filters = [
    { Name: 'tag:swarm:cluster', Values: [env('SWARM_NAME')] },
    { Name: 'instance-state-name', Values: states },
  ];
  if (onlyManagers) filters.push({ Name: 'tag:swarm:node-role', Values: ['manager'] });
  const ids: string[] = [];
  for await (const page of paginateDescribeInstances({ client: ec2Client() }, { Filters: filters })) {
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) if (instance.InstanceId) ids.push(instance.InstanceId);
    }
  }
  return ids;
}

const SKIPPED_MANAGER_ERRORS = new Set(['InvalidInstanceId', 'AccessDeniedException']);

/** Sends `swarm-ctl <action> <target>` to the first manager that accepts it. */
async function sendToManager(action: string, target: string, leaving?: string): Promise<{ commandId: string; managerId: string } | undefined> {
  const managers = candidateManagers(await swarmInstances(true, ['running']), leaving);
  for (const managerId of managers) {
    try {
      const sent = await ssmClient().send(new SendCommandCommand({
        DocumentName: env('DOCUMENT_NAME'),
        InstanceIds: [managerId],
        Parameters: { action: [action], target: [target] },
        TimeoutSeconds: 60,
        Comment: `swarm-ctl ${action} ${target}`.slice(0, 100),
      }));
      if (sent.Command?.CommandId) return { commandId: sent.Command.CommandId, managerId };
    } catch (error) {
      // A manager that is not (yet) registered with SSM: try the next one. AccessDenied: an instance that carries the
      // swarm tags but is not in this swarm's manager group (IAM allows commands only there, by the group tag only Auto
      // Scaling sets): someone copied the tags; never ours to command, try the next one.
      if (!SKIPPED_MANAGER_ERRORS.has((error as Error).name)) throw error;
      console.warn(JSON.stringify({ manager: managerId, skipped: (error as Error).name }));
    }
  }
  console.warn(JSON.stringify({ action, target, result: 'no manager could take the command' }));
  return undefined;
}

/** Waits for a command to finish; returns its status. */
async function waitFor(commandId: string, instanceId: string, deadline: number): Promise<string> {
  while (now() < deadline) {
    try {
      const invocation = await ssmClient().send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
      if (invocation.Status && FINAL_STATUSES.has(invocation.Status)) return invocation.Status;
    } catch (error) {
      // Right after SendCommand the invocation may not exist yet.
      if ((error as Error).name !== 'InvocationDoesNotExist') throw error;
    }
    await sleep(timing.pollMillis);
  }
  return 'still running at the Lambda deadline';
}

/** Drops a terminated manager's address, so joiners do not try it first. */
async function forgetManager(instanceId: string): Promise<void> {
  try {
    await ssmClient().send(new DeleteParameterCommand({ Name: `${env('PARAMETER_PREFIX')}/managers/${instanceId}` }));
  } catch (error) {
    if ((error as Error).name !== 'ParameterNotFound') throw error;
  }
}

/**
 * Removes nodes that are down and whose instance no longer exists. The live list comes from a complete,
 * successful EC2 listing; any failure there throws before a command is sent, so no live node is ever removed.
 */
async function prune(leaving?: string): Promise<string> {
  const live = await swarmInstances(false, ['pending', 'running', 'stopping', 'stopped']);
  const sent = await sendToManager('prune', live.sort().join(','), leaving);
  // Independent of the command: an address of an instance gone from EC2 can never answer a join.
  const forgotten = await forgetGoneManagers(live);
  return `${sent ? 'prune sent' : 'no manager'}${forgotten.length ? `; forgot ${forgotten.join(', ')}` : ''}`;
}

/** Deletes `<prefix>/managers/<id>` of every instance not in the (complete) live list. */
async function forgetGoneManagers(live: string[]): Promise<string[]> {
  const path = `${env('PARAMETER_PREFIX')}/managers`;
  const names: string[] = [];
  for await (const page of paginateGetParametersByPath({ client: ssmClient() }, { Path: path })) {
    for (const parameter of page.Parameters ?? []) if (parameter.Name) names.push(parameter.Name);
  }
  const gone = goneManagers(names, path, live);
  for (const id of gone) await forgetManager(id);
  return gone;
}

/**
 * The swarm's parameters custom resource. Create: remove what an earlier swarm of the same name left behind (its
 * bootstrap lock would stop the new managers from ever initialising). Delete: remove the lock, tokens and
 * addresses, which CloudFormation does not own (instances write them). A failed Delete is logged and reported as
 * success, so stack deletion never hangs on it; a failed Create fails the deployment before any manager boots.
 */
async function reset(requestType: 'Create' | 'Update' | 'Delete', event: any): Promise<string> {
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'nothing to do';
  if (requestType !== 'Update') {
    try {
      reason = `deleted ${await deleteAllParameters()} parameters under ${env('PARAMETER_PREFIX')}`;
    } catch (error) {
      reason = `could not delete the swarm parameters: ${(error as Error).message}`;
      console.error(JSON.stringify({ reset: requestType, error: String(error) }));
      if (requestType === 'Create') status = 'FAILED';
    }
  }
  await respondToCloudFormation(event, { status, reason, physicalResourceId: event.PhysicalResourceId ?? `swarm-parameters${env('PARAMETER_PREFIX').replace(/\//g, '-')}` });
  return `${status}: ${reason}`;
}

async function deleteAllParameters(): Promise<number> {
  const names: string[] = [];
  for await (const page of paginateGetParametersByPath({ client: ssmClient() }, { Path: env('PARAMETER_PREFIX'), Recursive: true })) {
    for (const parameter of page.Parameters ?? []) if (parameter.Name) names.push(parameter.Name);
  }
  for (const batch of chunks(names, 10)) await ssmClient().send(new DeleteParametersCommand({ Names: batch }));
  return names.length;
}
