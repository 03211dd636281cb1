import { sleep } from '../support/clock';
import { Random } from '../support/random';
import { RetryingClient } from '../workload/retrying-client';

const PROBE_EVERY_MS = 150;
/** Long enough to see whether the app answers within the 1 s the outage check asks for. */
export const PROBE_TIMEOUT_MS = 3_000;

/**
 * While a database fault is under way, sends a small deposit to the run's probe account every
 * 150 ms, so the outage measurements have samples even when the workload's clients are all
 * backing off. The probes are ordinary recorded writes (retried, then checked like the rest).
 */
export class OutageProber {
  private active = 0;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly client: RetryingClient,
    private readonly random: Random,
    private readonly accountId: string,
  ) {}

  /** Starts probing (nested begin/end pairs keep it on until the last end). */
  begin(): void {
    if (this.active++ === 0) void this.loop();
  }

  /** Stops probing after `afterMs` (to cover the recovery too). */
  end(afterMs: number): void {
    void sleep(afterMs).then(() => this.active--);
  }

  private async loop(): Promise<void> {
    while (this.active > 0) {
      const probe = this.client.write(
        this.random,
        'deposit',
        `/accounts/${this.accountId}/deposits`,
        { amount: 1 },
        this.accountId,
        { source: 'probe', timeoutMs: PROBE_TIMEOUT_MS },
      );
      this.pending.add(probe);
      void probe.finally(() => this.pending.delete(probe));
      await sleep(PROBE_EVERY_MS);
    }
  }

  /** Waits for every probe to conclude (retries included). */
  async drain(): Promise<void> {
    while (this.active > 0) await sleep(100);
    await Promise.all([...this.pending]);
  }
}
