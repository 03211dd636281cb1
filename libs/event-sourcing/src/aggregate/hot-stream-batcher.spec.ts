import { randomUUID } from 'node:crypto';
import { NewEvent } from '../core/event';
import { JsonValue } from '../core/json';
import { testMetadata } from '../../test/test-metadata';
import { AggregateRepository } from './aggregate-repository';
import { CachingStateLoader } from './caching-state-loader';
import { InMemoryEventStore } from '../../test/in-memory-event-store';
import { HotStreamBatcher } from './hot-stream-batcher';
import { KeyedLock } from './keyed-lock';
import { SnapshotPolicy } from './snapshot-policy';
import { CommandExecution } from './stream-command';

type AccountEvent =
  NewEvent<'Deposited', { amount: number }> | NewEvent<'Withdrawn', { amount: number }>;
type Command = CommandExecution<number, AccountEvent, JsonValue>;

const deposit =
  (amount: number) =>
  (_: number): AccountEvent[] => [{ type: 'Deposited', data: { amount } }];
const withdraw =
  (amount: number) =>
  (balance: number): AccountEvent[] => {
    if (amount > balance) throw new Error(`balance ${balance} does not cover ${amount}`);
    return [{ type: 'Withdrawn', data: { amount } }];
  };
const nothing = (): AccountEvent[] => [];

/** Lets every pending promise callback run (setImmediate fires after the microtask queue drains). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A batcher of one account stream, opened with a deposit of 10. Commands run alone are only
 * recorded (`alone`, with the stream locks held then) and answered `alone <id>`; the first one
 * waits for `release()`, so what is pushed meanwhile queues up as the next batch.
 */
async function harness(
  options: { maxCommandsPerAppend?: number; snapshots?: SnapshotPolicy<number> } = {},
) {
  const store = new InMemoryEventStore();
  const repository = new AggregateRepository<number, AccountEvent>(
    store,
    {
      eventTypes: ['Deposited', 'Withdrawn'],
      initialState: () => 0,
      evolve: (balance, event) =>
        event.type === 'Deposited' ? balance + event.data.amount : balance - event.data.amount,
    },
    options.snapshots,
  );
  const loader = new CachingStateLoader(repository, 10);
  const locks = new KeyedLock();
  const streamId = `account-${randomUUID()}`;
  await store.appendToStream(streamId, 'no_stream', [{ type: 'Deposited', data: { amount: 10 } }], {
    metadata: testMetadata(),
  });

  const alone: string[] = [];
  const heldWhileAlone: number[] = [];
  const conflicts: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const batcher = new HotStreamBatcher({
    store,
    repository,
    loader,
    locks,
    maxCommandsPerAppend: options.maxCommandsPerAppend ?? 64,
    runAlone: async ({ commandId }) => {
      alone.push(commandId);
      heldWhileAlone.push(locks.heldKeys);
      if (alone.length === 1) await released;
      if (commandId.startsWith('failing')) throw new Error(`${commandId} failed`);
      return `alone ${commandId}`;
    },
    conflicted: (stream, commandIds) => conflicts.push(`${stream}: ${commandIds.join(' ')}`),
  });
  const appendCommands = jest.spyOn(store, 'appendCommands');

  const execute = (
    commandId: string,
    decide: (balance: number) => AccountEvent[],
    expectedVersion?: number,
  ): Promise<JsonValue> =>
    batcher.execute<JsonValue>({
      streamId,
      commandId,
      metadata: testMetadata({ commandId }),
      expectedVersion,
      decide,
      result: ({ state, version }) => ({ balance: state, version }),
    } satisfies Command);

  /** Runs `first` alone and queues `rest` behind it as one batch; settles them all. */
  const batch = async (...rest: [string, (balance: number) => AccountEvent[], number?][]) => {
    const first = execute('first', deposit(0));
    await settle();
    const results = Promise.allSettled(rest.map((args) => execute(...args)));
    release();
    await first;
    return (await results).map((settled) =>
      settled.status === 'fulfilled' ? settled.value : `rejected: ${String(settled.reason)}`,
    );
  };
  /** The stream as stored: each event's command, type and data. */
  const history = async () =>
    (await store.readStream(streamId)).map(({ metadata, type, data }) => ({
      command: metadata.commandId,
      type,
      data,
    }));
  return {
    store,
    streamId,
    loader,
    locks,
    alone,
    heldWhileAlone,
    conflicts,
    appendCommands,
    batch,
    history,
  };
}

describe('HotStreamBatcher', () => {
  it('decides a batch in order on one state, appends the commands that decided events as one append, and runs the others alone after it', async () => {
    const h = await harness();
    const results = await h.batch(
      ['a', deposit(5)],
      ['b', withdraw(100)], // refused on 15
      ['c', nothing],
      ['d', withdraw(15)], // decided on the 15 that a leaves
    );
    expect(results).toEqual([
      { balance: 15, version: 2 },
      'alone b',
      'alone c',
      { balance: 0, version: 3 },
    ]);
    expect(h.appendCommands).toHaveBeenCalledTimes(1);
    expect(h.appendCommands.mock.calls[0][1]).toBe(1); // expected version: the load's
    expect(h.alone).toEqual(['first', 'b', 'c']);
    // Each command's events carry its own metadata.
    expect((await h.history()).slice(1)).toEqual([
      { command: 'a', type: 'Deposited', data: { amount: 5 } },
      { command: 'd', type: 'Withdrawn', data: { amount: 15 } },
    ]);
    expect(h.conflicts).toEqual([]);
  });

  it('remembers the state the batch committed, so the next command needs no load', async () => {
    const h = await harness();
    await h.batch(['a', deposit(5)], ['b', deposit(1)]);
    expect(await h.loader.load(h.streamId)).toMatchObject({ state: 16, version: 3 });
    expect(h.loader.size).toBe(1);
  });

  it('runs every command alone when fewer than two decide events', async () => {
    const h = await harness();
    const results = await h.batch(['a', deposit(5)], ['b', withdraw(100)]);
    expect(results).toEqual(['alone a', 'alone b']);
    expect(h.appendCommands).not.toHaveBeenCalled();
    expect(h.alone).toEqual(['first', 'a', 'b']);
  });

  it('runs every command alone when one of them carries If-Match', async () => {
    const h = await harness();
    const results = await h.batch(['a', deposit(5)], ['b', deposit(1), 1]);
    expect(results).toEqual(['alone a', 'alone b']);
    expect(h.appendCommands).not.toHaveBeenCalled();
  });

  it('runs every command alone, in order, when the append conflicts, counting one conflict for the commands it carried', async () => {
    const h = await harness();
    // The remembered state is stale: another process appended since.
    h.loader.remember(h.streamId, { state: 0, version: 0, events: [], snapshotVersion: 0 });
    const results = await h.batch(['a', deposit(5)], ['b', nothing], ['c', deposit(1)]);
    expect(results).toEqual(['alone a', 'alone b', 'alone c']);
    expect(h.alone).toEqual(['first', 'a', 'b', 'c']);
    expect(h.conflicts).toEqual([`${h.streamId}: a c`]);
    expect(h.loader.size).toBe(0); // forgotten: the next attempt loads
    expect(await h.history()).toHaveLength(1);
  });

  it('runs every command alone after any other append failure, counting no conflict', async () => {
    const h = await harness();
    h.appendCommands.mockRejectedValueOnce(new Error('connection lost'));
    const results = await h.batch(['a', deposit(5)], ['b', deposit(1)]);
    expect(results).toEqual(['alone a', 'alone b']);
    expect(h.conflicts).toEqual([]);
    expect(h.loader.size).toBe(0);
  });

  it('takes at most maxCommandsPerAppend commands per batch', async () => {
    const h = await harness({ maxCommandsPerAppend: 2 });
    const results = await h.batch(['a', deposit(1)], ['b', deposit(1)], ['c', deposit(1)]);
    expect(results).toEqual([{ balance: 11, version: 2 }, { balance: 12, version: 3 }, 'alone c']);
    expect(h.appendCommands).toHaveBeenCalledTimes(1);
  });

  it('writes the snapshot due with the batch, in its append', async () => {
    const h = await harness({
      snapshots: { schemaVersion: 1, every: 2, toJson: (balance) => balance, fromJson: Number },
    });
    await h.batch(['a', deposit(5)], ['b', deposit(1)]);
    expect(await h.store.readSnapshot(h.streamId)).toEqual({
      streamVersion: 3,
      schemaVersion: 1,
      state: 16,
    });
    expect(await h.loader.load(h.streamId)).toMatchObject({ version: 3, snapshotVersion: 3 });
  });

  it('runs commands holding their stream in the stream locks, and a failure alone rejects only its command', async () => {
    const h = await harness();
    const results = await h.batch(['failing-a', withdraw(100)], ['b', nothing]);
    expect(results).toEqual(['rejected: Error: failing-a failed', 'alone b']);
    expect(h.heldWhileAlone).toEqual([1, 1, 1]);
    expect(h.locks.heldKeys).toBe(0);
  });
});
