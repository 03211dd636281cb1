import { httpApi } from './support/api';
import { MultiStreamCommandExecutor } from '@ledgerline/event-sourcing';
import { ACCOUNT_CUSTOMER_COMMANDS } from '../src/accounts/accounts.tokens';
import { registerCustomer } from './support/accounts-api';
import { startTestApp, TestApp } from './support/test-app';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';

const context = {} as { database: TestDatabase; app: TestApp };
beforeAll(async () => {
  context.database = await openTestDatabase('opening_burst');
  // The burst is about the write path: read-side and outbox workers would only share the
  // CPU with it (every commit wakes them), which makes the burst about 1.5 times as slow.
  context.app = await startTestApp(context.database, {
    PROJECTIONS: 'off',
    OUTBOX_RELAY: 'off',
    PROCESS_MANAGERS: 'off',
  });
});
afterAll(async () => {
  await context.app?.close();
  await context.database?.close();
});
const http = () => httpApi(context.app.baseUrl);

/** Version conflicts met so far by the executor of account openings and closings. */
const conflicts = (): number =>
  context.app.app.get<MultiStreamCommandExecutor>(ACCOUNT_CUSTOMER_COMMANDS, { strict: false })
    .stats.conflicts;

const statusCounts = (statuses: number[]): Record<number, number> =>
  statuses.reduce<Record<number, number>>((counts, status) => {
    counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }, {});

describeOnServer('a burst of account openings for one customer', () => {
  it('500 concurrent openings all succeed (201, no VERSION_CONFLICT): they queue on the customer stream instead of failing', async () => {
    const customerId = await registerCustomer(http);
    const conflictsBefore = conflicts();
    const started = Date.now();
    const responses = await Promise.all(
      Array.from({ length: 500 }, () =>
        http().post('/accounts').send({ customerId, currency: 'EUR' }),
      ),
    );
    const elapsedMs = Date.now() - started;
    const counts = statusCounts(responses.map((response) => response.status));
    const codes = new Set(responses.map((response) => (response.body as { code?: string }).code));
    console.info(
      `[opening burst] ${JSON.stringify(counts)} ${[...codes].filter(Boolean).join(',')} in ${elapsedMs} ms`,
    );

    expect(counts).toEqual({ 201: 500 });
    // Queued, not merely retried: one instance, so not one of them met a conflict.
    expect(conflicts() - conflictsBefore).toBe(0);
    const customer = await http().get(`/customers/${customerId}`).expect(200);
    expect(customer.body).toMatchObject({ status: 'ACTIVE', openAccounts: 500, version: 501 });
    const [{ linked, accounts }] = await context.database.dataSource.query<
      { linked: number; accounts: number }[]
    >(
      `SELECT count(*) FILTER (WHERE stream_id = $1 AND type = 'CustomerAccountLinked')::int AS linked,
              count(*) FILTER (WHERE type = 'AccountOpened' AND data->>'customerId' = $2)::int AS accounts
         FROM es_events`,
      [`customer-${customerId}`, customerId],
    );
    expect(linked).toBe(500);
    expect(accounts).toBe(500);
  });
});
