/**
 * Runs work one batch at a time per key: items pushed for a key while its previous batch
 * runs wait, and the next batch takes all of them (up to `maxBatch`), in arrival order.
 * Unlike a plain per-key serial queue, a hot key's waiting items are handed over together, so the
 * handler can commit them in one round trip instead of one each.
 */
export class KeyedBatchQueue<Item> {
  private readonly waiting = new Map<string, Item[]>();
  private readonly running = new Set<string>();

  constructor(
    /** Must settle every item itself; a throw is swallowed (its items are its concern). */
    private readonly handle: (key: string, items: Item[]) => Promise<void>,
    private readonly maxBatch: number,
  ) {}

  push(key: string, item: Item): void {
    const queue = this.waiting.get(key);
    if (queue) queue.push(item);
    else this.waiting.set(key, [item]);
    if (!this.running.has(key)) void this.drain(key);
  }

  private async drain(key: string): Promise<void> {
    this.running.add(key);
    try {
      for (;;) {
        const queue = this.waiting.get(key);
        if (!queue || queue.length === 0) break;
        const batch = queue.splice(0, this.maxBatch);
        if (queue.length === 0) this.waiting.delete(key);
        await this.handle(key, batch).catch(() => undefined);
      }
    } finally {
      this.running.delete(key);
    }
  }

  /**
   * Keys with waiting or running work (for metrics and tests). A waiting key is always
   * running too: push() starts its drain, which marks it running before it first waits.
   */
  get activeKeys(): number {
    return this.running.size;
  }
}
