/**
 * The baselines' retry loop: try again at once after a version conflict (as the anchors'
 * contention runs did), counting conflicts. Bounded, so a livelock fails the call instead of
 * running past the benchmark's time limit.
 */
export const MAX_ATTEMPTS = 1_000;

export interface ConflictCounter {
  conflicts: number;
}

export async function retryOnConflict(
  counter: ConflictCounter,
  isConflict: (error: unknown) => boolean,
  attempt: () => Promise<void>,
): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (!isConflict(error)) throw error;
      counter.conflicts++;
      if (tries >= MAX_ATTEMPTS) throw new Error(`still conflicting after ${tries} attempts`);
    }
  }
}
