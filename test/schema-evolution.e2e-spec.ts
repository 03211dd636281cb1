import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventStore, JsonObject } from '@ledgerline/event-sourcing';
import {
  accountIntegrationEvents,
  AccountIntegrationEventType,
  accountSnapshots,
} from '../src/accounts';
import { EVENT_STORE } from '../src/database/database.tokens';
import { accountsApi, registerCustomer } from './support/accounts-api';
import { eventually } from './support/eventually';
import { startTestApp, useTestApp } from './support/test-app';

/** test/fixtures/v1-account-events.json: events as an older release stored them. */
interface Fixture {
  accountId: string;
  customerId: string;
  currency: string;
  balance: number;
  events: { type: string; schemaVersion: number; data: JsonObject; occurredAt: string }[];
}
const fixture = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'v1-account-events.json'), 'utf8'),
) as Fixture;

const context = useTestApp('schema_evolution');
const api = accountsApi(() => context.app.baseUrl);

interface HistoryEntry {
  version: number;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
}
interface ProjectionRow {
  name: string;
  lag: { events: number; ms: number };
  status: string;
  lastError: string | null;
}

/**
 * Inserts a copy of the fixture's events straight into es_events (as an old release wrote
 * them, bypassing the store), under a fresh account id; returns that id.
 */
async function insertFixtureAccount(customerId: string): Promise<string> {
  const accountId = randomUUID();
  const events = fixture.events.map((event) => ({
    ...event,
    data: JSON.parse(
      JSON.stringify(event.data)
        .replaceAll(fixture.accountId, accountId)
        .replaceAll(fixture.customerId, customerId),
    ) as JsonObject,
  }));
  await context.database.dataSource.transaction(async (manager) => {
    for (const [index, event] of events.entries()) {
      const commandId = randomUUID();
      await manager.query(
        `INSERT INTO es_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8)`,
        [
          randomUUID(),
          `account-${accountId}`,
          index + 1,
          event.type,
          event.schemaVersion,
          JSON.stringify(event.data),
          JSON.stringify({
            commandId,
            correlationId: commandId,
            causationId: commandId,
            actor: 'fixture',
            occurredAt: event.occurredAt,
          }),
          event.occurredAt,
        ],
      );
    }
  });
  return accountId;
}

async function history(accountId: string): Promise<HistoryEntry[]> {
  const response = await api.http().get(`/accounts/${accountId}/events?limit=500`).expect(200);
  return (response.body as { items: HistoryEntry[] }).items;
}
const projection = async (name: string): Promise<ProjectionRow | undefined> =>
  (
    (await api.http().get('/admin/projections').expect(200)).body as { items: ProjectionRow[] }
  ).items.find((p) => p.name === name);
const listBalances = async (customerId: string): Promise<Record<string, number>> => {
  const response = await api.http().get('/accounts').query({ customerId }).expect(200);
  const items = (response.body as { items: { id: string; balance: number }[] }).items;
  return Object.fromEntries(items.map((item) => [item.id, item.balance]));
};
const storedSchemaVersions = async (accountId: string): Promise<number[]> =>
  (
    await context.database.dataSource.query<{ schema_version: number }[]>(
      `SELECT schema_version FROM es_events WHERE stream_id = $1 ORDER BY stream_version`,
      [`account-${accountId}`],
    )
  ).map((row) => row.schema_version);

describe('old-version events from the fixture are seen in the current shape', () => {
  it('the fixture really holds v1 deposits without a channel', () => {
    const deposits = fixture.events.filter((e) => e.type === 'MoneyDeposited');
    expect(deposits.filter((e) => e.schemaVersion === 1).length).toBeGreaterThanOrEqual(3);
    for (const e of deposits.filter((d) => d.schemaVersion === 1))
      expect(e.data).not.toHaveProperty('channel');
  });

  it('the history endpoint shows them as schema version 2 with channel "unknown"', async () => {
    const accountId = await insertFixtureAccount(await api.customer());
    const events = await history(accountId);
    expect(events.map((e) => [e.version, e.type, e.schemaVersion])).toEqual([
      [1, 'AccountOpened', 1],
      [2, 'MoneyDeposited', 2],
      [3, 'MoneyDeposited', 2],
      [4, 'MoneyWithdrawn', 1],
      [5, 'MoneyDeposited', 2],
      [6, 'MoneyDeposited', 2],
    ]);
    const channels = events.filter((e) => e.type === 'MoneyDeposited').map((e) => e.data.channel);
    expect(channels).toEqual(['unknown', 'unknown', 'unknown', 'atm']);
    expect(events[1].data).toEqual({
      accountId,
      amount: 1000,
      reference: 'salary',
      channel: 'unknown',
    });
    // The log itself is untouched: upcasting happens on read.
    expect(await storedSchemaVersions(accountId)).toEqual([1, 1, 1, 1, 1, 2]);
  });

  it('the command side decides on the balance folded from the old events', async () => {
    const accountId = await insertFixtureAccount(await api.customer());
    expect(await api.account(accountId)).toMatchObject({
      balance: fixture.balance,
      version: 6,
      status: 'OPEN',
    });
    const refused = await api.withdraw(accountId, fixture.balance + 1).expect(422);
    expect(refused.body).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    const withdrawn = await api.withdraw(accountId, fixture.balance - 75).expect(201);
    expect(withdrawn.body).toMatchObject({ balance: 75, version: 7 });
    const deposited = await api
      .deposit(accountId, 25)
      .expect(201)
      .then((r) => r.body as { balance: number; version: number });
    expect(deposited).toMatchObject({ balance: 100, version: 8 });
    // New events are written in the current version, old ones stay as they were.
    expect(await storedSchemaVersions(accountId)).toEqual([1, 1, 1, 1, 1, 2, 1, 2]);
    const last = (await history(accountId)).at(-1);
    expect(last).toMatchObject({ type: 'MoneyDeposited', schemaVersion: 2 });
    expect(last?.data.channel).toBe('online');
  });

  it('a projection rebuild reads them and arrives at the right balances', async () => {
    const customerId = await registerCustomer(api.http);
    const first = await insertFixtureAccount(customerId);
    const second = await insertFixtureAccount(customerId);
    await api.deposit(second, 5).expect(201);
    const expected = { [first]: fixture.balance, [second]: fixture.balance + 5 };
    // The live projection catches up on the old events too.
    await eventually(async () => expect(await listBalances(customerId)).toEqual(expected), 20_000);

    // Spoil the read model, so only a rebuild from the log (old events included) can mend it.
    await context.database.dataSource.query(
      `UPDATE account_summaries SET balance = 1 WHERE customer_id = $1`,
      [customerId],
    );
    expect(await listBalances(customerId)).toEqual({ [first]: 1, [second]: 1 });

    await api.http().post('/admin/projections/account-summaries/rebuild').expect(202);
    await eventually(async () => {
      expect(await projection('account-summaries')).toMatchObject({
        status: 'running',
        lag: expect.objectContaining({ events: 0 }) as unknown,
        lastError: null,
      });
    }, 30_000);
    expect(await listBalances(customerId)).toEqual(expected);
  }, 60_000);

  it('the outbox: the mapping of upcast fixture events gives the current public shape, and new deposits produce rows', async () => {
    const accountId = await insertFixtureAccount(await api.customer());
    const store = context.app.app.get<EventStore>(EVENT_STORE);
    const read = await store.readStream(`account-${accountId}`);
    expect(read.filter((e) => e.type === 'MoneyDeposited').map((e) => e.schemaVersion)).toEqual([
      2, 2, 2, 2,
    ]);
    const published = read.flatMap((event) => accountIntegrationEvents(event));
    expect(published.map((m) => m.type)).toEqual([
      AccountIntegrationEventType.opened,
      AccountIntegrationEventType.deposited,
      AccountIntegrationEventType.deposited,
      AccountIntegrationEventType.withdrawn,
      AccountIntegrationEventType.deposited,
      AccountIntegrationEventType.deposited,
    ]);
    expect(published[1]).toEqual({
      type: AccountIntegrationEventType.deposited,
      schemaVersion: 1,
      data: {
        accountId,
        amount: 1000,
        accountVersion: 2,
        occurredAt: fixture.events[1].occurredAt,
      },
    });

    // A deposit through the app after the old events: one outbox row, the public shape.
    await api.deposit(accountId, 40).expect(201);
    const rows: { stream_version: number; type: string; body: Record<string, unknown> }[] =
      await context.database.dataSource.query(
        `SELECT stream_version, type, body FROM es_outbox WHERE stream_id = $1 ORDER BY id`,
        [`account-${accountId}`],
      );
    expect(rows).toHaveLength(1); // the fixture bypassed the store: no rows for it
    expect(rows[0]).toMatchObject({
      stream_version: 7,
      type: AccountIntegrationEventType.deposited,
      body: {
        type: AccountIntegrationEventType.deposited,
        schemaVersion: 1,
        data: expect.objectContaining({ accountId, amount: 40, accountVersion: 7 }) as unknown,
      },
    });
  });
});

describe('acceptance 2: unusable account snapshots are ignored and replaced over HTTP', () => {
  interface SnapshotRow {
    stream_version: number;
    schema_version: number;
  }
  const snapshotOf = async (accountId: string): Promise<SnapshotRow | undefined> =>
    (
      await context.database.dataSource.query<SnapshotRow[]>(
        `SELECT stream_version, schema_version FROM es_snapshots WHERE stream_id = $1`,
        [`account-${accountId}`],
      )
    )[0];
  const spoil = (accountId: string, set: string): Promise<unknown> =>
    context.database.dataSource.query(`UPDATE es_snapshots SET ${set} WHERE stream_id = $1`, [
      `account-${accountId}`,
    ]);

  // The account state's current snapshot schema (it grows with AccountState).
  const current = accountSnapshots.schemaVersion;
  let accountId: string;
  let balance = 0;
  let version = 1;

  beforeAll(async () => {
    accountId = await api.open();
    for (let i = 1; i <= 100; i++) {
      await api.deposit(accountId, i).expect(201);
      balance += i;
      version++;
    }
  }, 60_000);

  it('100 events in, the account has a snapshot of the current schema', async () => {
    const snapshot = await snapshotOf(accountId);
    expect(snapshot).toEqual({ stream_version: 100, schema_version: current });
    expect(await api.account(accountId)).toMatchObject({ balance, version });
  });

  it.each([
    ['of an older state schema version', `schema_version = ${accountSnapshots.schemaVersion - 1}`],
    [
      'whose state JSON no longer fits the state',
      `state = '{"status": "OPEN", "balance": "lots"}'`,
    ],
    ['whose state JSON is not an object', `state = '"garbage"'`],
  ])(
    'a snapshot %s: reads and writes answer normally, and a fresh one replaces it',
    async (_, set) => {
      const before = await snapshotOf(accountId);
      expect(before?.schema_version).toBe(current);
      await spoil(accountId, set);
      // A state schema changes with a new build, so the next command meets the snapshot in a
      // new process: one whose command executor has no state of this account cached.
      await context.app.close();
      context.app = await startTestApp(context.database);

      expect(await api.account(accountId)).toMatchObject({ balance, version, status: 'OPEN' });
      const deposit = await api.deposit(accountId, 7).expect(201);
      balance += 7;
      version++;
      expect(deposit.body).toMatchObject({ balance, version });

      expect(await snapshotOf(accountId)).toEqual({
        stream_version: version,
        schema_version: current,
      });
      expect(version).toBeGreaterThan(before?.stream_version ?? Infinity);
      expect(await api.account(accountId)).toMatchObject({ balance, version });
    },
  );
});
