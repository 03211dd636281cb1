import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogPosition, ProjectionRunner } from '../index';
import { PostgresEventStore, PostgresProjectionStore } from '../postgres';
import { eventually } from '../../test/eventually';
import { logSettled } from '../../test/settled-log';
import { describeOnServer, openTestDatabase, TestDatabase } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';
import { fastRunnerOptions, totalsFixture, TotalsFixture } from '../../test/totals-projection';

let database: TestDatabase;
let store: PostgresEventStore;
let checkpoints: PostgresProjectionStore;

const metadata = testMetadata;

/**
 * A position as text: Jest's workers cannot pass a failed matcher's bigint values to the
 * parent ("Do not know how to serialize a BigInt"), which hides which assertion failed.
 */
function text(position: LogPosition): { transactionId: string; globalPosition: string } {
  return {
    transactionId: position.transactionId.toString(),
    globalPosition: position.globalPosition.toString(),
  };
}

const fastOptions = fastRunnerOptions;

let totalsProjection: TotalsFixture['projection'];
let createTotalsTable: TotalsFixture['createTable'];
let rows: TotalsFixture['rows'];
let fullReplay: TotalsFixture['fullReplay'];
let appendCounted: TotalsFixture['appendCounted'];

beforeAll(async () => {
  database = await openTestDatabase('projection_runner');
  store = new PostgresEventStore(database.dataSource);
  checkpoints = new PostgresProjectionStore(database.dataSource);
  ({
    projection: totalsProjection,
    createTable: createTotalsTable,
    rows,
    fullReplay,
    appendCounted,
  } = totalsFixture(database, store, checkpoints));
});
afterAll(() => database.close());

describe('ProjectionRunner', () => {
  it('retries a failing handler, and after it recovers the rows equal a full replay', async () => {
    await createTotalsTable('totals_flaky');
    const fault = { failures: 0 };
    const runner = new ProjectionRunner(
      store,
      checkpoints,
      totalsProjection('totals-flaky', 'totals_flaky', fault),
      undefined,
      fastOptions,
    );
    const streams = [randomUUID(), randomUUID(), randomUUID()];
    await appendCounted(streams, 5);
    await eventually(async () => expect(await runner.catchUp()).toBe('caught-up'));

    fault.failures = 3; // mid-stream: the next batches fail for a while
    await appendCounted(
      streams.map(() => randomUUID()),
      4,
    );
    runner.start();
    try {
      await eventually(async () => {
        expect(fault.failures).toBe(0);
        expect(runner.localStatus.caughtUp).toBe(true);
        expect(await rows('totals_flaky')).toEqual(await fullReplay());
      });
    } finally {
      await runner.stop();
    }
    const checkpoint = await checkpoints.checkpoint('totals-flaky');
    expect(checkpoint).toMatchObject({ parked: false, failures: 0, lastError: null });
  });

  it('parks after the configured attempts with the error visible, keeps its position, and resumes when asked', async () => {
    await createTotalsTable('totals_parked');
    const fault = { failures: 1_000 };
    const options = { ...fastOptions, maxAttempts: 3 };
    const runner = new ProjectionRunner(
      store,
      checkpoints,
      totalsProjection('totals-parked', 'totals_parked', fault),
      undefined,
      options,
    );
    await appendCounted([randomUUID()], 2);
    await logSettled(database.dataSource);

    for (let attempt = 1; attempt < 3; attempt++) expect(await runner.step()).toBe('failed');
    expect(await runner.step()).toBe('parked');
    const parked = await checkpoints.checkpoint('totals-parked');
    expect(parked).toMatchObject({
      parked: true,
      failures: 3,
      lastError: 'Error: read database unavailable (injected)',
    });
    expect(text(parked.position).globalPosition).toBe('0'); // nothing skipped
    expect(await runner.step()).toBe('parked'); // stays parked

    fault.failures = 0;
    await checkpoints.resume('totals-parked');
    await eventually(async () => expect(await runner.catchUp()).toBe('caught-up'));
    expect(await rows('totals_parked')).toEqual(await fullReplay());
  });

  it('another projection keeps running while one is parked', async () => {
    await createTotalsTable('totals_healthy');
    await createTotalsTable('totals_broken');
    const healthy = new ProjectionRunner(
      store,
      checkpoints,
      totalsProjection('totals-healthy', 'totals_healthy'),
      undefined,
      fastOptions,
    );
    const broken = new ProjectionRunner(
      store,
      checkpoints,
      totalsProjection('totals-broken', 'totals_broken', { failures: 1_000 }),
      undefined,
      {
        ...fastOptions,
        maxAttempts: 2,
      },
    );
    healthy.start();
    broken.start();
    try {
      await appendCounted([randomUUID()], 3);
      await eventually(async () => {
        expect((await checkpoints.checkpoint('totals-broken')).parked).toBe(true);
        expect(await rows('totals_healthy')).toEqual(await fullReplay());
      });
    } finally {
      await Promise.all([healthy.stop(), broken.stop()]);
    }
  });

  it('applies a batch once even when two runners race for it (compare-and-set checkpoint)', async () => {
    await createTotalsTable('totals_raced');
    const projection = totalsProjection('totals-raced', 'totals_raced');
    const runners = [1, 2].map(
      () => new ProjectionRunner(store, checkpoints, projection, undefined, fastOptions),
    );
    await appendCounted([randomUUID(), randomUUID()], 6);
    // Both must see all twelve events: a race that ends early on a hidden commit proves nothing.
    await logSettled(database.dataSource);
    await Promise.all(
      runners.map((runner) =>
        eventually(async () => expect(await runner.catchUp()).toBe('caught-up')),
      ),
    );
    expect(await rows('totals_raced')).toEqual(await fullReplay());
  });
});

describeOnServer('ProjectionRunner with many writers and deliberately delayed commits', () => {
  it('never skips an event committed late: rows equal a full replay, 20 times over', async () => {
    for (let round = 1; round <= 20; round++) {
      const table = `totals_round_${round}`;
      await createTotalsTable(table);
      const runner = new ProjectionRunner(
        store,
        checkpoints,
        totalsProjection(table, table),
        undefined,
        { ...fastOptions, idlePollMs: 2 },
      );
      runner.start();
      try {
        const writers = Array.from({ length: 8 }, async () => {
          const streamId = randomUUID();
          for (let version = 1; version <= 6; version++) {
            const tx = database.dataSource.createQueryRunner();
            await tx.connect();
            try {
              await tx.startTransaction();
              await store.appendInTransaction(
                tx,
                streamId,
                version - 1,
                [{ type: 'Counted', data: { amount: version } }],
                { metadata: metadata() },
              );
              await sleep(Math.floor(Math.random() * 15)); // commit late, after later positions
              await tx.commitTransaction();
            } finally {
              await tx.release();
            }
          }
        });
        await Promise.all(writers);
        await eventually(async () => {
          const live = (await rows(table)) as { events: number; gaps: number }[];
          expect(live.filter((row) => row.gaps > 0)).toEqual([]);
          expect(live).toEqual(await fullReplay());
        });
      } finally {
        await runner.stop();
      }
    }
  });
});

describe('ProjectionRunner on a log of other types', () => {
  it('holds its checkpoint over batches with nothing relevant, then moves it in one commit', async () => {
    await createTotalsTable('totals_idle');
    let commits = 0;
    const counting: PostgresProjectionStore = Object.create(checkpoints) as PostgresProjectionStore;
    counting.commitBatch = (...args) => {
      commits++;
      return checkpoints.commitBatch(...args);
    };
    const runner = new ProjectionRunner(
      store,
      counting,
      totalsProjection('totals-idle', 'totals_idle'),
      undefined,
      { ...fastOptions, batchSize: 5, skipCheckpointMs: 60_000 },
    );
    // Everything earlier tests wrote must be behind it, or a late-visible commit of theirs
    // would turn up among the batches counted below.
    await logSettled(database.dataSource);
    expect(await runner.catchUp()).toBe('caught-up');
    const head = async () => text((await checkpoints.checkpoint('totals-idle')).position);
    const before = await head();
    commits = 0;
    // 40 events of a type it ignores: 8 batches, none with a row to write.
    const other = randomUUID();
    for (let n = 1; n <= 40; n++)
      await store.appendToStream(other, n - 1, [{ type: 'Ignored', data: { n } }], {
        metadata: metadata(),
      });
    await logSettled(database.dataSource);
    for (let batch = 0; batch < 8; batch++) expect(await runner.step()).toBe('applied');
    expect(await runner.step()).toBe('caught-up');
    // Held: no transaction spent on bookkeeping, the stored checkpoint has not moved.
    expect(commits).toBe(0);
    expect(await head()).toEqual(before);

    // A relevant event: applied, and the checkpoint moves past everything read, in one commit.
    const counted = randomUUID();
    await store.appendToStream(counted, 'no_stream', [{ type: 'Counted', data: { amount: 5 } }], {
      metadata: metadata(),
    });
    await logSettled(database.dataSource);
    expect(await runner.step()).toBe('applied');
    expect(commits).toBe(1);
    const [last] = (await store.readStream(counted)).slice(-1);
    expect(await head()).toEqual(text(last));
    expect(await rows('totals_idle')).toContainEqual({
      stream_id: counted,
      total: '5',
      events: 1,
      last_version: 1,
      gaps: 0,
    });
  });

  it('moves a held checkpoint once the hold time has passed, and at once when asked to catch up', async () => {
    await createTotalsTable('totals_held');
    // The runner's clock is moved by hand: a wall-clock hold would race a loaded CI machine.
    const realNow = Date.now.bind(Date);
    let skew = 0;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skew);
    try {
      const runner = new ProjectionRunner(
        store,
        checkpoints,
        totalsProjection('totals-held', 'totals_held'),
        undefined,
        { ...fastOptions, skipCheckpointMs: 10_000 },
      );
      await logSettled(database.dataSource);
      expect(await runner.catchUp()).toBe('caught-up');
      const held = async () => text((await checkpoints.checkpoint('totals-held')).position);
      const other = randomUUID();
      await store.appendToStream(other, 'no_stream', [{ type: 'Ignored', data: {} }], {
        metadata: metadata(),
      });
      await logSettled(database.dataSource);
      const [ignored] = await store.readStream(other);
      expect(await runner.step()).toBe('applied'); // held
      expect(await runner.step()).toBe('caught-up');
      expect(await held()).not.toEqual(text(ignored));
      skew += 10_001;
      expect(await runner.step()).toBe('applied'); // the hold expired: moved
      expect(await held()).toEqual(text(ignored));

      // catchUp (the CLI, tests) never leaves a held checkpoint behind.
      await store.appendToStream(other, 1, [{ type: 'Ignored', data: {} }], {
        metadata: metadata(),
      });
      await logSettled(database.dataSource);
      expect(await runner.catchUp()).toBe('caught-up');
      const [, second] = await store.readStream(other);
      expect(await held()).toEqual(text(second));
    } finally {
      clock.mockRestore();
    }
  });
});
