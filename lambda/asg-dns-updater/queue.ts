/**
 * What to do with one message of the updater's FIFO queue once it was processed (pure: no AWS calls).
 *
 * - A message a later attempt may still fix is **retried** (reported in `batchItemFailures`; SQS delivers it again after
 *   the visibility timeout and moves it to the dead-letter queue after `maxReceiveCount` attempts): an instance event
 *   whose record failed transiently (its lifecycle action is still open), or a custom-resource request whose answer
 *   could not be sent (CloudFormation would wait an hour).
 * - A reconcile is never retried: the next one is the retry.
 * - Whatever is not retried but failed is **counted** (the `Failures` metric the alarm watches).
 */

/** What the message carried. */
export type MessageKind = 'instance' | 'custom-resource' | 'reconcile';

/** How processing it went. */
export interface MessageResult {
  readonly kind: MessageKind;
  /** Records that cannot be made right (quota, foreign record, AccessDenied): a retry cannot fix them. */
  readonly problems: number;
  /** Records (or lifecycle actions) that failed in a way a retry may fix. */
  readonly transient: number;
  /** Processing threw before it could judge records (the shared reads failed, or the answer to CloudFormation). */
  readonly threw: boolean;
  /** Custom resource only: the handler kept the request for a later attempt without answering. */
  readonly deferred?: boolean;
  /** 1 for the first delivery (`ApproximateReceiveCount`). */
  readonly attempt: number;
  readonly maxReceives: number;
}

export interface MessageVerdict {
  readonly retry: boolean;
  /** Added to the `Failures` metric. */
  readonly failures: number;
}

export function messageVerdict(r: MessageResult): MessageVerdict {
  if (r.kind === 'custom-resource') {
    if (r.deferred) return { retry: true, failures: 0 };
    if (r.threw) return r.attempt < r.maxReceives ? { retry: true, failures: 0 } : { retry: false, failures: 1 };
    return { retry: false, failures: 0 };
  }
  if (r.threw) return r.kind === 'instance' ? { retry: true, failures: 0 } : { retry: false, failures: 1 };
  if (r.transient > 0 && r.kind === 'instance') return { retry: true, failures: r.problems };
  return { retry: false, failures: r.problems + r.transient };
}
