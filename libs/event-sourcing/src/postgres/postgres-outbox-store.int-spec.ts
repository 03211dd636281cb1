import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresOutboxStore } from './index';
import { CLAIM_OUTBOX_SQL } from './sql/outbox.sql';
import { eventually } from '../../test/eventually';
import {
  describeOnServer,
  openSession,
  openTestDatabase,
  TestDatabase,
  testDataSourceOptions,
} from '../../test/test-database';

/** Inserts `count` rows of `status`, numbered from `from`, over 300 streams in turn. */
const insertRows = (database: TestDatabase, status: string, from: number, count: number) =>
  database.dataSource.query(
    `INSERT INTO es_outbox (message_id, stream_id, stream_version, type, body, correlation_id,
                            causation_id, status)
     SELECT gen_random_uuid(), 'stream-' || (n % 300), n, 'counted', '{}'::jsonb, 'c', 'c', $3
       FROM generate_series($1::int, $1::int + $2::int - 1) AS n`,
    [from, count, status],
  );

/*
 * The claim must not depend on the planner's luck. Statistics taken while the outbox was
 * drained say nothing is pending; a backlog that builds up afterwards must still be claimed
 * in a batch's time, not in one that grows with the backlog's cube (which stalled the relay on
 * its statement timeout for good).
 */
describe('PostgresOutboxStore.claim with statistics from a drained outbox', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await openTestDatabase('outbox_claim_plan');
    const options = testDataSourceOptions({
      url: database.url,
      schema: database.schema,
      poolSize: 2,
    });
    // Two seconds: a hundred times what the claim of a batch takes here.
    dataSource = await new DataSource({
      ...options,
      extra: { ...(options.extra as Record<string, unknown>), statement_timeout: 2_000 },
    }).initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database.close();
  });

  it('claims a batch of a 3 000-message backlog at once', async () => {
    await insertRows(database, 'published', 1, 50);
    await database.dataSource.query('ANALYZE es_outbox');
    await insertRows(database, 'pending', 1_000, 3_000);

    const store = new PostgresOutboxStore(dataSource);
    const claim = await store.claim(100, 30_000);
    expect(claim.messages).toHaveLength(100);
    // Oldest first, and never two messages of a stream out of order.
    const ids = claim.messages.map((message) => BigInt(message.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
  });
});

/*
 * What holds a stream back is a handful of rows (dead letters, claims, backoffs), looked up in an
 * index of their own; the claim must never read the whole outbox, published rows included, to
 * find them, as it did once on every round.
 */
describeOnServer("PostgresOutboxStore.claim's check of what holds a stream back", () => {
  let database: TestDatabase;
  let session: Client;

  beforeAll(async () => {
    database = await openTestDatabase('outbox_hold_back_plan', 2);
    session = await openSession(database);
  });
  afterAll(async () => {
    await session.end();
    await database.close();
  });

  it('reads them from es_outbox_blocking_idx, never the whole outbox', async () => {
    await insertRows(database, 'published', 1, 5_000);
    await insertRows(database, 'pending', 10_000, 3_000);
    // A dead letter, a claim and a backoff: each holds its stream back, each in the index.
    await session.query(`UPDATE es_outbox SET status = 'dead' WHERE stream_version = 10000`);
    await session.query(
      `UPDATE es_outbox SET claimed_by = gen_random_uuid(), claimed_until = now() + interval '1 minute'
        WHERE stream_version = 10001`,
    );
    await session.query(
      `UPDATE es_outbox SET available_at = now() + interval '1 minute' WHERE stream_version = 10002`,
    );
    await session.query('ANALYZE es_outbox');
    await session.query(
      `PREPARE claim_plan(uuid, integer, integer, uuid[]) AS ${CLAIM_OUTBOX_SQL}`,
    );
    const { rows } = await session.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN EXECUTE claim_plan('${randomUUID()}', 200, 30000, '{}')`,
    );
    const plan = rows.map((row) => row['QUERY PLAN']);

    expect(plan.filter((line) => /Seq Scan on es_outbox p\b/.test(line))).toEqual([]);
    expect(plan.some((line) => /es_outbox_blocking_idx/.test(line))).toBe(true);
    const { rows: blocking } = await session.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM es_outbox
        WHERE status = 'dead'
           OR (status = 'pending' AND (claimed_until IS NOT NULL OR available_at > created_at))`,
    );
    expect(blocking).toEqual([{ count: 3 }]);
  });
});

/*
 * A row committed by a transaction that began after the claiming one is fresh, not backing off:
 * it is not in es_outbox_blocking_idx, so it must be claimable, or the claim would pass it and
 * take its stream's next row first.
 */
describe('PostgresOutboxStore.claim of a row newer than its own transaction', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase('outbox_claim_fresh', 2);
  });
  afterAll(async () => {
    await database.close();
  });

  it('claims it, in its place in its stream', async () => {
    await database.dataSource.query(
      `INSERT INTO es_outbox (message_id, stream_id, stream_version, type, body, correlation_id,
                              causation_id, created_at, available_at)
       VALUES (gen_random_uuid(), 'late', 1, 'counted', '{}', 'c', 'c',
               now() + interval '1 minute', now() + interval '1 minute'),
              (gen_random_uuid(), 'late', 2, 'counted', '{}', 'c', 'c', now(), now())`,
    );

    const claim = await new PostgresOutboxStore(database.dataSource).claim(10, 30_000);
    expect(claim.messages.map((message) => message.streamVersion)).toEqual([1, 2]);
  });
});

/*
 * A claim made behind the caller's own earlier ones: their live rows do not hold a stream back,
 * but every claim has a token of its own, so a late settlement of an expired one is fenced off.
 */
describe('PostgresOutboxStore.claim behind claims its caller holds', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase('outbox_claim_behind', 2);
  });
  afterAll(async () => {
    await database.close();
  });
  beforeEach(() => database.dataSource.query('DELETE FROM es_outbox'));

  it("takes a stream's next rows behind a live claim of its own, and none behind another's", async () => {
    await insertRows(database, 'pending', 1, 600); // 300 streams, two rows each
    const store = new PostgresOutboxStore(database.dataSource);
    const first = await store.claim(300, 30_000);
    expect(new Set(first.messages.map((m) => m.streamId)).size).toBe(300);

    expect((await store.claim(300, 30_000)).messages).toEqual([]); // held back by the first
    const behind = await store.claim(300, 30_000, [first.token]);
    expect(behind.messages.map((m) => m.streamVersion)).toEqual(
      first.messages.map((m) => m.streamVersion + 300),
    );
    expect(behind.token).not.toBe(first.token);
  });

  it('takes the rows of an expired claim of its own under its own token', async () => {
    await insertRows(database, 'pending', 1, 3);
    const store = new PostgresOutboxStore(database.dataSource);
    const expired = await store.claim(10, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));

    const again = await store.claim(10, 30_000, [expired.token]);
    expect(again.messages.map((m) => m.id)).toEqual(expired.messages.map((m) => m.id));
    // The expired claim's late confirms settle nothing.
    expect(
      await store.markPublished(
        expired.token,
        expired.messages.map((m) => m.id),
      ),
    ).toBe(0);
    expect(
      await store.markPublished(
        again.token,
        again.messages.map((m) => m.id),
      ),
    ).toBe(3);
  });
});

/*
 * A row the claim picked may be settled by another relay before the claim's UPDATE reaches it
 * (a relay that outlived its lease dead-letters it). The UPDATE then skips that row, and must not
 * claim the rows of its stream behind it.
 */
describeOnServer('PostgresOutboxStore.claim racing a settlement', () => {
  let database: TestDatabase;
  let other: Client;

  beforeAll(async () => {
    database = await openTestDatabase('outbox_claim_race', 2);
    other = await openSession(database);
  });
  afterAll(async () => {
    await other.end();
    await database.close();
  });

  it('gives back the rows claimed behind a row dead-lettered under it', async () => {
    // Two messages of one stream, claimed by a relay whose lease has run out.
    const [first, second] = await database.dataSource.query<{ id: string }[]>(
      `INSERT INTO es_outbox (message_id, stream_id, stream_version, type, body, correlation_id,
                              causation_id, claimed_by, claimed_until)
       SELECT gen_random_uuid(), 'raced', n, 'counted', '{}', 'c', 'c',
              '00000000-0000-4000-8000-000000000001', now() - interval '1 second'
         FROM generate_series(1, 2) AS n
       RETURNING id::text AS id`,
    );
    // The stale relay holds the first row while it records its failed attempt.
    await other.query('BEGIN');
    await other.query('SELECT 1 FROM es_outbox WHERE id = $1 FOR UPDATE', [first.id]);

    const claiming = new PostgresOutboxStore(database.dataSource).claim(10, 30_000);
    // The claim has picked both rows and waits for the first one's lock. (Asked from outside
    // `other`'s transaction, which would see one snapshot of pg_stat_activity throughout.)
    const [{ pid }] = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    await eventually(async () => {
      const [{ waiting }] = await database.dataSource.query<{ waiting: number }[]>(
        'SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
        [pid],
      );
      expect(waiting).toBe(1);
    });
    await other.query(
      `UPDATE es_outbox SET status = 'dead', claimed_by = NULL, claimed_until = NULL
        WHERE id = $1`,
      [first.id],
    );
    await other.query('COMMIT');

    expect((await claiming).messages).toEqual([]);
    const { rows } = await other.query<{ id: string; claimed_by: string | null }>(
      'SELECT id::text AS id, claimed_by FROM es_outbox WHERE id = $1',
      [second.id],
    );
    expect(rows).toEqual([{ id: second.id, claimed_by: null }]);
  });
});
