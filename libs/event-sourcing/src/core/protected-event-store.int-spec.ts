import { randomUUID } from 'node:crypto';
import {
  EventDataProtection,
  JsonObject,
  NewEvent,
  ProtectedEventStore,
  RecordedEvent,
  START,
} from '../index';
import { PostgresEventStore } from '../postgres';
import { eventually } from '../../test/eventually';
import { openTestDatabase, TestDatabase } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';

/** Reverses the `secret` field of Told events: enough to tell the stored form from the read one. */
const reversed = (data: JsonObject): JsonObject => ({
  ...data,
  secret: typeof data.secret === 'string' ? [...data.secret].reverse().join('') : null,
});
const reversing: EventDataProtection = {
  covers: (type) => type === 'Told',
  protect: (event: NewEvent) => Promise.resolve(reversed(event.data)),
  reveal: (event: RecordedEvent) => Promise.resolve(reversed(event.data)),
};

const told = (secret: string): NewEvent => ({ type: 'Told', data: { secret } });
const counted = (n: number): NewEvent => ({ type: 'Counted', data: { n } });
const stream = (): string => `protected-${randomUUID()}`;

let database: TestDatabase;
let inner: PostgresEventStore;
let store: ProtectedEventStore;

beforeAll(async () => {
  database = await openTestDatabase('protected_store');
  inner = new PostgresEventStore(database.dataSource);
  store = new ProtectedEventStore(inner, reversing);
});
afterAll(() => database.close());

const storedData = async (streamId: string): Promise<JsonObject[]> =>
  (
    await database.dataSource.query<{ data: JsonObject }[]>(
      'SELECT data FROM es_events WHERE stream_id = $1 ORDER BY stream_version',
      [streamId],
    )
  ).map((row) => row.data);

describe('ProtectedEventStore', () => {
  it('stores covered events protected, leaves the others alone, and reads them revealed', async () => {
    const id = stream();
    const result = await store.appendToStream(id, 'no_stream', [told('abc'), counted(1)], {
      metadata: testMetadata(),
    });
    expect(result.events.map((event) => event.data)).toEqual([{ secret: 'abc' }, { n: 1 }]);
    expect(await storedData(id)).toEqual([{ secret: 'cba' }, { n: 1 }]);
    expect((await store.readStream(id)).map((event) => event.data)).toEqual([
      { secret: 'abc' },
      { n: 1 },
    ]);
    // The log is read gap-safe: a transaction still in flight anywhere in the database (other
    // test files run beside this one) holds back what committed after it began.
    await eventually(async () => {
      const all = await store.readAll(START, 10_000);
      expect(all.filter((event) => event.streamId === id).map((event) => event.data)).toEqual([
        { secret: 'abc' },
        { n: 1 },
      ]);
    });
    // An event read by SQL of its own is revealed by upcast, as the reads above are.
    const [raw] = await inner.readStream(id);
    expect((await store.upcast(raw)).data).toEqual({ secret: 'abc' });
  });

  it('protects every stream of a multi-stream append and every command of a batched one', async () => {
    const [a, b] = [stream(), stream()];
    const multi = await store.appendToStreams(
      [
        { streamId: a, expected: 'no_stream', events: [told('one')] },
        { streamId: b, expected: 'no_stream', events: [counted(2), told('two')] },
      ],
      { metadata: testMetadata() },
    );
    expect(multi.streams.map((s) => s.events.map((event) => event.data))).toEqual([
      [{ secret: 'one' }],
      [{ n: 2 }, { secret: 'two' }],
    ]);
    expect(await storedData(a)).toEqual([{ secret: 'eno' }]);
    expect(await storedData(b)).toEqual([{ n: 2 }, { secret: 'owt' }]);

    const results = await store.appendCommands(a, 1, [
      {
        events: [told('x1')],
        metadata: testMetadata(),
        command: { id: randomUUID(), result: () => null },
      },
      {
        events: [told('x2'), counted(3)],
        metadata: testMetadata(),
        command: { id: randomUUID(), result: () => null },
      },
    ]);
    expect(results.map((r) => r.events.map((event) => event.data))).toEqual([
      [{ secret: 'x1' }],
      [{ secret: 'x2' }, { n: 3 }],
    ]);
    expect(await storedData(a)).toEqual([
      { secret: 'eno' },
      { secret: '1x' },
      { secret: '2x' },
      { n: 3 },
    ]);
  });
});
