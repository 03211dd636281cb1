/**
 * In-process mutual exclusion per key, for work that must hold several keys at once.
 *
 * Guarantee: two `hold` calls that share a key never run their work at the same time, and
 * the holders of one key take it in the order they asked for it (first come, first
 * served). A call takes all its keys before its work starts and gives them back when the
 * work settles, whether it resolved or threw. Keys are taken one by one in sorted order
 * (`Array.prototype.sort`), so callers over overlapping key sets (`[a, b]` and `[b, a]`)
 * cannot deadlock. No timeout and no limit on waiters: a holder whose work never settles
 * keeps its keys. Not reentrant: a `hold` inside the work of another that asks for a key
 * already held waits for ever. Throws nothing of its own; one lock per process and store is
 * what `streamLocksOf` hands out.
 */
export class KeyedLock {
  /**
   * A key is held while it is in this map: the value settles when the last caller in line
   * for the key gives it back. Each caller waits for the one before it, so the line is
   * served in order without a queue to search.
   */
  private readonly lines = new Map<string, Promise<void>>();

  /**
   * Runs `work` once every one of `keys` is held by this call (duplicates count once; no
   * keys: at once), and gives them all back when it settles.
   * @returns what `work` returns.
   * @throws what `work` throws, after giving the keys back.
   */
  async hold<T>(keys: Iterable<string>, work: () => Promise<T> | T): Promise<T> {
    const giveBack: (() => void)[] = [];
    for (const key of [...new Set(keys)].sort()) giveBack.push(await this.take(key));
    try {
      return await work();
    } finally {
      giveBack.forEach((release) => release());
    }
  }

  /** Keys held right now (for metrics and tests). */
  get heldKeys(): number {
    return this.lines.size;
  }

  /** Joins the key's line; resolves, once the key is this caller's, to what gives it back. */
  private async take(key: string): Promise<() => void> {
    const before = this.lines.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.lines.set(key, mine);
    if (before) await before;
    return () => {
      // The last in line forgets the key; otherwise the next one takes it straight from here.
      if (this.lines.get(key) === mine) this.lines.delete(key);
      release();
    };
  }
}
