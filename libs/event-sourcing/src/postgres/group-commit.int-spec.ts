import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AppendOptions,
  AppendResult,
  CommitOutcomeUnknownError,
  DuplicateCommandError,
  IntegrationEventMapper,
  JsonValue,
  LogPosition,
  NewEvent,
  RecordedEvent,
  START,
  WrongExpectedVersionError,
} from '../index';
import { PostgresEventStore } from './';
import { eventually } from '../../test/eventually';
import { describeOnServer, openTestDatabase, TestDatabase } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';

const metadata = testMetadata;
const event = (n: number, extra: Record<string, JsonValue> = {}): NewEvent => ({
  type: 'Counted',
  data: { n, ...extra },
});
const events = (count: number): NewEvent[] => Array.from({ length: count }, (_, i) => event(i + 1));
const stream = (): string => `gc-${randomUUID()}`;

/** One integration message per event; an event marked `poison` makes the mapper throw. */
const mapper: IntegrationEventMapper = (recorded) => {
  if (recorded.data.poison === true) throw new Error(`mapper refuses ${recorded.streamId}`);
  return [{ type: 'test.counted', schemaVersion: 1, data: { version: recorded.streamVersion } }];
};

/** What every append here records with its command id. */
const commandResult = (done: AppendResult): JsonValue => ({
  stream: done.streamId,
  version: done.nextExpectedVersion,
});
const withCommand = (commandId = randomUUID()): AppendOptions => ({
  metadata: metadata(),
  command: { id: commandId, result: commandResult },
});

let database: TestDatabase;
let store: PostgresEventStore;

beforeAll(async () => {
  database = await openTestDatabase('group_commit');
  // One batch in flight: whatever is submitted while it is being written waits and goes in
  // the next batch, all together. That makes "which appends shared a transaction" certain.
  store = new PostgresEventStore(database.dataSource, {
    outbox: mapper,
    groupCommit: { maxInFlight: 1, maxBatch: 64 },
  });
});
afterAll(() => database.close());

/**
 * Submits `appends` in one tick behind an opener that takes the only slot: the opener is
 * written alone, and every one of `appends` goes in the next batch (or in several, when
 * the batch falls back to appending each alone).
 */
async function inOneBatch(
  appends: readonly (() => Promise<AppendResult>)[],
): Promise<PromiseSettledResult<AppendResult>[]> {
  const opener = store.appendToStream(stream(), 'no_stream', [event(0)], withCommand());
  // The opener's batch starts on the next turn of the event loop; everything after it waits.
  await new Promise((resolve) => setImmediate(resolve));
  const settled = await Promise.allSettled(appends.map((append) => append()));
  await opener;
  return settled;
}

const fulfilled = (outcome: PromiseSettledResult<AppendResult>): AppendResult => {
  if (outcome.status !== 'fulfilled') throw outcome.reason;
  return outcome.value;
};
const rejection = (outcome: PromiseSettledResult<AppendResult>): unknown => {
  if (outcome.status !== 'rejected')
    throw new Error(`expected a rejection, got ${outcome.value.streamId}`);
  return outcome.reason;
};

/** The transaction id of every event of the given streams, per stream. */
async function transactionsOf(streams: readonly string[]): Promise<Map<string, string[]>> {
  const rows: { stream_id: string; tx: string }[] = await database.dataSource.query(
    `SELECT stream_id, transaction_id::text AS tx FROM es_events
      WHERE stream_id = ANY($1) ORDER BY global_position`,
    [streams],
  );
  const byStream = new Map<string, string[]>();
  for (const row of rows)
    byStream.set(row.stream_id, [...(byStream.get(row.stream_id) ?? []), row.tx]);
  return byStream;
}

/** How many of the given streams each transaction wrote, largest first. */
async function batchSizes(streams: readonly string[]): Promise<number[]> {
  const rows: { n: number }[] = await database.dataSource.query(
    `SELECT count(DISTINCT stream_id)::int AS n FROM es_events
      WHERE stream_id = ANY($1) GROUP BY transaction_id ORDER BY n DESC`,
    [streams],
  );
  return rows.map((row) => row.n);
}

const countWhere = async (table: string, streamId: string): Promise<number> => {
  const rows: { n: number }[] = await database.dataSource.query(
    `SELECT count(*)::int AS n FROM ${table} WHERE stream_id = $1`,
    [streamId],
  );
  return rows[0].n;
};

async function outboxOf(streamId: string): Promise<{ version: number; causation: string }[]> {
  const rows: { stream_version: number; causation_id: string; type: string }[] =
    await database.dataSource.query(
      `SELECT stream_version, causation_id, type FROM es_outbox WHERE stream_id = $1 ORDER BY id`,
      [streamId],
    );
  expect(rows.every((row) => row.type === 'test.counted')).toBe(true);
  return rows.map((row) => ({ version: row.stream_version, causation: row.causation_id }));
}

async function commandRow(
  commandId: string,
): Promise<{ stream_id: string; result: JsonValue } | undefined> {
  const rows: { stream_id: string; result: JsonValue }[] = await database.dataSource.query(
    `SELECT stream_id, result FROM es_commands WHERE command_id = $1`,
    [commandId],
  );
  return rows[0];
}

/** Each committed append is whole: its events, one outbox row per event, its command record. */
async function expectCommitted(
  result: AppendResult,
  commandId: string,
  eventCount: number,
): Promise<void> {
  const read = await store.readStream(result.streamId);
  expect(read.map((e) => e.streamVersion)).toEqual(
    Array.from({ length: eventCount }, (_, i) => i + 1),
  );
  expect(result.nextExpectedVersion).toBe(eventCount);
  expect(result.lastPosition.transactionId).toBe(read[read.length - 1].transactionId);
  expect(await outboxOf(result.streamId)).toEqual(
    read.map((e) => ({ version: e.streamVersion, causation: e.eventId })),
  );
  const expected = { stream: result.streamId, version: eventCount };
  expect(result.commandResult).toEqual(expected);
  expect(await commandRow(commandId)).toEqual({ stream_id: result.streamId, result: expected });
}

/** Nothing of a refused append: no event, no outbox row, no snapshot (and no command record). */
async function expectNothingWritten(streamId: string, commandId?: string): Promise<void> {
  expect(await countWhere('es_events', streamId)).toBe(0);
  expect(await countWhere('es_outbox', streamId)).toBe(0);
  expect(await countWhere('es_snapshots', streamId)).toBe(0);
  if (commandId) expect(await commandRow(commandId)).toBeUndefined();
}

// Every case overlaps transactions (the opener with its batch, and the fallback that appends
// each member alone, concurrently): PGlite's single session cannot show that.
describeOnServer('group commit: appends of different streams share a transaction', () => {
  it('commits concurrent appends to new streams together, each with its outbox rows and command record', async () => {
    const appends = Array.from({ length: 20 }, () => ({ id: stream(), commandId: randomUUID() }));
    const opener = stream();
    const openerCommand = randomUUID();
    const first = store.appendToStream(opener, 'no_stream', events(2), withCommand(openerCommand));
    // The opener's batch starts on the next turn of the event loop, alone.
    await new Promise((resolve) => setImmediate(resolve));
    const results = await Promise.all([
      first,
      ...appends.map(({ id, commandId }) =>
        store.appendToStream(id, 'no_stream', events(2), withCommand(commandId)),
      ),
    ]);

    // The opener alone, then everything that arrived while it was written: one transaction.
    expect(await batchSizes([opener, ...appends.map((a) => a.id)])).toEqual([20, 1]);
    const transactions = await transactionsOf(appends.map((a) => a.id));
    expect(new Set([...transactions.values()].flat()).size).toBe(1);
    expect(results[1].lastPosition.transactionId).toBe(results[20].lastPosition.transactionId);
    expect(results[0].lastPosition.transactionId).not.toBe(results[1].lastPosition.transactionId);

    await expectCommitted(results[0], openerCommand, 2);
    for (const [index, { commandId }] of appends.entries())
      await expectCommitted(results[index + 1], commandId, 2);
  });

  it('refuses only the append with a wrong expected version; the rest of its batch commits', async () => {
    const [existing, other] = [stream(), stream()];
    await store.appendToStream(existing, 'no_stream', events(2), withCommand());
    await store.appendToStream(other, 'no_stream', events(2), withCommand());
    const [a, b, refusedCommand] = [
      { id: stream(), commandId: randomUUID() },
      { id: stream(), commandId: randomUUID() },
      randomUUID(),
    ];
    const [first, behind, noStream, second] = await inOneBatch([
      () => store.appendToStream(a.id, 'no_stream', events(1), withCommand(a.commandId)),
      () => store.appendToStream(existing, 5, [event(9)], withCommand(refusedCommand)),
      () => store.appendToStream(other, 'no_stream', [event(9)], withCommand()),
      () => store.appendToStream(b.id, 'no_stream', events(3), withCommand(b.commandId)),
    ]);

    const wrong = rejection(behind);
    expect(wrong).toBeInstanceOf(WrongExpectedVersionError);
    expect(wrong).toMatchObject({ streamId: existing, expected: 5, actual: 2 });
    expect(rejection(noStream)).toMatchObject({
      streamId: other,
      expected: 'no_stream',
      actual: 2,
    });
    for (const id of [existing, other]) {
      expect((await store.readStream(id)).map((e) => e.data.n)).toEqual([1, 2]);
      expect(await countWhere('es_outbox', id)).toBe(2);
    }
    expect(await commandRow(refusedCommand)).toBeUndefined();

    await expectCommitted(fulfilled(first), a.commandId, 1);
    await expectCommitted(fulfilled(second), b.commandId, 3);
    // Refused by its guard, not by a failed statement: the others still shared one transaction.
    expect(await batchSizes([a.id, b.id])).toEqual([2]);
  });

  it('refuses an append repeating an already recorded command id, writes nothing of it, commits the rest', async () => {
    const recorded = stream();
    const commandId = randomUUID();
    const original = await store.appendToStream(
      recorded,
      'no_stream',
      events(1),
      withCommand(commandId),
    );
    const repeat = stream();
    const [a, b] = [
      { id: stream(), commandId: randomUUID() },
      { id: stream(), commandId: randomUUID() },
    ];
    const [first, repeated, second] = await inOneBatch([
      () => store.appendToStream(a.id, 'no_stream', events(2), withCommand(a.commandId)),
      () => store.appendToStream(repeat, 'no_stream', events(2), withCommand(commandId)),
      () => store.appendToStream(b.id, 'no_stream', events(1), withCommand(b.commandId)),
    ]);

    const duplicate = rejection(repeated);
    expect(duplicate).toBeInstanceOf(DuplicateCommandError);
    expect(duplicate).toMatchObject({ commandId, code: 'DUPLICATE_COMMAND' });
    await expectNothingWritten(repeat);
    // The first recording stays as it was.
    expect(await commandRow(commandId)).toEqual({
      stream_id: recorded,
      result: original.commandResult,
    });
    await expectCommitted(fulfilled(first), a.commandId, 2);
    await expectCommitted(fulfilled(second), b.commandId, 1);
    expect(await batchSizes([a.id, b.id])).toEqual([2]);
  });

  it('lets exactly one of two concurrent appends with the same new command id commit; nothing of the other is written', async () => {
    const commandId = randomUUID();
    const [x, y] = [stream(), stream()];
    const [a, b] = [
      { id: stream(), commandId: randomUUID() },
      { id: stream(), commandId: randomUUID() },
    ];
    const settled = await inOneBatch([
      () => store.appendToStream(a.id, 'no_stream', events(1), withCommand(a.commandId)),
      () => store.appendToStream(x, 'no_stream', events(2), withCommand(commandId)),
      () => store.appendToStream(y, 'no_stream', events(2), withCommand(commandId)),
      () => store.appendToStream(b.id, 'no_stream', events(1), withCommand(b.commandId)),
    ]);
    const [first, ofX, ofY, second] = settled;

    const outcomes = [ofX, ofY];
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const winner = outcomes.findIndex((o) => o.status === 'fulfilled');
    const [winnerStream, loserStream] = winner === 0 ? [x, y] : [y, x];
    const loser = rejection(outcomes[1 - winner]);
    expect(loser).toBeInstanceOf(DuplicateCommandError);
    expect(loser).toMatchObject({ commandId });

    await expectCommitted(fulfilled(outcomes[winner]), commandId, 2);
    expect(fulfilled(outcomes[winner]).streamId).toBe(winnerStream);
    await expectNothingWritten(loserStream);
    // The repeated id failed the batch's statement: every member was appended again alone,
    // and the innocent ones committed all the same.
    await expectCommitted(fulfilled(first), a.commandId, 1);
    await expectCommitted(fulfilled(second), b.commandId, 1);
    expect(await batchSizes([a.id, b.id])).toEqual([1, 1]);
  });

  it('fails only the append whose outbox mapper throws; the rest of its batch commits', async () => {
    const poisoned = stream();
    const poisonedCommand = randomUUID();
    const [a, b] = [
      { id: stream(), commandId: randomUUID() },
      { id: stream(), commandId: randomUUID() },
    ];
    const [first, failed, second] = await inOneBatch([
      () => store.appendToStream(a.id, 'no_stream', events(2), withCommand(a.commandId)),
      () =>
        store.appendToStream(
          poisoned,
          'no_stream',
          [event(1), event(2, { poison: true })],
          withCommand(poisonedCommand),
        ),
      () => store.appendToStream(b.id, 'no_stream', events(2), withCommand(b.commandId)),
    ]);

    expect(rejection(failed)).toEqual(new Error(`mapper refuses ${poisoned}`));
    await expectNothingWritten(poisoned, poisonedCommand);
    await expectCommitted(fulfilled(first), a.commandId, 2);
    await expectCommitted(fulfilled(second), b.commandId, 2);
    // The throw failed the batch: each member was appended again alone.
    expect(await batchSizes([a.id, b.id])).toEqual([1, 1]);
  });

  it('turns a unique violation from a concurrent append of the same version into a conflict for that append alone', async () => {
    const contested = stream();
    // Another writer (another process) holds version 1 of `contested`, uncommitted.
    const other = database.dataSource.createQueryRunner();
    await other.connect();
    try {
      await other.startTransaction();
      await store.appendInTransaction(other, contested, 'no_stream', [event(1)], {
        metadata: metadata(),
      });
      const [{ pid }] = (await other.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[];

      const [a, b] = [
        { id: stream(), commandId: randomUUID() },
        { id: stream(), commandId: randomUUID() },
      ];
      const contestedCommand = randomUUID();
      const batch = inOneBatch([
        () => store.appendToStream(a.id, 'no_stream', events(1), withCommand(a.commandId)),
        () =>
          store.appendToStream(contested, 'no_stream', [event(7)], withCommand(contestedCommand)),
        () => store.appendToStream(b.id, 'no_stream', events(1), withCommand(b.commandId)),
      ]);
      // The batch's insert of version 1 waits on the unique index for the other writer.
      await eventually(async () => {
        const [{ n }] = await database.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`,
          [pid],
        );
        expect(n).toBe(1);
      }, 15_000);
      await other.commitTransaction();

      const [first, conflicted, second] = await batch;
      expect(rejection(conflicted)).toBeInstanceOf(WrongExpectedVersionError);
      expect(rejection(conflicted)).toMatchObject({ streamId: contested, expected: 'no_stream' });
      expect((await store.readStream(contested)).map((e) => e.data.n)).toEqual([1]);
      expect(await commandRow(contestedCommand)).toBeUndefined();
      await expectCommitted(fulfilled(first), a.commandId, 1);
      await expectCommitted(fulfilled(second), b.commandId, 1);
      // The conflict names its stream: that append is refused and the rest of the batch is
      // written again together, in one transaction (not one connection per append).
      expect(await batchSizes([a.id, b.id])).toEqual([2]);
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
  });
});

describeOnServer('group commit: snapshots', () => {
  it("writes a snapshot passed with a batched append at that append's version", async () => {
    const existing = stream();
    await store.appendToStream(existing, 'no_stream', events(3), withCommand());
    const fresh = stream();
    const refused = stream();
    await store.appendToStream(refused, 'no_stream', events(1), withCommand());

    const [grown, created, conflicted] = await inOneBatch([
      () =>
        store.appendToStream(existing, 3, [event(4), event(5)], {
          ...withCommand(),
          snapshot: { schemaVersion: 2, state: { total: 15 } },
        }),
      () =>
        store.appendToStream(fresh, 'no_stream', events(1), {
          ...withCommand(),
          snapshot: { schemaVersion: 2, state: { total: 1 } },
        }),
      () =>
        store.appendToStream(refused, 7, [event(2)], {
          ...withCommand(),
          snapshot: { schemaVersion: 2, state: { total: 99 } },
        }),
    ]);

    expect(fulfilled(grown).nextExpectedVersion).toBe(5);
    expect(await store.readSnapshot(existing)).toEqual({
      streamVersion: 5,
      schemaVersion: 2,
      state: { total: 15 },
    });
    expect(fulfilled(created).nextExpectedVersion).toBe(1);
    expect(await store.readSnapshot(fresh)).toEqual({
      streamVersion: 1,
      schemaVersion: 2,
      state: { total: 1 },
    });
    expect(rejection(conflicted)).toBeInstanceOf(WrongExpectedVersionError);
    expect(await store.readSnapshot(refused)).toBeUndefined();
    expect(await batchSizes([existing, fresh]).then((sizes) => sizes[0])).toBe(2);
  });
});

describeOnServer('group commit: gap-safe readAll', () => {
  it('delivers every committed event exactly once, in (transaction id, position) order, while batches overlap', async () => {
    // Two stores on one database act as two processes; each keeps two batches in flight, so
    // batch transactions of both overlap and commit out of their id order.
    const writers = [0, 1].map(
      () =>
        new PostgresEventStore(database.dataSource, {
          outbox: mapper,
          groupCommit: { maxInFlight: 2, maxBatch: 16 },
        }),
    );
    const streams = Array.from({ length: 48 }, () => stream());
    const appendsPerStream = 5;
    let writing = true;

    // A catch-up subscriber: reads a page, checkpoints its last event, reads on.
    const delivered: RecordedEvent[] = [];
    let checkpoint: LogPosition = START;
    const readPage = async (): Promise<number> => {
      const page = await store.readAll(checkpoint, 100);
      if (page.length > 0) checkpoint = page[page.length - 1];
      delivered.push(...page);
      return page.length;
    };
    const subscriber = (async () => {
      while (writing) {
        await readPage();
        await sleep(5);
      }
    })();

    const committed = await Promise.all(
      streams.map(async (id, index) => {
        const writer = writers[index % 2];
        const results: AppendResult[] = [];
        for (let i = 0; i < appendsPerStream; i++) {
          const expected = i === 0 ? 'no_stream' : results[i - 1].nextExpectedVersion;
          results.push(
            await writer.appendToStream(id, expected, events(1 + (i % 3)), withCommand()),
          );
        }
        return results;
      }),
    );
    writing = false;
    await subscriber;

    const ours = new Set(streams);
    const expectedIds = committed.flat().flatMap((r) => r.events.map((e) => e.eventId));
    await eventually(async () => {
      let read: number;
      do read = await readPage();
      while (read > 0);
      expect(delivered.filter((e) => ours.has(e.streamId))).toHaveLength(expectedIds.length);
    }, 20_000);

    const seen = delivered.filter((e) => ours.has(e.streamId));
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(seen.length);
    expect([...seen.map((e) => e.eventId)].sort()).toEqual([...expectedIds].sort());
    // The whole delivery, not only ours, is in strictly increasing (transaction id, position).
    for (let i = 1; i < delivered.length; i++) {
      const [before, after] = [delivered[i - 1], delivered[i]];
      const increasing =
        before.transactionId < after.transactionId ||
        (before.transactionId === after.transactionId &&
          before.globalPosition < after.globalPosition);
      expect(increasing).toBe(true);
    }
    // Every stream arrives in version order, without gaps.
    for (const id of streams) {
      const versions = seen.filter((e) => e.streamId === id).map((e) => e.streamVersion);
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
    }
    // And batching did happen: some transaction wrote several streams.
    expect((await batchSizes(streams))[0]).toBeGreaterThan(1);
  });
});

/**
 * Runs `test` with a deferred constraint trigger that does `action` (PL/pgSQL) at COMMIT when
 * it meets the command record `marked`: the only way to make COMMIT itself, not a statement,
 * misbehave on demand. The trigger is dropped afterwards.
 */
async function atCommitOf(
  marked: string,
  action: string,
  test: () => Promise<void>,
): Promise<void> {
  const name = `gc_at_commit_${marked.replace(/-/g, '').slice(0, 12)}`;
  await database.dataSource.query(`
    CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.command_id = '${marked}' THEN ${action}; END IF;
      RETURN NULL;
    END $$`);
  await database.dataSource.query(`
    CREATE CONSTRAINT TRIGGER ${name} AFTER INSERT ON es_commands
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${name}()`);
  try {
    await test();
  } finally {
    await database.dataSource.query(`DROP TRIGGER ${name} ON es_commands`);
    await database.dataSource.query(`DROP FUNCTION ${name}()`);
  }
}

/** The store goes on after a failed COMMIT: its next batch commits. */
async function expectNextAppendCommits(): Promise<void> {
  await expect(
    store.appendToStream(stream(), 'no_stream', [event(1)], withCommand()),
  ).resolves.toMatchObject({ nextExpectedVersion: 1 });
}

describeOnServer('group commit: a failed COMMIT', () => {
  it('reports the error to every append of the batch and retries none of them (the outcome is unknown)', async () => {
    const marked = randomUUID();
    await atCommitOf(marked, `RAISE EXCEPTION 'commit refused (test)'`, async () => {
      const [innocent, guilty] = [stream(), stream()];
      const [first, second] = await inOneBatch([
        () => store.appendToStream(innocent, 'no_stream', [event(1)], withCommand()),
        () => store.appendToStream(guilty, 'no_stream', [event(1)], withCommand(marked)),
      ]);
      for (const outcome of [first, second])
        expect(String(rejection(outcome))).toContain('commit refused (test)');
      // Rolled back, and not written again by a retry of either append alone: a retry would
      // have committed the innocent one.
      expect(await store.readStream(innocent)).toEqual([]);
      expect(await store.readStream(guilty)).toEqual([]);
      await expectNextAppendCommits();
    });
  });

  it('the session lost during COMMIT is CommitOutcomeUnknownError (never "unavailable", which invites a blind retry)', async () => {
    // The backend ends itself while COMMIT runs: the client sees the session die with COMMIT
    // in flight, exactly as in a crash of the server at that moment.
    const marked = randomUUID();
    await atCommitOf(marked, 'PERFORM pg_terminate_backend(pg_backend_pid())', async () => {
      const outcome = await store
        .appendToStream(stream(), 'no_stream', [event(1)], withCommand(marked))
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(outcome).toBeInstanceOf(CommitOutcomeUnknownError);
      expect(outcome).toMatchObject({ code: 'COMMIT_OUTCOME_UNKNOWN' });
      await expectNextAppendCommits();
    });
  });
});
