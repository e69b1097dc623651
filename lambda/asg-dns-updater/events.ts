/**
 * Turns whatever invoked the function into triggers: EventBridge Auto Scaling events, EventBridge schedules,
 * Auto Scaling notifications and lifecycle messages delivered through SNS (JSON or the `Key: value` text form).
 * Pure: no AWS calls.
 */

/** Something happened to one instance of one group: re-sync that group's record. */
export interface InstanceTrigger {
  readonly kind: 'instance';
  readonly groupName: string;
  readonly instanceId?: string;
  /** `launch`: the instance may join; `terminate`: it is leaving, whatever the group still says. */
  readonly transition: 'launch' | 'terminate' | 'other';
  /** Present on lifecycle actions: what CompleteLifecycleAction needs. */
  readonly lifecycle?: { readonly hookName: string; readonly token: string };
  readonly source: string;
}

/** Re-sync every tagged group (the schedule, or a manual invocation), or one record (the schedule, fanned out). */
export interface ReconcileTrigger {
  readonly kind: 'reconcile';
  readonly source: string;
  /** Only this record (`<zone id>:<record name>`); every record when absent. */
  readonly record?: string;
}

/** Nothing to do; `reason` is logged. */
export interface IgnoredTrigger {
  readonly kind: 'ignore';
  readonly reason: string;
}

export type Trigger = InstanceTrigger | ReconcileTrigger | IgnoredTrigger;

/** The `action` of the message a reconcile fans out into each record's message group. */
export const RECONCILE_RECORD = 'reconcile-record';

const LAUNCH_DETAIL_TYPES = new Set(['EC2 Instance Launch Successful', 'EC2 Instance-launch Lifecycle Action', 'EC2 Instance Launch Unsuccessful']);
const TERMINATE_DETAIL_TYPES = new Set(['EC2 Instance Terminate Successful', 'EC2 Instance-terminate Lifecycle Action', 'EC2 Instance Terminate Unsuccessful']);

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Parses an invocation payload into triggers (an SNS event may carry several records). */
export function parseInvocation(event: unknown): Trigger[] {
  if (event === null || typeof event !== 'object') return [{ kind: 'ignore', reason: 'the event is not an object' }];
  const e = event as Record<string, any>;
  if (Array.isArray(e.Records)) {
    return e.Records.map((r: any, i: number) => {
      if (r?.EventSource !== 'aws:sns' || typeof r?.Sns?.Message !== 'string') {
        return { kind: 'ignore', reason: `record ${i} is not an SNS notification` } as IgnoredTrigger;
      }
      return parseAutoScalingMessage(parseMessage(r.Sns.Message), `sns:${r.Sns.TopicArn ?? '?'}`);
    });
  }
  if (e.source === 'aws.events' || e['detail-type'] === 'Scheduled Event') return [{ kind: 'reconcile', source: 'schedule' }];
  if (e.source === 'aws.autoscaling' && typeof e['detail-type'] === 'string') return [parseEventBridge(e)];
  if (e.action === 'reconcile') return [{ kind: 'reconcile', source: 'manual' }];
  if (e.action === RECONCILE_RECORD && typeof e.record === 'string') return [{ kind: 'reconcile', source: 'fan-out', record: e.record }];
  return [{ kind: 'ignore', reason: `unknown event (source ${JSON.stringify(e.source)}, detail-type ${JSON.stringify(e['detail-type'])})` }];
}

function parseEventBridge(e: Record<string, any>): Trigger {
  const type: string = e['detail-type'];
  const d = (e.detail ?? {}) as Record<string, unknown>;
  const groupName = str(d.AutoScalingGroupName);
  if (!groupName) return { kind: 'ignore', reason: `'${type}' event without AutoScalingGroupName` };
  const transition = LAUNCH_DETAIL_TYPES.has(type) ? 'launch' : TERMINATE_DETAIL_TYPES.has(type) ? 'terminate' : undefined;
  if (!transition) return { kind: 'ignore', reason: `Auto Scaling event '${type}' does not change membership` };
  return withLifecycle({ kind: 'instance', groupName, instanceId: str(d.EC2InstanceId), transition, source: `eventbridge:${type}` }, d);
}

/** SNS bodies are JSON in practice; AWS documents a `Key: value` text form too, so both are read. */
export function parseMessage(message: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(message);
    if (parsed && typeof parsed === 'object') return parsed;
  } catch {
    // not JSON: fall through to the text form
  }
  const out: Record<string, unknown> = {};
  for (const line of message.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z0-9]+):\s?(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}

/** An Auto Scaling notification (`Event`) or a lifecycle hook message (`LifecycleTransition`, no `Event`). */
export function parseAutoScalingMessage(m: Record<string, unknown>, source: string): Trigger {
  const event = str(m.Event);
  if (event === 'autoscaling:TEST_NOTIFICATION') return { kind: 'ignore', reason: 'autoscaling:TEST_NOTIFICATION' };
  const groupName = str(m.AutoScalingGroupName);
  if (!groupName) return { kind: 'ignore', reason: `message without AutoScalingGroupName (Event ${JSON.stringify(event)})` };
  const base = { kind: 'instance' as const, groupName, instanceId: str(m.EC2InstanceId), source };
  if (event) {
    if (event.startsWith('autoscaling:EC2_INSTANCE_LAUNCH')) return { ...base, transition: event === 'autoscaling:EC2_INSTANCE_LAUNCH' ? 'launch' : 'other' };
    if (event.startsWith('autoscaling:EC2_INSTANCE_TERMINATE')) return { ...base, transition: event === 'autoscaling:EC2_INSTANCE_TERMINATE' ? 'terminate' : 'other' };
    return { kind: 'ignore', reason: `Auto Scaling notification '${event}'` };
  }
  const lifecycle = str(m.LifecycleTransition);
  if (lifecycle === 'autoscaling:EC2_INSTANCE_LAUNCHING') return withLifecycle({ ...base, transition: 'launch' }, m);
  if (lifecycle === 'autoscaling:EC2_INSTANCE_TERMINATING') return withLifecycle({ ...base, transition: 'terminate' }, m);
  return { kind: 'ignore', reason: 'message is neither an Auto Scaling notification nor a lifecycle action' };
}

function withLifecycle(t: InstanceTrigger, d: Record<string, unknown>): InstanceTrigger {
  const hookName = str(d.LifecycleHookName);
  const token = str(d.LifecycleActionToken);
  return hookName && token ? { ...t, lifecycle: { hookName, token } } : t;
}
