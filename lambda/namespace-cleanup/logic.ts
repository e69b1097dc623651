/**
 * Pure rules of the namespace cleanup: which errors mean "already gone", which mean "try again on the next round",
 * and what the custom resource answers CloudFormation once its loop ends.
 */

/** Cloud Map errors that mean the thing to delete no longer exists: the goal is reached. */
const GONE = new Set(['NamespaceNotFound', 'ServiceNotFound']);
/** Cloud Map's own throttling error, and the names the SDK and other AWS APIs use for the same thing. */
const THROTTLED = new Set(['RequestLimitExceeded', 'ThrottlingException', 'Throttling', 'TooManyRequestsException']);

export function isGone(error: unknown): boolean {
  return GONE.has((error as Error)?.name);
}

/** Throttling, or a fault the SDK marks retryable (after its own retries ran out): try again on the next round. */
export function isTransient(error: unknown): boolean {
  const e = error as Error & { $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (THROTTLED.has(e?.name) || e?.name === 'ResourceInUse') return true;
  if (e?.$retryable) return true;
  return (e?.$metadata?.httpStatusCode ?? 0) >= 500;
}

/** A Cloud Map service the cleanup still waits for, and why. */
export interface Waiting {
  readonly serviceId: string;
  readonly name?: string;
  readonly reason: string;
}

/** What the custom resource answers once no service is left or the deadline passed. */
export function cleanupOutcome(namespaceId: string, deleted: number, waiting: readonly Waiting[]): { status: 'SUCCESS' | 'FAILED'; reason: string } {
  if (waiting.length === 0) {
    return { status: 'SUCCESS', reason: deleted === 0 ? `no Cloud Map service left in namespace ${namespaceId}` : `deleted ${deleted} Cloud Map service(s) of namespace ${namespaceId}` };
  }
  // Failing names what is left; succeeding would only move the same failure to DeleteNamespace (ResourceInUse), less clearly.
  const shown = waiting.slice(0, 5).map((w) => `${w.serviceId}${w.name ? ` (${w.name})` : ''}: ${w.reason}`).join('; ');
  return {
    status: 'FAILED',
    reason: `${waiting.length} Cloud Map service(s) of namespace ${namespaceId} are still there: ${shown}${waiting.length > 5 ? '; …' : ''}. `
      + 'If no ECS service uses them any more, deregister their instances (aws servicediscovery deregister-instance) and retry the stack deletion',
  };
}
