import { GroupCommit, GroupCommitOptions, Settled } from './group-commit';

interface Item {
  readonly key: string;
  readonly name: string;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/**
 * Lets every pending callback run: GroupCommit takes its batches on the next turn of the
 * event loop (setImmediate, after the microtasks), and a turn scheduled from a microtask
 * that ran after ours needs one more.
 */
const settle = async (): Promise<void> => {
  await nextTurn();
  await nextTurn();
};

/** An item of `key`, named `<key><n>` so a batch reads as the names it holds. */
const item = (name: string): Item => ({ key: name.replace(/\d+$/, ''), name });

/** One call of the writer: the batch it got and the gate that ends it. */
interface Write {
  readonly names: readonly string[];
  readonly gate: Deferred<Settled<string>[]>;
  /** Every item succeeds with its own name. */
  succeed(): void;
}

/**
 * A writer the test drives by hand: every batch stays in flight until the test ends it, so
 * what was taken together, and how many writes overlap, is decided by the test alone.
 */
function harness(options: GroupCommitOptions) {
  const writes: Write[] = [];
  const ended = new Set<Deferred<Settled<string>[]>>();
  let inFlight = 0;
  let mostAtOnce = 0;
  const commit = new GroupCommit<Item, string>(options, async (items) => {
    inFlight++;
    mostAtOnce = Math.max(mostAtOnce, inFlight);
    const gate = deferred<Settled<string>[]>();
    const names = items.map((i) => i.name);
    writes.push({
      names,
      gate,
      succeed: () => gate.resolve(names.map((value) => ({ ok: true, value }))),
    });
    try {
      return await gate.promise;
    } finally {
      inFlight--;
      ended.add(gate);
    }
  });
  return {
    commit,
    writes,
    batches: () => writes.map((w) => w.names),
    /** The writes still in flight, oldest first. */
    open: () => writes.filter((w) => !ended.has(w.gate)),
    mostAtOnce: () => mostAtOnce,
    submit: (name: string) => commit.submit(item(name)),
  };
}

describe('GroupCommit: batching', () => {
  it('writes an idle submit at once, alone', async () => {
    const h = harness({ maxInFlight: 2, maxBatch: 64 });
    const a = h.submit('a1');
    // No timer, no wait for company: the write starts inside submit.
    expect(h.batches()).toEqual([['a1']]);
    h.writes[0].succeed();
    await expect(a).resolves.toBe('a1');
  });

  it('lets a freed slot wait one turn, so the callers its batch answered go in the next batch', async () => {
    // A caller answered by a batch submits again in the microtasks that follow the answer: it
    // joins the items already waiting instead of finding them gone in a batch of their own.
    const h = harness({ maxInFlight: 1, maxBatch: 64 });
    // The caller's own code between the answer and its next submit: a few promise hops.
    const again = h.submit('x1').then(async () => {
      for (let hop = 0; hop < 5; hop++) await Promise.resolve();
      return h.submit('x2');
    });
    await settle();
    const waiting = ['a1', 'b1'].map((name) => h.submit(name));
    h.writes[0].succeed();
    await settle();
    expect(h.batches()).toEqual([['x1'], ['a1', 'b1', 'x2']]);
    h.writes[1].succeed();
    await expect(Promise.all([again, ...waiting])).resolves.toEqual(['x2', 'a1', 'b1']);
  });

  it('takes everything that arrived while every slot was busy as one batch, in arrival order', async () => {
    const h = harness({ maxInFlight: 1, maxBatch: 64 });
    const first = h.submit('a1');
    await settle();
    const waiting = ['b1', 'c1', 'd1', 'e1'].map((name) => h.submit(name));
    await settle();
    expect(h.batches()).toEqual([['a1']]); // they wait for the busy slot, not a write each

    h.writes[0].succeed();
    await first;
    await settle();
    expect(h.batches()).toEqual([['a1'], ['b1', 'c1', 'd1', 'e1']]);
    h.writes[1].succeed();
    await expect(Promise.all(waiting)).resolves.toEqual(['b1', 'c1', 'd1', 'e1']);
  });

  it('puts at most maxBatch items in one batch; the rest go in the next', async () => {
    const h = harness({ maxInFlight: 1, maxBatch: 3 });
    const first = h.submit('a1');
    await settle();
    const all = [first, ...['b1', 'c1', 'd1', 'e1', 'f1', 'g1'].map((name) => h.submit(name))];
    h.writes[0].succeed();
    await settle();
    h.writes[1].succeed();
    await settle();
    h.writes[2].succeed();
    await expect(Promise.all(all)).resolves.toEqual(['a1', 'b1', 'c1', 'd1', 'e1', 'f1', 'g1']);
    expect(h.batches()).toEqual([['a1'], ['b1', 'c1', 'd1'], ['e1', 'f1', 'g1']]);
  });

  it('never puts two items of one key in one batch: the later ones wait, in order, for later batches', async () => {
    const h = harness({ maxInFlight: 1, maxBatch: 64 });
    const first = h.submit('x1');
    await settle();
    const all = [first, ...['a1', 'b1', 'a2', 'c1', 'a3', 'b2'].map((name) => h.submit(name))];
    for (let i = 0; i < 4; i++) {
      await settle();
      h.writes[i]?.succeed();
    }
    await expect(Promise.all(all)).resolves.toEqual(['x1', 'a1', 'b1', 'a2', 'c1', 'a3', 'b2']);
    expect(h.batches()).toEqual([['x1'], ['a1', 'b1', 'c1'], ['a2', 'b2'], ['a3']]);
  });

  it('keeps a key out of a batch even when that batch has room and other keys overtake it', async () => {
    // Items of other keys are not held up behind a key's second item: b1 goes with a1.
    const h = harness({ maxInFlight: 1, maxBatch: 2 });
    const first = h.submit('x1');
    await settle();
    const all = [first, ...['a1', 'a2', 'b1'].map((name) => h.submit(name))];
    for (let i = 0; i < 3; i++) {
      await settle();
      h.writes[i]?.succeed();
    }
    await Promise.all(all);
    expect(h.batches()).toEqual([['x1'], ['a1', 'b1'], ['a2']]);
  });
});

describe('GroupCommit: concurrency', () => {
  it('never runs more than maxInFlight writes at once, and writes every item exactly once', async () => {
    const h = harness({ maxInFlight: 3, maxBatch: 4 });
    const keys = Array.from({ length: 40 }, (_, i) => `stream-${i}-`);
    const all: Promise<string>[] = [];
    for (const [index, key] of keys.entries()) {
      all.push(h.commit.submit({ key, name: key }));
      if (index % 5 === 4) {
        await settle();
        // The newest write ends first, so batches finish out of their start order.
        h.open().at(-1)?.succeed();
      }
    }
    while (h.open().length > 0) {
      await settle();
      h.open().at(-1)?.succeed();
      await settle();
    }
    await expect(Promise.all(all)).resolves.toEqual(keys);
    expect(h.mostAtOnce()).toBe(3);
    expect(h.batches().flat().sort()).toEqual([...keys].sort());
    expect(h.batches().every((batch) => batch.length <= 4)).toBe(true);
    expect(h.batches().some((batch) => batch.length > 1)).toBe(true);
  });

  it('fills every free slot at once when items are waiting', async () => {
    const h = harness({ maxInFlight: 2, maxBatch: 64 });
    const all = [h.submit('a1')];
    await settle();
    all.push(h.submit('b1'));
    await settle();
    all.push(h.submit('c1'), h.submit('d1'));
    await settle();
    // a1 took the first slot, b1 the second; c1 and d1 wait together.
    expect(h.batches()).toEqual([['a1'], ['b1']]);
    h.writes[1].succeed();
    await settle();
    expect(h.batches()).toEqual([['a1'], ['b1'], ['c1', 'd1']]);
    h.writes[0].succeed();
    h.writes[2].succeed();
    await expect(Promise.all(all)).resolves.toEqual(['a1', 'b1', 'c1', 'd1']);
  });
});

describe('GroupCommit: outcomes', () => {
  it('settles each item with its own outcome: one refused item does not fail the others', async () => {
    const h = harness({ maxInFlight: 1, maxBatch: 64 });
    const first = h.submit('x1');
    await settle();
    const [a, b, c] = ['a1', 'b1', 'c1'].map((name) => h.submit(name));
    h.writes[0].succeed();
    await first;
    await settle();
    const refused = new Error('b1 refused');
    h.writes[1].gate.resolve([
      { ok: true, value: 'a1 done' },
      { ok: false, error: refused },
      { ok: true, value: 'c1 done' },
    ]);
    await expect(a).resolves.toBe('a1 done');
    await expect(b).rejects.toBe(refused);
    await expect(c).resolves.toBe('c1 done');
  });

  it('rejects every item of a batch whose write throws, then runs the next batch', async () => {
    const h = harness({ maxInFlight: 1, maxBatch: 2 });
    const first = h.submit('x1');
    await settle();
    const failed = [h.submit('a1'), h.submit('b1')];
    const later = h.submit('c1');
    h.writes[0].succeed();
    await first;
    await settle();
    expect(h.batches()[1]).toEqual(['a1', 'b1']);

    const broken = new Error('connection lost');
    h.writes[1].gate.reject(broken);
    await expect(failed[0]).rejects.toBe(broken);
    await expect(failed[1]).rejects.toBe(broken);
    await settle();
    expect(h.batches()[2]).toEqual(['c1']);
    h.writes[2].succeed();
    await expect(later).resolves.toBe('c1');
  });

  it('treats a writer that throws before returning a promise like a failed write', async () => {
    let calls = 0;
    const commit = new GroupCommit<Item, string>({ maxInFlight: 1, maxBatch: 8 }, (items) => {
      calls++;
      if (calls === 1) throw new Error('thrown synchronously');
      return Promise.resolve(items.map((i) => ({ ok: true as const, value: i.name })));
    });
    await expect(commit.submit(item('a1'))).rejects.toThrow('thrown synchronously');
    await expect(commit.submit(item('a2'))).resolves.toBe('a2');
  });

  it('rejects, rather than leaves waiting, an item the writer gave no outcome for', async () => {
    const commit = new GroupCommit<Item, string>({ maxInFlight: 1, maxBatch: 8 }, () =>
      Promise.resolve([]),
    );
    await expect(commit.submit(item('a1'))).rejects.toThrow('gave no outcome');
  });
});
