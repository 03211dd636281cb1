/**
 * Runs every clean-up step, newest first, even when one fails: a failed step is reported
 * and sets exit code 1, and the others still run (no schema, database or pool left behind).
 */
export async function cleanUp(steps: readonly (() => Promise<unknown>)[]): Promise<void> {
  for (const step of [...steps].reverse()) {
    await step().catch((error: unknown) => {
      console.error('clean-up failed:', error);
      process.exitCode = 1;
    });
  }
}
