/** How one item of a group commit ended. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  /** Batches being written at once (each holds one connection). */
  readonly maxInFlight: number;
  /** Most items in one batch. */
  readonly maxBatch: number;
}

interface Pending<Item, Result> {
  readonly item: Item;
  resolve(value: Result): void;
  reject(error: unknown): void;
}

/**
 * Group commit: items submitted while `maxInFlight` batches are being written wait, and the
 * next free slot takes all of them (up to `maxBatch`) as one batch. An idle system writes
 * each item at once, alone; a busy one amortises a transaction's round trips and its commit
 * over many items. Never two items with the same key in one batch: they stay queued, in
 * order, for the next one.
 */
export class GroupCommit<Item extends { readonly key: string }, Result> {
  private queue: Pending<Item, Result>[] = [];
  private inFlight = 0;
  private pumpScheduled = false;

  constructor(
    private readonly options: GroupCommitOptions,
    /** Writes a batch; one outcome per item, in order. A throw fails every item. */
    private readonly write: (items: readonly Item[]) => Promise<Settled<Result>[]>,
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      // At once on an idle system; a slot just freed waits for its turn (below).
      if (!this.pumpScheduled) this.pump();
    });
  }

  /**
   * A freed slot takes its next batch on the next turn of the event loop, not at once: the
   * callers the finished batch has just answered submit their next items in the microtasks
   * that follow, and a slot refilled at once would carry the first of them alone (measured:
   * the median batch held one append while the mean was five).
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.schedulePump();
      });
    }
  }

  private take(): Pending<Item, Result>[] {
    const keys = new Set<string>();
    const batch: Pending<Item, Result>[] = [];
    const rest: Pending<Item, Result>[] = [];
    for (const pending of this.queue) {
      if (batch.length < this.options.maxBatch && !keys.has(pending.item.key)) {
        keys.add(pending.item.key);
        batch.push(pending);
      } else {
        rest.push(pending);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async run(batch: readonly Pending<Item, Result>[]): Promise<void> {
    try {
      const outcomes = await this.write(batch.map((pending) => pending.item));
      batch.forEach((pending, index) => {
        const outcome = outcomes[index];
        // A writer that returns too few outcomes must not leave a caller waiting for ever.
        if (!outcome) pending.reject(new Error('group commit: the batch writer gave no outcome'));
        else if (outcome.ok) pending.resolve(outcome.value);
        else pending.reject(outcome.error);
      });
    } catch (error) {
      batch.forEach((pending) => pending.reject(error));
    }
  }
}
