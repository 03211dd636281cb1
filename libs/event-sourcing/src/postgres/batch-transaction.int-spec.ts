import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AppendOptions, IntegrationEventMapper, NewEvent } from '../index';
import { PostgresEventStore } from './';
import { dollarQuoted } from './batch-transaction';
import { describeOnServer, openTestDatabase, TestDatabase } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';

const event = (n: number): NewEvent => ({ type: 'Counted', data: { n } });
const stream = (): string => `bt-${randomUUID()}`;
const mapper: IntegrationEventMapper = (recorded) => [
  { type: 'test.counted', schemaVersion: 1, data: { version: recorded.streamVersion } },
];
const withCommand = (): AppendOptions => ({
  metadata: testMetadata(),
  command: { id: randomUUID(), result: (done) => ({ version: done.nextExpectedVersion }) },
});

let database: TestDatabase;

// One connection: every append below runs on the same session.
beforeAll(async () => {
  database = await openTestDatabase('batch_transaction', 1);
});
afterAll(() => database.close());

/** The statements `work` sends to the server, in order, as pg's clients are asked for them. */
async function sentBy(work: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const original = Client.prototype.query;
  const counting = function (this: Client, ...args: unknown[]): unknown {
    const [first] = args;
    sent.push(typeof first === 'string' ? first : String((first as { text?: unknown }).text));
    return Reflect.apply(original, this, args);
  };
  Client.prototype.query = counting as unknown as typeof original;
  try {
    await work();
  } finally {
    Client.prototype.query = original;
  }
  return sent;
}

async function counts(streamId: string) {
  const [row] = await database.dataSource.query<
    { events: number; outbox: number; commands: number }[]
  >(
    `SELECT (SELECT count(*) FROM es_events WHERE stream_id = $1)::int AS events,
            (SELECT count(*) FROM es_outbox WHERE stream_id = $1)::int AS outbox,
            (SELECT count(*) FROM es_commands WHERE stream_id = $1)::int AS commands`,
    [streamId],
  );
  return row;
}

describeOnServer('BatchTransaction: a group commit in two round trips', () => {
  it('sends BEGIN with the append and COMMIT with the records: two messages, all of it committed', async () => {
    const store = new PostgresEventStore(database.dataSource, {
      outbox: mapper,
      notifyCommits: false,
    });
    await store.appendToStream(stream(), 'no_stream', [event(1)], withCommand()); // prepares
    const streamId = stream();
    const sent = await sentBy(() =>
      store.appendToStream(streamId, 'no_stream', [event(1), event(2)], withCommand()),
    );
    expect(sent).toHaveLength(2);
    // Prepared under the statement's name and a digest of its text.
    expect(sent[0]).toMatch(/^BEGIN; EXECUTE ledgerline_append_v\d+_[0-9a-f]{12}\(/);
    expect(sent[1]).toMatch(/^EXECUTE ledgerline_record_v\d+_[0-9a-f]{12}\(.*\); COMMIT$/s);
    expect(await counts(streamId)).toEqual({ events: 2, outbox: 2, commands: 1 });
  });

  it('with appendRoundTrips 4, sends BEGIN, the append, the records and COMMIT apart, the values as bind parameters', async () => {
    const store = new PostgresEventStore(database.dataSource, {
      outbox: mapper,
      notifyCommits: false,
      appendRoundTrips: 4,
    });
    const reference = `bound-${randomUUID()}`;
    await store.appendToStream(stream(), 'no_stream', [event(1)], withCommand()); // prepares
    const streamId = stream();
    const sent = await sentBy(() =>
      store.appendToStream(
        streamId,
        'no_stream',
        [{ type: 'Noted', data: { reference } }],
        withCommand(),
      ),
    );
    expect(sent).toEqual([
      'BEGIN',
      expect.stringMatching(/^\s*WITH input AS/),
      expect.stringMatching(/^\s*WITH outbox AS/),
      'COMMIT',
    ]);
    // Nothing of the event is in a statement's text (a failing one would be logged whole).
    expect(sent.some((text) => text.includes(reference) || text.includes(streamId))).toBe(false);
    expect(await counts(streamId)).toEqual({ events: 1, outbox: 1, commands: 1 });
  });

  it('commits on its own when the append records nothing (no outbox rows, no command)', async () => {
    const store = new PostgresEventStore(database.dataSource, { notifyCommits: false });
    await store.appendToStream(stream(), 'no_stream', [event(1)], { metadata: testMetadata() });
    const streamId = stream();
    const sent = await sentBy(() =>
      store.appendToStream(streamId, 'no_stream', [event(1)], { metadata: testMetadata() }),
    );
    expect(sent).toEqual([expect.stringMatching(/^BEGIN; EXECUTE /), 'COMMIT']);
    expect(await counts(streamId)).toEqual({ events: 1, outbox: 0, commands: 0 });
  });

  it.each([
    `it's a \\ back'slash \\' "quoted" \u00e9 $1 $$ ;COMMIT;`,
    'the delimiter itself: $ll$ and $ll0$, then one at the very end $',
    '$',
    'ends with the start of a tag: $ll',
  ])('carries %j intact through the literal', async (text) => {
    const store = new PostgresEventStore(database.dataSource, { notifyCommits: false });
    const streamId = stream();
    const data = { text, [text]: text };
    await store.appendToStream(streamId, 'no_stream', [{ type: 'Noted', data }], withCommand());
    expect((await store.readStream(streamId))[0].data).toEqual(data);
  });

  it('dollar-quotes any text so that PostgreSQL reads it back unchanged', async () => {
    const texts = ['x$ll', '$ll$', '$ll0$ $ll$ $', 'it\'s \\ "q" $$ $1', '', 'ends with $'];
    for (const text of texts) {
      const [row] = await database.dataSource.query<{ text: string }[]>(
        `SELECT ${dollarQuoted(text)} AS text`,
      );
      expect(row.text).toBe(text);
    }
  });

  it('prepares again, without failing the append, on a session whose statements were deallocated', async () => {
    const store = new PostgresEventStore(database.dataSource, { notifyCommits: false });
    await store.appendToStream(stream(), 'no_stream', [event(1)], withCommand());
    // What a pooler's DISCARD ALL does to the (only) session behind the store's back.
    await database.dataSource.query('DEALLOCATE ALL');
    const streamId = stream();
    await expect(
      store.appendToStream(streamId, 'no_stream', [event(1)], withCommand()),
    ).resolves.toMatchObject({ nextExpectedVersion: 1 });
    expect(await counts(streamId)).toEqual({ events: 1, outbox: 0, commands: 1 });
  });
});
