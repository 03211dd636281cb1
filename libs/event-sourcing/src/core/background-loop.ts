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
 * finished. `turn` must not throw: each worker decides what its errors mean.
 */
export class BackgroundLoop {
  private readonly signal = new WakeSignal();
  private loop?: Promise<void>;
  private halt = new AbortController();
  private stopped = true;

  constructor(private readonly turn: () => Promise<NextTurn>) {}

  get running(): boolean {
    return !this.stopped;
  }

  /** Starts the turns; a second call while running does nothing. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.halt = new AbortController();
    this.loop = this.run();
  }

  /** Ends the turns: resolves after the turn in progress, if any, has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halt.abort();
    this.signal.wake();
    await this.loop;
  }

  /** New work may be there: end an idle wait now. */
  wake(): void {
    this.signal.wake();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const next = await this.turn();
      if (this.stopped) return;
      if (next.after === 'idle') await this.signal.wait(next.ms);
      else if (next.after === 'backoff')
        await sleep(next.ms, undefined, { signal: this.halt.signal }).catch(() => undefined);
    }
  }
}
