import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const origin = performance.now();

/**
 * Milliseconds since the checker started, on the monotonic clock. Every timestamp in the
 * history (attempts, faults, deliveries) uses this one clock so they can be compared.
 */
export const now = (): number => Math.round((performance.now() - origin) * 10) / 10;

/** Wall-clock time of `now() === 0`, for the report. */
export const clockOrigin = new Date(Date.now() - performance.now() + origin).toISOString();

export { sleep };

/** Polls `probe` until it returns true or `timeoutMs` passes; says which. */
export async function waitFor(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (now() >= deadline) return false;
    await sleep(intervalMs);
  }
}
