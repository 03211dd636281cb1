import { KeyedSerialQueue } from './keyed-serial-queue';

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (setImmediate fires after the microtask queue drains). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A task that records when it starts and ends and finishes only when its gate opens. */
function gatedTask<T>(log: string[], name: string, gate: Promise<T>): () => Promise<T> {
  return async () => {
    log.push(`start ${name}`);
    try {
      return await gate;
    } finally {
      log.push(`end ${name}`);
    }
  };
}

describe('KeyedSerialQueue', () => {
  it('runs the tasks of one key one at a time, in arrival order', async () => {
    const queue = new KeyedSerialQueue();
    const log: string[] = [];
    const gates = [deferred<number>(), deferred<number>(), deferred<number>()];
    const results = gates.map((gate, i) =>
      queue.run('stream-a', gatedTask(log, `${i}`, gate.promise)),
    );

    await settle();
    expect(log).toEqual(['start 0']);

    // Opening a later gate first must not let its task jump the queue.
    gates[2].resolve(2);
    gates[1].resolve(1);
    await settle();
    expect(log).toEqual(['start 0']);

    gates[0].resolve(0);
    await expect(Promise.all(results)).resolves.toEqual([0, 1, 2]);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('never overlaps two tasks of one key', async () => {
    const queue = new KeyedSerialQueue();
    let running = 0;
    let mostAtOnce = 0;
    const gates = Array.from({ length: 5 }, () => deferred());
    const results = gates.map((gate) =>
      queue.run('stream-a', async () => {
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        await gate.promise;
        running--;
      }),
    );
    for (const gate of gates) {
      await settle();
      expect(running).toBe(1);
      gate.resolve();
    }
    await Promise.all(results);
    expect(mostAtOnce).toBe(1);
    expect(running).toBe(0);
  });

  it('runs tasks of different keys concurrently', async () => {
    const queue = new KeyedSerialQueue();
    const log: string[] = [];
    const gateA = deferred<string>();
    const gateB = deferred<string>();
    const a = queue.run('stream-a', gatedTask(log, 'a', gateA.promise));
    const b = queue.run('stream-b', gatedTask(log, 'b', gateB.promise));

    await settle();
    expect(log).toEqual(['start a', 'start b']);
    expect(queue.activeKeys).toBe(2);

    // b finishes while a is still running: the keys do not wait for each other.
    gateB.resolve('b done');
    await expect(b).resolves.toBe('b done');
    expect(log).toEqual(['start a', 'start b', 'end b']);

    gateA.resolve('a done');
    await expect(a).resolves.toBe('a done');
  });

  it('passes a rejection to its caller and still runs the next task', async () => {
    const queue = new KeyedSerialQueue();
    const log: string[] = [];
    const gate = deferred<string>();
    const failing = queue.run('stream-a', gatedTask(log, 'failing', gate.promise));
    const next = queue.run('stream-a', gatedTask(log, 'next', Promise.resolve('next done')));

    await settle();
    expect(log).toEqual(['start failing']);
    gate.reject(new Error('boom'));

    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next done');
    expect(log).toEqual(['start failing', 'end failing', 'start next', 'end next']);
  });

  it('passes a synchronous throw to its caller and still runs the next task', async () => {
    const queue = new KeyedSerialQueue();
    const failing = queue.run('stream-a', (): Promise<never> => {
      throw new Error('thrown before any await');
    });
    const next = queue.run('stream-a', () => Promise.resolve(42));

    await expect(failing).rejects.toThrow('thrown before any await');
    await expect(next).resolves.toBe(42);
  });

  it('forgets a key once its queue drains', async () => {
    const queue = new KeyedSerialQueue();
    expect(queue.activeKeys).toBe(0);
    const gate = deferred();
    const first = queue.run('stream-a', () => gate.promise);
    const second = queue.run('stream-a', () => Promise.reject(new Error('last task fails')));
    const other = queue.run('stream-b', () => Promise.resolve());
    expect(queue.activeKeys).toBe(2);

    await other;
    await settle();
    expect(queue.activeKeys).toBe(1);

    gate.resolve();
    await first;
    await expect(second).rejects.toThrow('last task fails');
    await settle();
    expect(queue.activeKeys).toBe(0);
  });

  it('keeps a key while work arrives after an earlier task finished', async () => {
    const queue = new KeyedSerialQueue();
    await queue.run('stream-a', () => Promise.resolve());
    const gate = deferred();
    const later = queue.run('stream-a', () => gate.promise);
    await settle();
    expect(queue.activeKeys).toBe(1);

    gate.resolve();
    await later;
    await settle();
    expect(queue.activeKeys).toBe(0);
  });
});
