/** Pieces every handler shares: the SDK retry strategy and structured logging. */
import { ConfiguredRetryStrategy } from '@smithy/util-retry';

/** Attempts per AWS call, the first included. */
export const MAX_ATTEMPTS = 8;

/**
 * The SDK's own retry strategy with exponential backoff and jitter: `baseMs`, 2×, 4×… capped at 20 s. It retries what
 * the SDK classifies as throttling or transient (`Throttling`, `ThrottlingException`, `RequestLimitExceeded`, Route 53's
 * `PriorRequestNotComplete`, 5xx).
 */
export function backoffRetryStrategy(baseMs: number): ConfiguredRetryStrategy {
  return new ConfiguredRetryStrategy(MAX_ATTEMPTS, (attempt) => Math.min(20_000, baseMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)));
}

/** One JSON line per event, so CloudWatch Logs Insights can filter on `level` and the extra fields. */
export function log(level: 'INFO' | 'WARN' | 'ERROR', message: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ level, message, ...extra }));
}
