/** Limits per principal (per client address without a valid token), in a one-minute window. */
export interface RateLimitSettings {
  readonly requestsPerMinute: number;
  /** Writes, POST and PUT (money movement, onboarding, limits), have their own, lower limit. */
  readonly writesPerMinute: number;
  /** With it, counters live in Redis and instances share one limit; without, in memory. */
  readonly redisUrl?: string;
}
