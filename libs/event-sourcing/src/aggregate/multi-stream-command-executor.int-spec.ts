import { randomUUID } from 'node:crypto';
import {
  AggregateRepository,
  CommandExecutor,
  KeyedLock,
  MultiStreamCommandExecution,
  MultiStreamCommandExecutor,
  NewEvent,
} from '../index';
import { PostgresEventStore } from '../postgres';
import { describeOnServer, openTestDatabase, TestDatabase } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';

// A parent that counts its children, as a customer's stream counts its accounts: every
// child's creation writes the parent at the version it read.
const counted: NewEvent = { type: 'Counted', data: {} };
const counter = (events: PostgresEventStore) =>
  new AggregateRepository<number, NewEvent>(events, {
    eventTypes: ['Counted'],
    initialState: () => 0,
    evolve: (count) => count + 1,
  });

let database: TestDatabase;
let store: PostgresEventStore;

beforeAll(async () => {
  database = await openTestDatabase('multi_stream_locks');
  store = new PostgresEventStore(database.dataSource);
});
afterAll(() => database.close());

const stream = (kind: string): string => `${kind}-${randomUUID()}`;

/**
 * Creates a child and counts it on `parent`, holding `serializeOn` (default: the parent);
 * `onDecide` runs after the loads.
 */
function addChild(
  parent: string,
  serializeOn: readonly string[] | undefined = [parent],
  onDecide: () => Promise<void> | void = () => undefined,
): MultiStreamCommandExecution<null> {
  const child = stream('child');
  const metadata = testMetadata();
  const repository = counter(store);
  return {
    commandId: metadata.commandId,
    metadata,
    serializeOn,
    decide: async (load) => {
      await load(repository, parent);
      await load(repository, child);
      await onDecide();
      return [
        { streamId: child, events: [counted] },
        { streamId: parent, events: [counted] },
      ];
    },
    result: () => null,
  };
}

describeOnServer('MultiStreamCommandExecutor in one process', () => {
  it('runs commands that declare a common stream one after another: 200 children of one parent, not one conflict', async () => {
    const executor = new MultiStreamCommandExecutor(store);
    const parent = stream('parent');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, () => executor.execute(addChild(parent))),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(executor.stats).toEqual({ conflicts: 0, retriesExhausted: 0 });
    expect(await store.readStream(parent)).toHaveLength(200);
  });

  it('holds a written stream it did not declare from the attempt after its first conflict on it', async () => {
    const locks = new KeyedLock();
    const executor = new MultiStreamCommandExecutor(store, { streamLocks: locks });
    const parent = stream('parent');
    const heldWhenDeciding: number[] = [];
    await executor.execute(
      addChild(parent, [], async () => {
        heldWhenDeciding.push(locks.heldKeys);
        // Another writer moves the parent on after the first load: the first attempt conflicts.
        if (heldWhenDeciding.length === 1)
          await store.appendToStream(parent, 'any', [counted], { metadata: testMetadata() });
      }),
    );
    expect(heldWhenDeciding).toEqual([0, 2]); // the parent and the child
    expect(executor.stats.conflicts).toBe(1);
    expect(await store.readStream(parent)).toHaveLength(2);
  });

  it('queues behind the CommandExecutor commands of a stream it writes, and they behind it', async () => {
    const repository = counter(store);
    // No cache: a decision on state cached before a multi-stream write would conflict once.
    const single = new CommandExecutor(store, repository, { cachedStreams: 0 });
    const multi = new MultiStreamCommandExecutor(store);
    const parent = stream('parent');
    const count = (): Promise<null> => {
      const metadata = testMetadata();
      return single.execute({
        streamId: parent,
        commandId: metadata.commandId,
        metadata,
        decide: () => [counted],
        result: () => null,
      });
    };
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? count() : multi.execute(addChild(parent)))),
    );
    expect(multi.stats).toEqual({ conflicts: 0, retriesExhausted: 0 });
    expect(single.stats).toEqual({ conflicts: 0, retriesExhausted: 0 });
    expect(await store.readStream(parent)).toHaveLength(100);
  });

  it('still re-decides conflicts with another process: two executors on locks of their own', async () => {
    const first = new MultiStreamCommandExecutor(store, { streamLocks: new KeyedLock() });
    const second = new MultiStreamCommandExecutor(store, { streamLocks: new KeyedLock() });
    const parent = stream('parent');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? first : second).execute(addChild(parent))),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(await store.readStream(parent)).toHaveLength(60);
  });
});
