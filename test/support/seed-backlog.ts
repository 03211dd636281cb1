import { DataSource } from 'typeorm';

/**
 * Writes a backlog of account events straight into the log in one statement: per account an
 * AccountOpened, then deposits (of `amount`, or of the version number when amount is null).
 * MATERIALIZED matters: inlined, the planner would call gen_random_uuid() again for the sort
 * key and hand out positions in an order no real append can produce.
 */
export async function seedAccountBacklog(
  dataSource: DataSource,
  options: { customerId: string; accounts: number; eventsPerAccount: number; amount?: number },
): Promise<void> {
  await dataSource.query(
    `WITH a AS MATERIALIZED (SELECT gen_random_uuid() AS id FROM generate_series(1, $2::int))
     INSERT INTO es_events (event_id, stream_id, stream_version, type, data, metadata, occurred_at)
     SELECT gen_random_uuid(), 'account-' || a.id, v,
            CASE WHEN v = 1 THEN 'AccountOpened' ELSE 'MoneyDeposited' END,
            CASE WHEN v = 1 THEN jsonb_build_object('accountId', a.id, 'customerId', $1::uuid, 'currency', 'EUR')
                 ELSE jsonb_build_object('accountId', a.id, 'amount', COALESCE($4::int, v), 'reference', NULL) END,
            jsonb_build_object('commandId', gen_random_uuid(), 'correlationId', 'seed', 'causationId', 'seed',
                               'actor', 'seed', 'occurredAt', '2026-11-01T10:00:00.000Z'),
            '2026-11-01T10:00:00Z'
       FROM a, generate_series(1, $3::int) v
      ORDER BY a.id, v`,
    [options.customerId, options.accounts, options.eventsPerAccount, options.amount ?? null],
  );
  // A writer beside the store wakes the running instances itself, as the store does.
  await dataSource.query(`SELECT pg_notify('ledgerline_events', '')`);
}
