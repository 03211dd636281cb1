import { randomUUID } from 'node:crypto';
import { IntegrationEventMapper, NewEvent, Projection } from '../index';
import { PostgresEventStore, runInTransaction } from './';
import { openTestDatabase, TestDatabase } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';

/*
 * Guarantee: an append's events, its outbox rows, its command records and its snapshot
 * commit together or not at all, whichever way the append is made. Each way is run through
 * the same cases: everything written on success; nothing written when the outbox mapper
 * throws (after the events were inserted) or when a command's result cannot be computed
 * (after the events, before the records).
 */

/** What a case asks an append to do wrong. */
interface Faults {
  /** The outbox mapper throws on this append's events. */
  readonly outbox?: boolean;
  /** Computing the command's result throws. */
  readonly result?: boolean;
}

const event = (n: number, faults: Faults): NewEvent => ({
  type: 'Counted',
  data: { n, failOutbox: faults.outbox === true },
});

const mapper: IntegrationEventMapper = (recorded) => {
  if (recorded.data.failOutbox === true) throw new Error('the outbox mapper failed');
  return [{ type: 'counted', schemaVersion: 1, data: { n: recorded.data.n ?? null } }];
};

const resultOf = (faults: Faults) => () => {
  if (faults.result) throw new Error('the command result failed');
  return { ok: true };
};

/** An inline projection that writes nothing: its store appends in a transaction of its own. */
const inline: Projection = {
  name: 'atomicity-inline',
  eventTypes: ['Counted'],
  tables: [],
  lifecycle: 'inline',
  apply: () => Promise.resolve(),
};

interface AppendPath {
  readonly name: string;
  /** Streams one append writes. */
  readonly streams: number;
  /** Command records one append writes. */
  readonly commands: number;
  /** Whether the path writes a snapshot with its events. */
  readonly snapshots: boolean;
  append(streamIds: string[], commandIds: string[], faults: Faults): Promise<unknown>;
}

let database: TestDatabase;
let store: PostgresEventStore;
let inlineStore: PostgresEventStore;

const snapshot = { schemaVersion: 1, state: { counted: 2 } };

const paths: AppendPath[] = [
  {
    name: 'appendToStream (group commit)',
    streams: 1,
    commands: 1,
    snapshots: true,
    append: ([stream], [command], faults) =>
      store.appendToStream(stream, 'no_stream', [event(1, faults), event(2, faults)], {
        metadata: testMetadata(),
        command: { id: command, result: resultOf(faults) },
        snapshot,
      }),
  },
  {
    name: 'appendCommands (commands of a hot stream together)',
    streams: 1,
    commands: 2,
    snapshots: true,
    append: ([stream], [first, second], faults) =>
      store.appendCommands(
        stream,
        'no_stream',
        [
          {
            events: [event(1, {})],
            metadata: testMetadata(),
            command: { id: first, result: resultOf({}) },
          },
          {
            events: [event(2, faults)],
            metadata: testMetadata(),
            command: { id: second, result: resultOf(faults) },
          },
        ],
        snapshot,
      ),
  },
  {
    name: 'appendToStreams (multi-stream)',
    streams: 2,
    commands: 1,
    snapshots: false,
    append: ([a, b], [command], faults) =>
      store.appendToStreams(
        [
          { streamId: a, expected: 'no_stream', events: [event(1, {})] },
          { streamId: b, expected: 'no_stream', events: [event(2, faults)] },
        ],
        { metadata: testMetadata(), command: { id: command, result: resultOf(faults) } },
      ),
  },
  {
    name: "appendInTransaction (the caller's transaction)",
    streams: 1,
    commands: 1,
    snapshots: true,
    append: ([stream], [command], faults) =>
      runInTransaction(database.dataSource, (queryRunner) =>
        store.appendInTransaction(queryRunner, stream, 'no_stream', [event(1, faults)], {
          metadata: testMetadata(),
          command: { id: command, result: resultOf(faults) },
          snapshot,
        }),
      ),
  },
  {
    name: 'appendToStream with inline projections (a transaction per append)',
    streams: 1,
    commands: 1,
    snapshots: true,
    append: ([stream], [command], faults) =>
      inlineStore.appendToStream(stream, 'no_stream', [event(1, faults)], {
        metadata: testMetadata(),
        command: { id: command, result: resultOf(faults) },
        snapshot,
      }),
  },
];

/** What the database holds for an append's streams and commands. */
async function written(streamIds: string[], commandIds: string[]) {
  const count = async (sql: string, ids: string[]) =>
    (await database.dataSource.query<{ n: number }[]>(sql, [ids]))[0].n;
  return {
    events: await count(
      'SELECT count(*)::int AS n FROM es_events WHERE stream_id = ANY($1)',
      streamIds,
    ),
    outbox: await count(
      'SELECT count(*)::int AS n FROM es_outbox WHERE stream_id = ANY($1)',
      streamIds,
    ),
    commands: await count(
      'SELECT count(*)::int AS n FROM es_commands WHERE command_id = ANY($1::uuid[])',
      commandIds,
    ),
    snapshots: await count(
      'SELECT count(*)::int AS n FROM es_snapshots WHERE stream_id = ANY($1)',
      streamIds,
    ),
  };
}

const NOTHING = { events: 0, outbox: 0, commands: 0, snapshots: 0 };

describe('an append is atomic, whichever way it is made', () => {
  beforeAll(async () => {
    database = await openTestDatabase('append_atomicity');
    store = new PostgresEventStore(database.dataSource, { outbox: mapper });
    inlineStore = new PostgresEventStore(database.dataSource, {
      outbox: mapper,
      inlineProjections: [inline],
    });
  });
  afterAll(() => database.close());

  describe.each(paths)('$name', (path) => {
    const ids = () => ({
      streams: Array.from({ length: path.streams }, () => `atomic-${randomUUID()}`),
      commands: Array.from({ length: path.commands }, () => randomUUID()),
    });

    it('writes the events, their outbox rows, the command records and the snapshot together', async () => {
      const { streams, commands } = ids();
      await path.append(streams, commands, {});
      const events = (await written(streams, commands)).events;
      expect(events).toBeGreaterThan(0);
      expect(await written(streams, commands)).toEqual({
        events,
        outbox: events,
        commands: path.commands,
        snapshots: path.snapshots ? 1 : 0,
      });
    });

    it('writes none of them when the outbox mapper fails after the events', async () => {
      const { streams, commands } = ids();
      await expect(path.append(streams, commands, { outbox: true })).rejects.toThrow(
        'the outbox mapper failed',
      );
      expect(await written(streams, commands)).toEqual(NOTHING);
    });

    it("writes none of them when a command's result cannot be computed", async () => {
      const { streams, commands } = ids();
      await expect(path.append(streams, commands, { result: true })).rejects.toThrow(
        'the command result failed',
      );
      expect(await written(streams, commands)).toEqual(NOTHING);
    });

    it('writes none of them when a stream is not at its expected version', async () => {
      const { streams, commands } = ids();
      await store.appendToStream(streams[streams.length - 1], 'no_stream', [event(0, {})], {
        metadata: testMetadata(),
      });
      await expect(path.append(streams, commands, {})).rejects.toThrow();
      const after = await written(streams, commands);
      expect(after).toEqual({ events: 1, outbox: 1, commands: 0, snapshots: 0 });
    });
  });
});
