import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries an assertion until it passes or `timeoutMs` runs out. Needed for gap-safe reads:
 * transaction ids are cluster-wide, so another test file's in-flight transaction can hold
 * back what readAll shows, usually for milliseconds, but for seconds while another file seeds
 * a large backlog in one statement; hence the generous default, which costs a passing test
 * nothing and still leaves a failing one its assertion message before Jest's 60 s timeout. Absence is asserted directly instead.
 */
export async function eventually(
  assertion: () => Promise<void> | void,
  timeoutMs = 20_000,
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
