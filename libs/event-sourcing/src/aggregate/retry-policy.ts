/** How often and how patiently a command is re-decided after version conflicts. */
export interface RetryPolicy {
  /** Total attempts including the first, default 20. */
  readonly maxAttempts: number;
  /** Backoff ceiling unit in ms, default 5: after attempt n the wait is below base * 2^n (10 ms after the first). */
  readonly baseDelayMs: number;
  /** Largest backoff ceiling in ms, default 250. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 20,
  baseDelayMs: 5,
  maxDelayMs: 250,
});

/**
 * "Full jitter" backoff: a uniform delay in [0, min(max, base * 2^attempt)). Random spread
 * keeps racing instances from colliding again in lock step.
 */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}
