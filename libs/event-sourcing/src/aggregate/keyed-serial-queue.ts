/**
 * Runs tasks one at a time per key, in arrival order, and forgets a key once its queue
 * drains. In front of the optimistic append it keeps one instance's commands on a hot
 * stream from racing each other (they would only conflict and retry); conflicts then come
 * only from other instances. Hand-written because it is a dozen lines and the maintained
 * alternatives (p-queue, p-limit) are ESM-only or not keyed.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    // Tails never reject (see below), so the next task always starts after the previous settles.
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with queued or running work (for metrics and tests). */
  get activeKeys(): number {
    return this.tails.size;
  }
}
