import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries an assertion until it passes or `timeoutMs` runs out. Needed for gap-safe reads:
 * transaction ids are cluster-wide, so another test file's in-flight transaction can hold
 * back what readAll shows for a few milliseconds. Absence is asserted directly instead.
 */
export async function eventually(
  assertion: () => Promise<void> | void,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(20);
    }
  }
}
