import { setTimeout as sleep } from 'node:timers/promises';
import { WakeSignal } from './wake-signal';

/** What a turn of a background loop asks for before the next turn. */
export type NextTurn =
  /** More work is waiting: go on at once. */
  | { readonly after: 'now' }
  /** Idle: wait `ms`, or less if `wake()` is called (a commit, a NOTIFY, a reader). */
  | { readonly after: 'idle'; readonly ms: number }
  /** Backing off after a failure: wait `ms`; only `stop()` cuts it short, not `wake()`. */
  | { readonly after: 'backoff'; readonly ms: number };

export const GO_ON: NextTurn = Object.freeze({ after: 'now' });

/**
 * The start/stop/wake shape the outbox relay, the projection runner and the process-manager
 * worker share: turns run one at a time in the background; an idle wait ends early on
 * `wake()`, and a wake with nobody waiting is remembered, so work committed during a turn is
 * never slept through; a backoff is not cut short by wakes (new work is what keeps arriving
 * while something fails); `stop()` ends any wait and resolves once the turn in progress has
 * finished. Each worker decides what its own errors mean; a turn that throws anyway (a
 * throwing error reporter) backs off for `failureBackoffMs` instead of ending the loop, whose
 * rejection would take the process down.
 */
export class BackgroundLoop {
  private readonly signal = new WakeSignal();
  private loop: Promise<void> = Promise.resolve();
  private halt = new AbortController();
  private stopped = true;

  constructor(
    private readonly turn: () => Promise<NextTurn>,
    private readonly failureBackoffMs = 1_000,
  ) {}

  get running(): boolean {
    return !this.stopped;
  }

  /**
   * Starts the turns; a second call while running does nothing. Called while a `stop()` is
   * still finishing its turn, the new turns begin after that one: never two at once.
   */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const halt = new AbortController();
    this.halt = halt;
    this.loop = this.loop.then(() => this.run(halt.signal));
  }

  /** Ends the turns: resolves after the turn in progress, if any, has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halt.abort();
    this.signal.wake();
    // Read now: a start() after this one chains a new run, which is not ours to wait for.
    await this.loop;
  }

  /** New work may be there: end an idle wait now. */
  wake(): void {
    this.signal.wake();
  }

  private async run(halt: AbortSignal): Promise<void> {
    while (!halt.aborted) {
      let next: NextTurn;
      try {
        next = await this.turn();
      } catch {
        next = { after: 'backoff', ms: this.failureBackoffMs };
      }
      if (halt.aborted) return;
      if (next.after === 'idle') await this.signal.wait(next.ms);
      else if (next.after === 'backoff')
        await sleep(next.ms, undefined, { signal: halt }).catch(() => undefined);
    }
  }
}
