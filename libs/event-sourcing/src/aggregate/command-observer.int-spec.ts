import { randomUUID } from 'node:crypto';
import {
  AggregateRepository,
  CommandExecutor,
  CommandObserver,
  ConcurrencyRetriesExhaustedError,
  MultiStreamCommandExecutor,
  NewEvent,
} from '../index';
import { AppendTransaction, PostgresEventStore } from '../postgres';
import { openTestDatabase, TestDatabase } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';

// A counter: every command adds one event.
const added: NewEvent = { type: 'Added', data: {} };
const counterType = {
  eventTypes: ['Added'],
  initialState: () => 0,
  evolve: (count: number) => count + 1,
};

let database: TestDatabase;
let store: PostgresEventStore;
const transactions: AppendTransaction[] = [];

beforeAll(async () => {
  database = await openTestDatabase('command_observer');
  store = new PostgresEventStore(database.dataSource, {
    appendObserver: { transactionWritten: (transaction) => transactions.push(transaction) },
  });
});
afterAll(() => database.close());

const stream = (): string => `counter-${randomUUID()}`;

/** What an observer heard, in order. */
function recording(): { observer: Required<CommandObserver>; heard: string[] } {
  const heard: string[] = [];
  return {
    heard,
    observer: {
      conflicted: (commandId, streamId) => heard.push(`conflicted ${commandId} ${streamId}`),
      retriesExhausted: (commandId, streamId) =>
        heard.push(`retriesExhausted ${commandId} ${streamId}`),
      replayed: (commandId) => heard.push(`replayed ${commandId}`),
    },
  };
}

/** One application process: its own executor (and so its own cache of stream states). */
function process(observer?: CommandObserver, maxAttempts = 20) {
  const executor = new CommandExecutor(store, new AggregateRepository(store, counterType), {
    observer,
    retryPolicy: { maxAttempts, baseDelayMs: 1, maxDelayMs: 5 },
  });
  return (streamId: string, commandId: string = randomUUID()): Promise<number> =>
    executor.execute({
      streamId,
      commandId,
      metadata: testMetadata({ commandId }),
      decide: () => [added],
      result: ({ version }) => version,
    });
}

describe('CommandExecutor observer', () => {
  it('hears of a conflict with another process, and of a repeat answered from the record', async () => {
    const { observer, heard } = recording();
    const observed = process(observer);
    const other = process();
    const streamId = stream();
    await observed(streamId); // cached at version 1
    await other(streamId); // version 2: the cache is stale
    const conflicting = randomUUID();
    expect(await observed(streamId, conflicting)).toBe(3);
    expect(await observed(streamId, conflicting)).toBe(3);
    expect(heard).toEqual([`conflicted ${conflicting} ${streamId}`, `replayed ${conflicting}`]);
  });

  it('hears of exhausted retries', async () => {
    const { observer, heard } = recording();
    const observed = process(observer, 1);
    const streamId = stream();
    await observed(streamId);
    await process()(streamId);
    const commandId = randomUUID();
    await expect(observed(streamId, commandId)).rejects.toBeInstanceOf(
      ConcurrencyRetriesExhaustedError,
    );
    expect(heard).toEqual([
      `conflicted ${commandId} ${streamId}`,
      `retriesExhausted ${commandId} ${streamId}`,
    ]);
  });

  it('keeps the outcome when the observer throws', async () => {
    const throwing: CommandObserver = {
      conflicted: () => {
        throw new Error('metrics broke');
      },
    };
    const observed = process(throwing);
    const streamId = stream();
    await observed(streamId);
    await process()(streamId);
    expect(await observed(streamId)).toBe(3);
  });
});

describe('MultiStreamCommandExecutor observer', () => {
  it('hears of a repeat answered from the record', async () => {
    const { observer, heard } = recording();
    const executor = new MultiStreamCommandExecutor(store, { observer });
    const repository = new AggregateRepository(store, counterType);
    const [a, b] = [stream(), stream()];
    const metadata = testMetadata();
    const command = {
      commandId: metadata.commandId,
      metadata,
      decide: async (load: Parameters<Parameters<typeof executor.execute>[0]['decide']>[0]) => {
        await load(repository, a);
        await load(repository, b);
        return [
          { streamId: a, events: [added] },
          { streamId: b, events: [added, added] },
        ];
      },
      result: () => 'done',
    };
    expect(await executor.execute(command)).toBe('done');
    expect(heard).toEqual([]);
    expect(await executor.execute(command)).toBe('done');
    expect(heard).toEqual([`replayed ${metadata.commandId}`]);
  });
});

describe('the append observer', () => {
  it('hears of each group commit and multi-stream transaction, with its appends and events', async () => {
    transactions.length = 0;
    const streamId = stream();
    await store.appendToStream(streamId, 'no_stream', [added, added], {
      metadata: testMetadata(),
    });
    await expect(
      store.appendToStream(streamId, 'no_stream', [added], { metadata: testMetadata() }),
    ).rejects.toThrow();
    await store.appendToStreams(
      [
        { streamId: stream(), expected: 'no_stream', events: [added] },
        { streamId: stream(), expected: 'no_stream', events: [added, added, added] },
      ],
      { metadata: testMetadata() },
    );
    const shape = ({ kind, appends, events, committed }: AppendTransaction) => ({
      kind,
      appends,
      events,
      committed,
    });
    expect(transactions.map(shape)).toEqual([
      { kind: 'group-commit', appends: 1, events: 2, committed: true },
      // Refused by its guard inside a transaction that still commits: no events.
      { kind: 'group-commit', appends: 1, events: 0, committed: true },
      { kind: 'multi-stream', appends: 2, events: 4, committed: true },
    ]);
    for (const { durationMs } of transactions) expect(durationMs).toBeGreaterThan(0);
  });
});
