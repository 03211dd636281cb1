import { KeyedBatchQueue } from './keyed-batch-queue';

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(reason: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (setImmediate fires after the microtask queue drains). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A queue whose handler records each batch and finishes it only when the test says so. */
function harness(maxBatch: number) {
  const batches: { key: string; items: string[]; done: Deferred }[] = [];
  const queue = new KeyedBatchQueue<string>((key, items) => {
    const done = deferred();
    batches.push({ key, items, done });
    return done.promise;
  }, maxBatch);
  return { queue, batches, names: () => batches.map((batch) => batch.items) };
}

describe('KeyedBatchQueue', () => {
  it('hands an idle key its item at once, and what waits meanwhile as the next batch, in order', async () => {
    const h = harness(64);
    h.queue.push('a', 'a1');
    expect(h.names()).toEqual([['a1']]);
    ['a2', 'a3', 'a4'].forEach((item) => h.queue.push('a', item));
    await settle();
    expect(h.names()).toEqual([['a1']]); // one batch of a key at a time

    h.batches[0].done.resolve();
    await settle();
    expect(h.names()).toEqual([['a1'], ['a2', 'a3', 'a4']]);
    h.batches[1].done.resolve();
    await settle();
    expect(h.queue.activeKeys).toBe(0); // a drained key is forgotten
  });

  it('takes at most maxBatch items per batch', async () => {
    const h = harness(2);
    ['a1', 'a2', 'a3', 'a4', 'a5'].forEach((item) => h.queue.push('a', item));
    for (let i = 0; i < 3; i++) {
      await settle();
      h.batches[i].done.resolve();
    }
    await settle();
    expect(h.names()).toEqual([['a1'], ['a2', 'a3'], ['a4', 'a5']]);
  });

  it('runs different keys side by side', () => {
    const h = harness(64);
    h.queue.push('a', 'a1');
    h.queue.push('b', 'b1');
    expect(h.batches.map((batch) => batch.key)).toEqual(['a', 'b']);
    expect(h.queue.activeKeys).toBe(2);
  });

  it('goes on with the next batch of a key whose handler failed', async () => {
    const h = harness(64);
    h.queue.push('a', 'a1');
    h.queue.push('a', 'a2');
    h.batches[0].done.reject(new Error('handler failed'));
    await settle();
    expect(h.names()).toEqual([['a1'], ['a2']]);
    h.batches[1].done.resolve();
    await settle();
    expect(h.queue.activeKeys).toBe(0);
  });
});
