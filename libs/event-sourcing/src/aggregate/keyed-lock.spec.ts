import { KeyedLock } from './keyed-lock';

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

/** Lets every pending promise callback run (setImmediate fires after the microtask queue drains). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A lock whose holders record when they run and finish only when the test says so. */
function harness() {
  const lock = new KeyedLock();
  const started: string[] = [];
  const gates = new Map<string, Deferred>();
  const holders = new Map<string, Promise<string>>();
  const hold = (name: string, keys: string[]): void => {
    const gate = deferred();
    gates.set(name, gate);
    holders.set(
      name,
      lock.hold(keys, async () => {
        started.push(name);
        await gate.promise;
        return name;
      }),
    );
  };
  const finish = async (name: string): Promise<void> => {
    gates.get(name)?.resolve();
    await settle();
  };
  return { lock, started, gates, hold, finish, result: (name: string) => holders.get(name) };
}

describe('KeyedLock', () => {
  describe('one key', () => {
    it('runs its holders one at a time, in the order they asked', async () => {
      const h = harness();
      ['first', 'second', 'third'].forEach((name) => h.hold(name, ['a']));
      await settle();
      expect(h.started).toEqual(['first']);

      await h.finish('first');
      expect(h.started).toEqual(['first', 'second']);
      await h.finish('second');
      await h.finish('third');
      expect(h.started).toEqual(['first', 'second', 'third']);
      await expect(h.result('third')).resolves.toBe('third');
      expect(h.lock.heldKeys).toBe(0); // a free key is forgotten
    });

    it('hands a freed key to the one waiting, not to a caller that comes later', async () => {
      const h = harness();
      h.hold('first', ['a']);
      h.hold('waiting', ['a']);
      await settle();
      h.gates.get('first')?.resolve();
      await h.result('first'); // the key was given back just now
      h.hold('later', ['a']);
      await settle();
      expect(h.started).toEqual(['first', 'waiting']);
    });
  });

  describe('several keys', () => {
    it('runs holders of different keys side by side', async () => {
      const h = harness();
      h.hold('on a', ['a']);
      h.hold('on b', ['b']);
      await settle();
      expect(h.started).toEqual(['on a', 'on b']);
      expect(h.lock.heldKeys).toBe(2);
    });

    it('waits for every key it asked for: a holder of [a, b] waits for one of b alone', async () => {
      const h = harness();
      h.hold('on b', ['b']);
      h.hold('on a and b', ['a', 'b']);
      h.hold('on a', ['a']); // a is taken by the one waiting for b
      await settle();
      expect(h.started).toEqual(['on b']);

      await h.finish('on b');
      expect(h.started).toEqual(['on b', 'on a and b']);
      await h.finish('on a and b');
      expect(h.started).toEqual(['on b', 'on a and b', 'on a']);
    });

    it('cannot deadlock on overlapping key sets asked for in opposite orders', async () => {
      const lock = new KeyedLock();
      // Taken in the order given, the first would hold a and the second b, each waiting for
      // the other for ever.
      const both = Promise.all([
        lock.hold(['a', 'b'], () => 'ab'),
        lock.hold(['b', 'a'], () => 'ba'),
        lock.hold(['c', 'b', 'a'], () => 'cba'),
      ]);
      const done = await Promise.race([
        both,
        settle()
          .then(settle)
          .then(() => 'deadlocked'),
      ]);
      expect(done).toEqual(['ab', 'ba', 'cba']);
      expect(lock.heldKeys).toBe(0);
    });

    it('counts a key named twice once', async () => {
      const lock = new KeyedLock();
      await expect(lock.hold(['a', 'a'], () => 'once')).resolves.toBe('once');
      await expect(lock.hold([], () => 'no keys')).resolves.toBe('no keys');
    });

    it('never lets two holders of one key run together, over 300 random overlapping key sets', async () => {
      const lock = new KeyedLock();
      const keys = ['a', 'b', 'c', 'd', 'e'];
      const inUse = new Set<string>();
      const clashes: string[] = [];
      let seed = 7;
      const random = (): number => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
      const holders = Array.from({ length: 300 }, (_, i) => {
        const mine = keys.filter(() => random() < 0.4).sort(() => random() - 0.5);
        return lock.hold(mine, async () => {
          for (const key of mine) {
            if (inUse.has(key)) clashes.push(key);
            inUse.add(key);
          }
          for (let turn = 0; turn < i % 3; turn++) await settle();
          mine.forEach((key) => inUse.delete(key));
          return i;
        });
      });
      expect(await Promise.all(holders)).toHaveLength(300);
      expect(clashes).toEqual([]);
      expect(lock.heldKeys).toBe(0);
    }, 5_000); // a deadlock fails here instead of waiting out the suite's minute
  });

  describe('a holder that throws', () => {
    it.each([
      [
        'throws at once',
        (): never => {
          throw new Error('refused');
        },
      ],
      [
        'rejects later',
        async (): Promise<never> => {
          await settle();
          throw new Error('refused');
        },
      ],
    ])(
      'gives its keys back when its work %s, and its caller gets the error',
      async (_label, work) => {
        const lock = new KeyedLock();
        const failing = lock.hold(['a', 'b'], work);
        const next = lock.hold(['b'], () => 'next');
        await expect(failing).rejects.toThrow('refused');
        await expect(next).resolves.toBe('next');
        expect(lock.heldKeys).toBe(0);
      },
    );
  });
});
