import { setTimeout as sleep } from 'node:timers/promises';
import { isDatabaseUnavailable } from '@ledgerline/event-sourcing/postgres';

/**
 * Runs `work` (the start-up's first use of the database) again while the database is
 * unreachable or starting up, every `pauseMs`, for at most `timeoutMs`: an instance started
 * during a database restart waits for it instead of exiting. Any other error, or the
 * database still away at the deadline, is thrown.
 */
export async function waitForDatabase<T>(
  work: () => Promise<T>,
  options: { timeoutMs: number; pauseMs?: number; onWait?: (error: unknown) => void },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (let waited = false; ; waited = true) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() >= deadline) throw error;
      if (!waited) options.onWait?.(error);
      await sleep(options.pauseMs ?? 1_000);
    }
  }
}
