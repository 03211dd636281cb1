import { CommandExecutor } from '@ledgerline/event-sourcing';
import { DataSource } from 'typeorm';
import { ACCOUNT_COMMANDS } from '../src/accounts/accounts.tokens';
import { accountsApi } from './support/accounts-api';
import { startTestApp, TestApp } from './support/test-app';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';

let database: TestDatabase;
let first: TestApp;
let second: TestApp;

beforeAll(async () => {
  database = await openTestDatabase('racing_withdrawals');
  // Two instances = two pools, two in-process stream queues, one database: their commands
  // on one account can only be kept apart by the optimistic append.
  first = await startTestApp(database);
  second = await startTestApp(database);
});
afterAll(async () => {
  await first.close();
  await second.close();
  await database.close();
});

/** Balance check against the book of record: every withdrawal/deposit in the stream, summed in SQL. */
async function ledger(dataSource: DataSource, accountId: string) {
  const [row] = await dataSource.query<{ withdrawals: number; balance: string; lowest: string }[]>(
    `SELECT count(*) FILTER (WHERE type = 'MoneyWithdrawn')::int AS withdrawals,
            COALESCE(sum(CASE type WHEN 'MoneyDeposited' THEN (data->>'amount')::bigint
                                   WHEN 'MoneyWithdrawn' THEN -(data->>'amount')::bigint END), 0)::bigint::text AS balance,
            -- the lowest running balance over the stream: never below zero
            COALESCE(min(running), 0)::bigint::text AS lowest
       FROM (SELECT type, data, sum(CASE type WHEN 'MoneyDeposited' THEN (data->>'amount')::bigint
                                               WHEN 'MoneyWithdrawn' THEN -(data->>'amount')::bigint ELSE 0 END)
                                  OVER (ORDER BY stream_version) AS running
               FROM es_events WHERE stream_id = $1) s`,
    [`account-${accountId}`],
  );
  return { withdrawals: row.withdrawals, balance: Number(row.balance), lowest: Number(row.lowest) };
}

/** Version conflicts the instance's account executor has met so far. */
const conflictsOf = (instance: TestApp): number =>
  instance.app.get<CommandExecutor<unknown, never>>(ACCOUNT_COMMANDS, { strict: false }).stats
    .conflicts;

const statusCounts = (statuses: number[]): Record<number, number> =>
  statuses.reduce<Record<number, number>>(
    (counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }),
    {},
  );

describeOnServer('100 concurrent withdrawals of 10 from a balance of 500', () => {
  it('one instance: exactly 50 succeed, 50 get 422 INSUFFICIENT_FUNDS, no 409 or 5xx, balance 0', async () => {
    const api = accountsApi(first.baseUrl);
    const id = await api.open();
    await api.deposit(id, 500).expect(201);
    const conflictsBefore = conflictsOf(first);

    const responses = await Promise.all(Array.from({ length: 100 }, () => api.withdraw(id, 10)));
    expect(statusCounts(responses.map((r) => r.status))).toEqual({ 201: 50, 422: 50 });
    for (const refused of responses.filter((r) => r.status === 422)) {
      expect(refused.body).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    }
    expect(await api.account(id)).toMatchObject({ balance: 0, version: 52 });
    // Within one instance the per-stream queue orders the commands: not a single conflict.
    expect(conflictsOf(first)).toBe(conflictsBefore);
    expect(await ledger(database.dataSource, id)).toEqual({
      withdrawals: 50,
      balance: 0,
      lowest: 0,
    });
  });

  it('two instances on one database: no 5xx, never negative, balance equals the events', async () => {
    const apis = [accountsApi(first.baseUrl), accountsApi(second.baseUrl)];
    const id = await apis[0].open();
    await apis[0].deposit(id, 500).expect(201);
    const conflictsBefore = conflictsOf(first) + conflictsOf(second);

    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => apis[i % 2].withdraw(id, 10)),
    );
    const counts = statusCounts(responses.map((r) => r.status));
    expect(Object.keys(counts).filter((status) => Number(status) >= 500)).toEqual([]);
    // Conflicts between the instances are re-decided, so every request still gets a business answer.
    expect(counts).toEqual({ 201: 50, 422: 50 });
    // The instances really raced: some appends lost and were re-decided.
    expect(conflictsOf(first) + conflictsOf(second)).toBeGreaterThan(conflictsBefore);

    const book = await ledger(database.dataSource, id);
    expect(book).toEqual({ withdrawals: 50, balance: 0, lowest: 0 });
    expect(await apis[1].account(id)).toMatchObject({ balance: book.balance });
  });

  it('at an overdraft limit of 300, two instances: exactly 80 succeed, never below -300', async () => {
    const apis = [accountsApi(first.baseUrl), accountsApi(second.baseUrl)];
    const id = await apis[0].open();
    await apis[0].deposit(id, 500).expect(201);
    await apis[0].setOverdraftLimit(id, 300, 'racing test').expect(200);

    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => apis[i % 2].withdraw(id, 10)),
    );
    expect(statusCounts(responses.map((r) => r.status))).toEqual({ 201: 80, 422: 20 });
    for (const refused of responses.filter((r) => r.status === 422)) {
      expect(refused.body).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    }
    const book = await ledger(database.dataSource, id);
    expect(book).toEqual({ withdrawals: 80, balance: -300, lowest: -300 });
    expect(await apis[1].account(id)).toMatchObject({
      balance: -300,
      ledgerBalance: -300,
      availableBalance: -300,
      spendableBalance: 0,
      overdraftLimit: 300,
    });
  });

  it('two instances, 60 concurrent deposits: every conflict is re-decided, none is lost', async () => {
    const apis = [accountsApi(first.baseUrl), accountsApi(second.baseUrl)];
    const id = await apis[0].open();
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => apis[i % 2].deposit(id, 1)),
    );
    expect(statusCounts(responses.map((r) => r.status))).toEqual({ 201: 60 });
    expect(await apis[0].account(id)).toMatchObject({ balance: 60, version: 61 });
  });
});
