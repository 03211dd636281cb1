import { DataSource } from 'typeorm';
import { PostgresOutboxStore } from './index';
import { openTestDatabase, TestDatabase, testDataSourceOptions } from '../../test/test-database';

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
    const insert = (status: string, from: number, count: number) =>
      database.dataSource.query(
        `INSERT INTO es_outbox (message_id, stream_id, stream_version, type, body, correlation_id,
                                causation_id, status)
         SELECT gen_random_uuid(), 'stream-' || (n % 300), n, 'counted', '{}'::jsonb, 'c', 'c', $3
           FROM generate_series($1::int, $1::int + $2::int - 1) AS n`,
        [from, count, status],
      );
    await insert('published', 1, 50);
    await database.dataSource.query('ANALYZE es_outbox');
    await insert('pending', 1_000, 3_000);

    const store = new PostgresOutboxStore(dataSource);
    const claim = await store.claim(100, 30_000);
    expect(claim.messages).toHaveLength(100);
    // Oldest first, and never two messages of a stream out of order.
    const ids = claim.messages.map((message) => BigInt(message.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
  });
});
