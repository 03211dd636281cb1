import { randomUUID } from 'node:crypto';
import {
  AggregateRepository,
  ConcurrencyRetriesExhaustedError,
  DuplicateCommandError,
  MultiStreamCommandExecutor,
  NewEvent,
  WrongExpectedVersionError,
} from '../index';
import { PostgresEventStore } from './';
import { describeOnServer, openTestDatabase, TestDatabase } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';

const metadata = testMetadata;
const event = (n: number): NewEvent => ({ type: 'Counted', data: { n } });
const stream = (): string => `multi-${randomUUID()}`;

/** A key reservation: held once a Reserved event is in its stream. */
type Slot = { held: boolean };
const slotRepository = (events: PostgresEventStore) =>
  new AggregateRepository<Slot, NewEvent>(events, {
    eventTypes: ['Reserved', 'Counted'],
    initialState: () => ({ held: false }),
    evolve: (state, e) => (e.type === 'Reserved' ? { held: true } : state),
  });

let database: TestDatabase;
let store: PostgresEventStore;

beforeAll(async () => {
  database = await openTestDatabase('multi_stream');
  store = new PostgresEventStore(database.dataSource);
});
afterAll(() => database.close());

describe('PostgresEventStore.appendToStreams', () => {
  it('appends to every stream in one transaction, each at its own expected version', async () => {
    const [a, b] = [stream(), stream()];
    await store.appendToStream(b, 'no_stream', [event(0)], { metadata: metadata() });
    const result = await store.appendToStreams(
      [
        { streamId: a, expected: 'no_stream', events: [event(1), event(2)] },
        { streamId: b, expected: 1, events: [event(3)] },
      ],
      { metadata: metadata() },
    );
    expect(result.streams.map((s) => [s.streamId, s.nextExpectedVersion])).toEqual([
      [a, 2],
      [b, 2],
    ]);
    const positions = result.streams.flatMap((s) => s.events.map((e) => e.globalPosition));
    expect(result.lastPosition.globalPosition).toBe(
      positions.reduce((max, p) => (p > max ? p : max)),
    );
    expect((await store.readStream(a)).map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect((await store.readStream(b)).map((e) => e.data)).toEqual([{ n: 0 }, { n: 3 }]);
  });

  it('writes nothing when any stream is not at its expected version, and names that stream', async () => {
    const [a, b] = [stream(), stream()];
    await store.appendToStream(b, 'no_stream', [event(0)], { metadata: metadata() });
    const failure = store.appendToStreams(
      [
        { streamId: a, expected: 'no_stream', events: [event(1)] },
        { streamId: b, expected: 'no_stream', events: [event(2)] },
      ],
      { metadata: metadata() },
    );
    await expect(failure).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(failure).rejects.toMatchObject({ streamId: b, actual: 1 });
    expect(await store.readStream(a)).toEqual([]);
    expect(await store.readStream(b)).toHaveLength(1);
  });

  it('records the command once: a repeat is refused and writes nothing', async () => {
    const command = { id: randomUUID(), result: () => ({ ok: true }) };
    const [a, b] = [stream(), stream()];
    const first = await store.appendToStreams(
      [
        { streamId: a, expected: 'any', events: [event(1)] },
        { streamId: b, expected: 'any', events: [event(1)] },
      ],
      { metadata: metadata(), command },
    );
    expect(first.commandResult).toEqual({ ok: true });
    await expect(
      store.appendToStreams([{ streamId: a, expected: 'any', events: [event(2)] }], {
        metadata: metadata(),
        command,
      }),
    ).rejects.toBeInstanceOf(DuplicateCommandError);
    expect(await store.readStream(a)).toHaveLength(1);
    expect(await store.findCommandResult(command.id)).toEqual({ ok: true });
  });

  it('refuses appends that cannot be meant', async () => {
    const a = stream();
    await expect(store.appendToStreams([], { metadata: metadata() })).rejects.toThrow(RangeError);
    await expect(
      store.appendToStreams([{ streamId: a, expected: 'any', events: [] }], {
        metadata: metadata(),
      }),
    ).rejects.toThrow(RangeError);
    await expect(
      store.appendToStreams(
        [
          { streamId: a, expected: 'any', events: [event(1)] },
          { streamId: a, expected: 'any', events: [event(2)] },
        ],
        { metadata: metadata() },
      ),
    ).rejects.toThrow(RangeError);
    expect(await store.readStream(a)).toEqual([]);
  });
});

describeOnServer('MultiStreamCommandExecutor under concurrency', () => {
  it('30 commands racing for one reservation stream: exactly one reserves, the others are refused after re-deciding', async () => {
    const executor = new MultiStreamCommandExecutor(store);
    const repository = slotRepository(store);
    const key = stream();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, () => {
        const owner = stream();
        return executor.execute({
          commandId: randomUUID(),
          metadata: metadata(),
          decide: async (load) => {
            const slot = await load(repository, key);
            await load(repository, owner);
            if (slot.state.held) throw new Error('taken');
            return [
              { streamId: owner, events: [event(1)] },
              { streamId: key, events: [{ type: 'Reserved', data: { owner } }] },
            ];
          },
          result: (appended) => ({
            position: appended?.lastPosition.globalPosition.toString() ?? null,
          }),
        });
      }),
    );
    const fulfilled = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter(
      (o) => o.status === 'rejected' && (o.reason as Error).message === 'taken',
    );
    expect(fulfilled).toHaveLength(1);
    expect(refused).toHaveLength(29);
    expect(await store.readStream(key)).toHaveLength(1);
  });

  it('an If-Match mismatch is final (not re-decided), and retries are bounded', async () => {
    const repository = slotRepository(store);
    const a = stream();
    await store.appendToStream(a, 'no_stream', [event(1)], { metadata: metadata() });
    let decisions = 0;
    await expect(
      new MultiStreamCommandExecutor(store).execute({
        commandId: randomUUID(),
        metadata: metadata(),
        expectedVersions: { [a]: 5 },
        decide: async (load) => {
          decisions++;
          await load(repository, a);
          return [{ streamId: a, events: [event(2)] }];
        },
        result: () => null,
      }),
    ).rejects.toMatchObject({ code: 'VERSION_CONFLICT', expected: 5, actual: 1 });
    expect(decisions).toBe(1);

    // A stream that moves on between every load and append exhausts the attempts.
    const policy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
    await expect(
      new MultiStreamCommandExecutor(store, { retryPolicy: policy }).execute({
        commandId: randomUUID(),
        metadata: metadata(),
        decide: async (load) => {
          await load(repository, a);
          await store.appendToStream(a, 'any', [event(9)], { metadata: metadata() });
          return [{ streamId: a, events: [event(2)] }];
        },
        result: () => null,
      }),
    ).rejects.toBeInstanceOf(ConcurrencyRetriesExhaustedError);
  });
});
