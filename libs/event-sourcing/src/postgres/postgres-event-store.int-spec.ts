import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { QueryRunner } from 'typeorm';
import {
  AppendNotFirstWriteError,
  DuplicateCommandError,
  EventMetadata,
  LogPosition,
  NewEvent,
  Projection,
  RecordedEvent,
  START,
  WrongExpectedVersionError,
} from '../index';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EVENTS_CHANNEL,
  PostgresCommitNotifier,
  PostgresCoordinator,
  PostgresEventStore,
} from './';
import { eventually } from '../../test/eventually';
import { describeOnServer, openTestDatabase, TestDatabase } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';

const metadata = (occurredAt?: string): EventMetadata => testMetadata({ occurredAt });
const event = (n: number): NewEvent => ({ type: 'Counted', data: { n } });
const stream = (): string => `test-${randomUUID()}`;

let database: TestDatabase;
let store: PostgresEventStore;

beforeAll(async () => {
  database = await openTestDatabase('event_store');
  store = new PostgresEventStore(database.dataSource);
});
afterAll(() => database.close());

/** Reads the whole visible log from a checkpoint, the way a catch-up subscriber would. */
async function readFrom(after: LogPosition): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (let from = after; ;) {
    const page = await store.readAll(from, 2);
    if (page.length === 0) return all;
    all.push(...page);
    from = page[page.length - 1];
  }
}

/** The events of the given streams in the order readAll delivers them. */
const ofStreams = (events: RecordedEvent[], ...streams: string[]): string[] =>
  events.filter((e) => streams.includes(e.streamId)).map((e) => `${e.streamId}@${e.streamVersion}`);

async function beginAppend(streamId: string): Promise<QueryRunner> {
  const runner = database.dataSource.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  await store.appendInTransaction(runner, streamId, 'no_stream', [event(1)], {
    metadata: metadata(),
  });
  return runner;
}

describe('PostgresEventStore: appends', () => {
  it('appends in order, returns the next expected version and reads the stream back', async () => {
    const id = stream();
    const first = await store.appendToStream(id, 'no_stream', [event(1), event(2)], {
      metadata: metadata(),
    });
    expect(first.nextExpectedVersion).toBe(2);
    const second = await store.appendToStream(id, 2, [event(3)], { metadata: metadata() });
    expect(second.nextExpectedVersion).toBe(3);
    expect(second.lastPosition.globalPosition).toBeGreaterThan(first.lastPosition.globalPosition);

    const read = await store.readStream(id);
    expect(read.map((e) => [e.streamVersion, e.data.n])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(read[0].transactionId).toBe(first.lastPosition.transactionId);
    expect(await store.readStream(id, { fromVersion: 2, toVersion: 2 })).toHaveLength(1);
  });

  it.each([
    ['a number behind the stream', 1, 2],
    ['a number ahead of the stream (no gap is ever created)', 5, 2],
    ['no_stream on an existing stream', 'no_stream' as const, 2],
  ])(
    'refuses %s with WrongExpectedVersionError and writes nothing',
    async (_, expected, actual) => {
      const id = stream();
      await store.appendToStream(id, 'no_stream', [event(1), event(2)], { metadata: metadata() });
      const attempt = store.appendToStream(id, expected, [event(9)], { metadata: metadata() });
      await expect(attempt).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(attempt).rejects.toMatchObject({ actual, code: 'VERSION_CONFLICT' });
      expect(await store.readStream(id)).toHaveLength(2);
    },
  );

  it('honours stream_exists and any', async () => {
    const id = stream();
    await expect(
      store.appendToStream(id, 'stream_exists', [event(1)], { metadata: metadata() }),
    ).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await store.appendToStream(id, 'any', [event(1)], { metadata: metadata() });
    await store.appendToStream(id, 'stream_exists', [event(2)], { metadata: metadata() });
    expect((await store.readStream(id)).map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('filters a stream by occurred-at for temporal reads', async () => {
    const id = stream();
    await store.appendToStream(id, 'no_stream', [event(1)], {
      metadata: metadata('2026-01-01T00:00:00Z'),
    });
    await store.appendToStream(id, 1, [event(2)], { metadata: metadata('2026-02-01T00:00:00Z') });
    const asOfJanuary = await store.readStream(id, {
      occurredAtOrBefore: new Date('2026-01-15T00:00:00Z'),
    });
    expect(asOfJanuary.map((e) => e.data.n)).toEqual([1]);
  });
});

describe('PostgresEventStore: readAll order', () => {
  it('returns the events of one multi-event append in position order (not sorted as text)', async () => {
    const id = stream();
    const checkpoint = (await readFrom(START)).at(-1) ?? START;
    // Twelve positions in one transaction: with any checkpoint, some cross a power of ten.
    await store.appendToStream(
      id,
      'no_stream',
      Array.from({ length: 12 }, (_, i) => event(i + 1)),
      { metadata: metadata() },
    );
    await eventually(async () => {
      const read = (await readFrom(checkpoint)).filter((e) => e.streamId === id);
      expect(read.map((e) => e.streamVersion)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    });
  });
});

describe('PostgresEventStore: command ids', () => {
  it('records the command result in the append transaction and refuses the same command twice', async () => {
    const id = stream();
    const commandId = randomUUID();
    const appended = await store.appendToStream(id, 'no_stream', [event(1)], {
      metadata: metadata(),
      command: { id: commandId, result: (done) => ({ version: done.nextExpectedVersion }) },
    });
    expect(appended.commandResult).toEqual({ version: 1 });
    expect(await store.findCommandResult(commandId)).toEqual({ version: 1 });

    const repeat = store.appendToStream(id, 1, [event(2)], {
      metadata: metadata(),
      command: { id: commandId, result: () => ({ version: 2 }) },
    });
    await expect(repeat).rejects.toBeInstanceOf(DuplicateCommandError);
    // Atomicity: the repeat's event was rolled back with its command record.
    expect(await store.readStream(id)).toHaveLength(1);
  });

  it('returns undefined for a command never recorded', async () => {
    expect(await store.findCommandResult(randomUUID())).toBeUndefined();
  });
});

describe('PostgresEventStore: the append is the first write of its transaction', () => {
  it('refuses an append after the transaction already took a transaction id, and nothing is written', async () => {
    const id = stream();
    const runner = database.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query('SELECT pg_current_xact_id()'); // assigns the xid before the append
      await expect(
        store.appendInTransaction(runner, id, 'no_stream', [event(1)], { metadata: metadata() }),
      ).rejects.toBeInstanceOf(AppendNotFirstWriteError);
      await runner.rollbackTransaction();
    } finally {
      await runner.release();
    }
    expect(await store.readStream(id)).toHaveLength(0);
  });
});

describeOnServer('PostgresEventStore: gap-safe readAll with overlapping transactions', () => {
  it('holds back a later commit until the earlier position commits, then returns the earlier one first', async () => {
    const checkpoint = (await readFrom(START)).at(-1) ?? START;
    const early = stream();
    const late = stream();

    const earlyTx = await beginAppend(early); // takes the lower position and transaction id
    const lateTx = await beginAppend(late);
    await lateTx.commitTransaction(); // the later position commits first
    await lateTx.release();

    // A naive "position > checkpoint" reader would see `late` now and skip `early` for ever.
    expect(ofStreams(await readFrom(checkpoint), early, late)).toEqual([]);

    await earlyTx.commitTransaction();
    await earlyTx.release();
    await eventually(async () =>
      expect(ofStreams(await readFrom(checkpoint), early, late)).toEqual([
        `${early}@1`,
        `${late}@1`,
      ]),
    );
  });

  it('never skips: a subscriber that checkpoints what it read still gets the late commit', async () => {
    const early = stream();
    const late = stream();
    const earlyTx = await beginAppend(early);
    const lateTx = await beginAppend(late);
    await lateTx.commitTransaction();
    await lateTx.release();

    // The subscriber reads and checkpoints everything visible so far.
    const seen = await readFrom(START);
    const checkpoint = seen.at(-1) ?? START;
    await earlyTx.commitTransaction();
    await earlyTx.release();
    await eventually(async () => {
      const delivered = [...seen, ...(await readFrom(checkpoint))];
      expect(ofStreams(delivered, early, late)).toEqual([`${early}@1`, `${late}@1`]);
    });
  });

  it('does not wait for a rolled-back append: the later commit is delivered once the hole is dead', async () => {
    const checkpoint = (await readFrom(START)).at(-1) ?? START;
    const rolledBack = stream();
    const late = stream();
    const rolledBackTx = await beginAppend(rolledBack);
    const lateTx = await beginAppend(late);
    await lateTx.commitTransaction();
    await lateTx.release();
    expect(ofStreams(await readFrom(checkpoint), late)).toEqual([]);

    await rolledBackTx.rollbackTransaction();
    await rolledBackTx.release();
    await eventually(async () =>
      expect(ofStreams(await readFrom(checkpoint), rolledBack, late)).toEqual([`${late}@1`]),
    );
  });
});

describe('PostgresEventStore: inline projections', () => {
  const inlineCounter = (fail: () => boolean): Projection => ({
    name: 'inline-counter',
    eventTypes: ['Counted'],
    tables: ['inline_counts'],
    lifecycle: 'inline',
    async apply(events, tx) {
      if (fail()) throw new Error('inline projection failed (injected)');
      for (const e of events) {
        await tx.query(
          `INSERT INTO ${tx.table('inline_counts')} AS c (stream_id, events) VALUES ($1, 1)
           ON CONFLICT (stream_id) DO UPDATE SET events = c.events + 1`,
          [e.streamId],
        );
      }
    },
  });

  it('applies inline projections in the append transaction: visible at commit, rolled back with it', async () => {
    await database.dataSource.query(
      'CREATE TABLE inline_counts (stream_id text PRIMARY KEY, events int NOT NULL)',
    );
    let failing = false;
    const inlineStore = new PostgresEventStore(database.dataSource, {
      inlineProjections: [inlineCounter(() => failing)],
    });
    const id = stream();
    await inlineStore.appendToStream(id, 'no_stream', [event(1), event(2)], {
      metadata: metadata(),
    });
    const counts = () =>
      database.dataSource.query('SELECT events FROM inline_counts WHERE stream_id = $1', [id]);
    expect(await counts()).toEqual([{ events: 2 }]);

    failing = true;
    await expect(
      inlineStore.appendToStream(id, 2, [event(3)], { metadata: metadata() }),
    ).rejects.toThrow('injected');
    expect(await inlineStore.readStream(id)).toHaveLength(2);
    expect(await counts()).toEqual([{ events: 2 }]);
  });
});

describe('PostgresEventStore: waking other processes after a commit', () => {
  it('sends the coalesced NOTIFY after each committed append by default, and none when told not to', async () => {
    const notify = jest.spyOn(PostgresCommitNotifier.prototype, 'notifyCommitted');
    try {
      const waking = new PostgresEventStore(database.dataSource);
      await waking.appendToStream(randomUUID(), 'no_stream', [event(1)], { metadata: metadata() });
      await waking.appendToStream(randomUUID(), 'no_stream', [event(1)], { metadata: metadata() });
      // Two commits, two calls, and maybe a third: the notifier's own call for a commit that
      // arrived while its NOTIFY was in flight. Every call is on the store's one notifier.
      expect(notify.mock.calls.length).toBeGreaterThanOrEqual(2);
      const wakingNotifiers = new Set(notify.mock.contexts);
      expect(wakingNotifiers.size).toBe(1);

      notify.mockClear();
      const quiet = new PostgresEventStore(database.dataSource, { notifyCommits: false });
      await quiet.appendToStream(randomUUID(), 'no_stream', [event(1)], { metadata: metadata() });
      // The waking store's owed NOTIFY may still come now; none may come from anything else.
      expect(notify.mock.contexts.filter((context) => !wakingNotifiers.has(context))).toEqual([]);
    } finally {
      notify.mockRestore();
    }
  });
});

describeOnServer('PostgresCommitNotifier', () => {
  it('reaches a session that LISTENs on the events channel', async () => {
    const listener = new Client({ connectionString: database.url });
    await listener.connect();
    try {
      await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
      const heard = new Promise<string>((resolve) =>
        listener.on('notification', (message) => resolve(message.channel)),
      );
      new PostgresCommitNotifier(database.dataSource).notifyCommitted();
      expect(await heard).toBe(EVENTS_CHANNEL);
    } finally {
      await listener.end();
    }
  });

  it('with a session of its own, notifies while every pooled connection is taken, and close() ends that session', async () => {
    const application = `notifier-${randomUUID().slice(0, 8)}`;
    const listener = new Client({ connectionString: database.url });
    await listener.connect();
    // Every pooled connection checked out: a notifier on the pool would wait for one.
    const taken = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const runner = database.dataSource.createQueryRunner();
        await runner.connect();
        return runner;
      }),
    );
    const notifier = new PostgresCommitNotifier(database.dataSource, undefined, {
      connectionString: database.url,
      application_name: application,
      options: `-c search_path=${database.schema}`,
    });
    const sessions = async () =>
      (
        await listener.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
          [application],
        )
      ).rows[0].n;
    try {
      await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
      const heard = new Promise<string | undefined>((resolve) =>
        listener.on('notification', (message) => resolve(message.payload)),
      );
      notifier.notifyCommitted();
      expect(await heard).toBe(database.schema);
      expect(await sessions()).toBe(1);
      await notifier.close();
      await eventually(async () => expect(await sessions()).toBe(0));
    } finally {
      await Promise.all(taken.map((runner) => runner.release()));
      await notifier.close();
      await listener.end();
    }
  });

  it("names the schema committed in: a coordinator wakes for its own schema's commits only", async () => {
    const woken: string[] = [];
    const coordinatorOf = (schema: string) =>
      new PostgresCoordinator(
        { connectionString: database.url },
        () => woken.push(schema),
        undefined,
        schema,
      );
    const mine = coordinatorOf(database.schema);
    const another = coordinatorOf(`${database.schema}_other`);
    await Promise.all([mine.connect(), another.connect()]);
    try {
      new PostgresCommitNotifier(database.dataSource).notifyCommitted();
      await eventually(() => expect(woken).toContain(database.schema));
      await sleep(200);
      expect(woken).not.toContain(`${database.schema}_other`);
    } finally {
      await Promise.all([mine.close(), another.close()]);
    }
  });
});
