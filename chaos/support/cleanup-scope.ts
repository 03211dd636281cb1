import { cleanUp } from '../../bench/support/clean-up';

/**
 * What a run must undo (processes, the cluster, broker state), registered as it is created
 * and undone newest first, on success, failure or Ctrl-C alike. `lastResort` steps are
 * synchronous and run from `process.on('exit')` if the checker dies before `close()`.
 */
export class CleanupScope {
  private steps: (() => Promise<unknown>)[] = [];
  private readonly lastResorts = new Set<() => void>();
  private readonly onExit = () => this.lastResorts.forEach((step) => step());

  constructor() {
    process.on('exit', this.onExit);
  }

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  /** A synchronous step for an abrupt exit; the returned function withdraws it. */
  lastResort(step: () => void): () => void {
    this.lastResorts.add(step);
    return () => this.lastResorts.delete(step);
  }

  /** Runs every step once (a second call, e.g. from Ctrl-C during clean-up, finds none). */
  async close(): Promise<void> {
    const steps = this.steps;
    this.steps = [];
    await cleanUp(steps);
    process.removeListener('exit', this.onExit);
    this.lastResorts.clear();
  }
}
