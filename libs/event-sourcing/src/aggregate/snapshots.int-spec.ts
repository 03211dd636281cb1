import { randomUUID } from 'node:crypto';
import {
  AggregateRepository,
  AggregateType,
  CommandExecutor,
  EventMetadata,
  EventUpcasters,
  JsonValue,
  SnapshotIgnored,
  SnapshotPolicy,
  START,
} from '../index';
import { PostgresEventStore, runInTransaction } from '../postgres';
import { WRITE_SNAPSHOT_SQL } from '../postgres/sql/snapshots.sql';
import { eventually } from '../../test/eventually';
import { openTestDatabase, TestDatabase } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';

// A small test aggregate: a tally of added amounts.
interface Added {
  readonly type: 'Added';
  readonly data: { amount: number };
}
interface Tally {
  readonly total: number;
  readonly count: number;
}
const tallyType: AggregateType<Tally, Added> = {
  eventTypes: ['Added'],
  initialState: () => ({ total: 0, count: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.amount, count: state.count + 1 }),
};
const EVERY = 5;
const isTally = (json: JsonValue): json is { total: number; count: number } =>
  typeof json === 'object' &&
  json !== null &&
  !Array.isArray(json) &&
  typeof json.total === 'number' &&
  typeof json.count === 'number';
const tallySnapshots: SnapshotPolicy<Tally> = {
  schemaVersion: 3,
  every: EVERY,
  toJson: (state) => ({ total: state.total, count: state.count }),
  fromJson: (json) => (isTally(json) ? { total: json.total, count: json.count } : undefined),
};

const metadata = (occurredAt?: string): EventMetadata => testMetadata({ occurredAt });
const added = (amount: number): Added => ({ type: 'Added', data: { amount } });
const stream = (): string => `tally-${randomUUID()}`;

let database: TestDatabase;
let store: PostgresEventStore;

beforeAll(async () => {
  database = await openTestDatabase('snapshots');
  store = new PostgresEventStore(database.dataSource);
});
afterAll(() => database.close());

interface Wired {
  repository: AggregateRepository<Tally, Added>;
  executor: CommandExecutor<Tally, Added>;
  ignored: SnapshotIgnored[];
}
function wire(policy: SnapshotPolicy<Tally> = tallySnapshots): Wired {
  const ignored: SnapshotIgnored[] = [];
  const repository = new AggregateRepository(store, tallyType, policy, (why) => ignored.push(why));
  return { repository, executor: new CommandExecutor(store, repository), ignored };
}

/** One command adding `amount`; returns the tally's count afterwards. */
const add = (executor: CommandExecutor<Tally, Added>, streamId: string, amount: number) =>
  executor.execute({
    streamId,
    commandId: randomUUID(),
    metadata: metadata(),
    decide: () => [added(amount)],
    result: ({ state }) => state.count,
  });

async function addMany(wired: Wired, streamId: string, amounts: readonly number[]): Promise<void> {
  for (const amount of amounts) await add(wired.executor, streamId, amount);
}

async function snapshotRow(
  streamId: string,
): Promise<{ stream_version: number; schema_version: number; state: JsonValue } | undefined> {
  const rows: { stream_version: number; schema_version: number; state: JsonValue }[] =
    await database.dataSource.query(
      `SELECT stream_version, schema_version, state FROM es_snapshots WHERE stream_id = $1`,
      [streamId],
    );
  return rows[0];
}
const eventCount = async (streamId: string): Promise<number> => {
  const rows: { n: number }[] = await database.dataSource.query(
    `SELECT count(*)::int AS n FROM es_events WHERE stream_id = $1`,
    [streamId],
  );
  return rows[0].n;
};

/** The state folded from every event of the stream, without any snapshot. */
const fullReplay = (streamId: string) => new AggregateRepository(store, tallyType).load(streamId);

const amounts = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

describe('snapshots: written by commands, used by loads', () => {
  it('writes a snapshot every N events in the append and loads from snapshot + tail', async () => {
    const wired = wire();
    const id = stream();
    await addMany(wired, id, amounts(EVERY - 1));
    expect(await snapshotRow(id)).toBeUndefined();

    await add(wired.executor, id, EVERY);
    expect(await snapshotRow(id)).toEqual({
      stream_version: EVERY,
      schema_version: 3,
      state: { total: sum(amounts(EVERY)), count: EVERY },
    });

    // Not again until EVERY more events: versions 6..9 keep the snapshot at 5, 10 moves it.
    await addMany(wired, id, [6, 7]);
    expect((await snapshotRow(id))?.stream_version).toBe(EVERY);
    await addMany(wired, id, [8, 9, 10]);
    expect((await snapshotRow(id))?.stream_version).toBe(2 * EVERY);
    await addMany(wired, id, [11, 12]);

    const loaded = await wired.repository.load(id);
    expect(loaded.snapshotVersion).toBe(2 * EVERY);
    expect(loaded.events.map((e) => e.streamVersion)).toEqual([11, 12]); // only the tail was read
    expect(loaded.version).toBe(12);
    const replay = await fullReplay(id);
    expect(replay.events).toHaveLength(12);
    expect(replay.snapshotVersion).toBe(0);
    expect(loaded.state).toEqual(replay.state);
    expect(loaded.state).toEqual({ total: sum(amounts(12)), count: 12 });
    expect(wired.repository.snapshotsIgnored).toBe(0);
  });

  it('loads from the snapshot alone when no event follows it', async () => {
    const wired = wire();
    const id = stream();
    await addMany(wired, id, amounts(EVERY));
    const loaded = await wired.repository.load(id);
    expect(loaded).toMatchObject({ version: EVERY, snapshotVersion: EVERY, events: [] });
    expect(loaded.state).toEqual((await fullReplay(id)).state);
  });

  it('proves the snapshot state is really used (a doctored snapshot shows through)', async () => {
    const wired = wire();
    const id = stream();
    await addMany(wired, id, amounts(EVERY + 1));
    await database.dataSource.query(
      `UPDATE es_snapshots SET state = '{"total": 1000, "count": 0}' WHERE stream_id = $1`,
      [id],
    );
    const loaded = await wired.repository.load(id);
    expect(loaded.state).toEqual({ total: 1000 + EVERY + 1, count: 1 });
  });
});

describe('snapshots: unusable ones are ignored and replaced', () => {
  it.each([
    ['of another schema version', `UPDATE es_snapshots SET schema_version = 2`, 'schema-version'],
    [
      'whose JSON fromJson rejects',
      `UPDATE es_snapshots SET state = '{"sum": "x"}'::jsonb`,
      'unreadable',
    ],
    [
      'whose JSON is not even an object',
      `UPDATE es_snapshots SET state = '42'::jsonb`,
      'unreadable',
    ],
  ])(
    'ignores a snapshot %s, replays, and the next command writes a fresh one',
    async (_, sql, reason) => {
      const wired = wire();
      const id = stream();
      await addMany(wired, id, amounts(EVERY + 2));
      await database.dataSource.query(`${sql} WHERE stream_id = $1`, [id]);

      const loaded = await wired.repository.load(id);
      expect(loaded.state).toEqual({ total: sum(amounts(EVERY + 2)), count: EVERY + 2 });
      expect(loaded.events).toHaveLength(EVERY + 2); // a full replay
      expect(loaded.snapshotVersion).toBe(-1);
      expect(wired.repository.snapshotsIgnored).toBe(1);
      expect(wired.ignored).toEqual([{ streamId: id, reason }]);

      // The very next command replaces it (not EVERY events later), in the current schema.
      // A snapshot turns unusable when a new build runs: a new process, whose executor has
      // no state cached and loads the stream (the old executor would decide on its cache).
      await add(new CommandExecutor(store, wired.repository), id, 100);
      expect(await snapshotRow(id)).toEqual({
        stream_version: EVERY + 3,
        schema_version: 3,
        state: { total: sum(amounts(EVERY + 2)) + 100, count: EVERY + 3 },
      });
      const after = await wired.repository.load(id);
      expect(after).toMatchObject({ snapshotVersion: EVERY + 3, events: [] });
      expect(wired.repository.snapshotsIgnored).toBe(2); // the command's own load saw it too
    },
  );

  it('ignores a snapshot when fromJson throws', async () => {
    const throwing = wire({
      ...tallySnapshots,
      fromJson: () => {
        throw new Error('cannot read');
      },
    });
    const id = stream();
    await addMany(throwing, id, amounts(EVERY));
    expect(throwing.ignored).toEqual([]);
    const loaded = await throwing.repository.load(id);
    expect(loaded.state).toEqual((await fullReplay(id)).state);
    expect(loaded.snapshotVersion).toBe(-1);
    expect(throwing.repository.snapshotsIgnored).toBe(1);
    expect(throwing.ignored).toEqual([{ streamId: id, reason: 'unreadable' }]);
  });

  it('a new state schema version (policy bumped) ignores the old snapshots and replaces them', async () => {
    const id = stream();
    await addMany(wire(), id, amounts(EVERY));
    const bumped = wire({ ...tallySnapshots, schemaVersion: 4 });
    const loaded = await bumped.repository.load(id);
    expect(loaded.state).toEqual({ total: sum(amounts(EVERY)), count: EVERY });
    expect(bumped.ignored).toEqual([{ streamId: id, reason: 'schema-version' }]);
    await add(bumped.executor, id, 1);
    expect(await snapshotRow(id)).toMatchObject({ stream_version: EVERY + 1, schema_version: 4 });
  });
});

describe('snapshots: atomicity, temporal loads, ordering', () => {
  it('a transaction that fails after the snapshot write leaves neither events nor snapshot', async () => {
    const id = stream();
    const failure = new Error('fail after the snapshot write');
    await expect(
      runInTransaction(database.dataSource, async (queryRunner) => {
        await store.appendInTransaction(queryRunner, id, 'no_stream', [added(1), added(2)], {
          metadata: metadata(),
          snapshot: { state: { total: 3, count: 2 }, schemaVersion: 3 },
        });
        // Inside the transaction both are there...
        const inside: { n: number }[] = await queryRunner.query(
          `SELECT count(*)::int AS n FROM es_snapshots WHERE stream_id = $1`,
          [id],
        );
        expect(inside[0].n).toBe(1);
        throw failure;
      }),
    ).rejects.toBe(failure);
    // ...and after the rollback neither is.
    expect(await eventCount(id)).toBe(0);
    expect(await snapshotRow(id)).toBeUndefined();
    expect(await store.readSnapshot(id)).toBeUndefined();
  });

  it('commits snapshot and events together when the transaction commits', async () => {
    const id = stream();
    await runInTransaction(database.dataSource, (queryRunner) =>
      store.appendInTransaction(queryRunner, id, 'no_stream', [added(1), added(2)], {
        metadata: metadata(),
        snapshot: { state: { total: 3, count: 2 }, schemaVersion: 3 },
      }),
    );
    expect(await eventCount(id)).toBe(2);
    expect(await store.readSnapshot(id)).toEqual({
      streamVersion: 2,
      schemaVersion: 3,
      state: { total: 3, count: 2 },
    });
  });

  it('a temporal load never uses the snapshot', async () => {
    const wired = wire();
    const id = stream();
    await store.appendToStream(id, 'no_stream', [added(1), added(2)], {
      metadata: metadata('2026-01-01T00:00:00Z'),
    });
    await store.appendToStream(id, 2, [added(10), added(20), added(30)], {
      metadata: metadata('2026-02-01T00:00:00Z'),
      snapshot: { state: { total: 63, count: 5 }, schemaVersion: 3 },
    });
    expect((await wired.repository.load(id)).snapshotVersion).toBe(5);

    const asOfJanuary = await wired.repository.load(id, {
      occurredAtOrBefore: new Date('2026-01-15T00:00:00Z'),
    });
    expect(asOfJanuary).toMatchObject({ version: 2, snapshotVersion: 0 });
    expect(asOfJanuary.state).toEqual({ total: 3, count: 2 });
    const ranged = await wired.repository.load(id, { toVersion: 5 });
    expect(ranged.snapshotVersion).toBe(0);
    expect(ranged.events).toHaveLength(5);
    expect(ranged.state).toEqual({ total: 63, count: 5 });
    expect(wired.repository.snapshotsIgnored).toBe(0);
  });

  it('an older snapshot never replaces a newer one', async () => {
    const id = stream();
    await store.appendToStream(id, 'no_stream', [added(1), added(2), added(3), added(4)], {
      metadata: metadata(),
      snapshot: { state: { total: 10, count: 4 }, schemaVersion: 3 },
    });
    // A slow writer (e.g. a rebuild that read the stream earlier) stores a version-2 snapshot.
    await database.dataSource.query(WRITE_SNAPSHOT_SQL, [
      id,
      2,
      3,
      JSON.stringify({ total: 3, count: 2 }),
    ]);
    expect(await store.readSnapshot(id)).toEqual({
      streamVersion: 4,
      schemaVersion: 3,
      state: { total: 10, count: 4 },
    });

    // Through the store: a snapshot row ahead of the append (version 50) is not rewound.
    await database.dataSource.query(
      `UPDATE es_snapshots SET stream_version = 50 WHERE stream_id = $1`,
      [id],
    );
    await store.appendToStream(id, 4, [added(5)], {
      metadata: metadata(),
      snapshot: { state: { total: 15, count: 5 }, schemaVersion: 3 },
    });
    expect(await store.readSnapshot(id)).toMatchObject({ streamVersion: 50 });

    // A newer one (or the same version) does replace it.
    await database.dataSource.query(WRITE_SNAPSHOT_SQL, [
      id,
      50,
      3,
      JSON.stringify({ total: 99, count: 50 }),
    ]);
    expect(await store.readSnapshot(id)).toMatchObject({
      streamVersion: 50,
      state: { total: 99, count: 50 },
    });
  });
});

describe('schema versions of events in the store', () => {
  const upcasters = new EventUpcasters([
    { type: 'Added', fromVersion: 1, upcast: (data) => ({ ...data, source: 'unknown' }) },
    { type: 'Added', fromVersion: 2, upcast: (data) => ({ ...data, checked: false }) },
  ]);
  let evolved: PostgresEventStore;
  beforeAll(() => {
    evolved = new PostgresEventStore(database.dataSource, { upcasters });
  });

  it.each([
    ['no schema version (v1)', undefined],
    ['v1', 1],
    ['v2', 2],
  ])('refuses appending an event in an old schema version: %s', async (_, schemaVersion) => {
    const id = stream();
    await expect(
      evolved.appendToStream(
        id,
        'no_stream',
        [{ type: 'Added', schemaVersion, data: { amount: 1 } }],
        { metadata: metadata() },
      ),
    ).rejects.toThrow(RangeError);
    expect(await eventCount(id)).toBe(0);
  });

  it('refuses an event in a version newer than it knows', async () => {
    const id = stream();
    await expect(
      evolved.appendToStream(id, 'no_stream', [{ type: 'Added', schemaVersion: 4, data: {} }], {
        metadata: metadata(),
      }),
    ).rejects.toThrow(RangeError);
  });

  it('readStream and readAll return old stored events upcast to the current shape', async () => {
    const id = stream();
    // Written before the evolution: the store without upcasters accepts v1 (and v2 is raw SQL).
    await store.appendToStream(id, 'no_stream', [added(1)], { metadata: metadata() });
    await database.dataSource.query(
      `INSERT INTO es_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at)
       VALUES ($1, $2, 2, 'Added', 2, '{"amount": 2, "source": "atm"}'::jsonb, $3::jsonb, now())`,
      [randomUUID(), id, JSON.stringify(metadata())],
    );
    await evolved.appendToStream(
      id,
      2,
      [{ type: 'Added', schemaVersion: 3, data: { amount: 3, source: 'web', checked: true } }],
      { metadata: metadata() },
    );

    const expected = [
      { schemaVersion: 3, data: { amount: 1, source: 'unknown', checked: false } },
      { schemaVersion: 3, data: { amount: 2, source: 'atm', checked: false } },
      { schemaVersion: 3, data: { amount: 3, source: 'web', checked: true } },
    ];
    expect(
      (await evolved.readStream(id)).map(({ schemaVersion, data }) => ({ schemaVersion, data })),
    ).toEqual(expected);
    await eventually(async () => {
      const all = await readAllOf(evolved, id);
      expect(all.map(({ schemaVersion, data }) => ({ schemaVersion, data }))).toEqual(expected);
    });
    // The store keeps them as written.
    const stored: { schema_version: number }[] = await database.dataSource.query(
      `SELECT schema_version FROM es_events WHERE stream_id = $1 ORDER BY stream_version`,
      [id],
    );
    expect(stored.map((row) => row.schema_version)).toEqual([1, 2, 3]);
    // Without upcasters a reader sees them raw.
    expect((await store.readStream(id)).map((e) => e.schemaVersion)).toEqual([1, 2, 3]);
  });
});

async function readAllOf(reader: PostgresEventStore, streamId: string) {
  const found = [];
  for (let from = START; ;) {
    const page = await reader.readAll(from, 500);
    if (page.length === 0) return found;
    found.push(...page.filter((e) => e.streamId === streamId));
    from = page[page.length - 1];
  }
}
