import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AggregateRepository, EventUpcasters } from '@ledgerline/event-sourcing';
import { PostgresEventStore } from '@ledgerline/event-sourcing/postgres';
import { openTestDatabase, TestDatabase } from '../../test/support/test-database';
import { accountAggregate, accountSnapshots, accountUpcasters } from '../accounts';
import { rebuildSnapshots } from './snapshots.cli';

interface SnapshotRow {
  stream_id: string;
  stream_version: number;
  schema_version: number;
  state: unknown;
}

/** An account stream: opened, then `deposits` deposits of 1..n (schema version 1, old shape). */
async function seedAccount(dataSource: DataSource, deposits: number): Promise<string> {
  const id = randomUUID();
  await dataSource.query(
    `INSERT INTO es_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at)
     SELECT gen_random_uuid(), 'account-' || $1, v,
            CASE WHEN v = 1 THEN 'AccountOpened' ELSE 'MoneyDeposited' END, 1,
            CASE WHEN v = 1 THEN jsonb_build_object('accountId', $1::text, 'customerId', $1::text, 'currency', 'EUR')
                 ELSE jsonb_build_object('accountId', $1::text, 'amount', v - 1, 'reference', null) END,
            jsonb_build_object('commandId', gen_random_uuid(), 'correlationId', 'test', 'causationId', 'test',
                               'actor', 'test', 'occurredAt', '2026-11-01T10:00:00.000Z'),
            '2026-11-01T10:00:00Z'
       FROM generate_series(1, $2::int) v`,
    [id, deposits + 1],
  );
  return id;
}

describe('npm run snapshots -- rebuild account', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await openTestDatabase('snapshots-cli');
    store = new PostgresEventStore(db.dataSource, {
      upcasters: new EventUpcasters(accountUpcasters),
    });
  });
  afterAll(() => db.close());

  const snapshots = (): Promise<SnapshotRow[]> =>
    db.dataSource.query(
      `SELECT stream_id, stream_version, schema_version, state FROM es_snapshots ORDER BY stream_id`,
    );

  it('writes one snapshot per account stream, at its last version, equal to the full fold', async () => {
    const first = await seedAccount(db.dataSource, 5);
    const second = await seedAccount(db.dataSource, 150);
    // A stale snapshot in another schema version, and a stream of another aggregate type.
    await db.dataSource.query(
      `INSERT INTO es_snapshots (stream_id, stream_version, schema_version, state)
       VALUES ($1, 2, 0, '{"status":"OPEN","legacy":true}')`,
      [`account-${second}`],
    );
    await db.dataSource.query(
      `INSERT INTO es_events (event_id, stream_id, stream_version, type, data, metadata, occurred_at)
       VALUES (gen_random_uuid(), $1, 1, 'CustomerRegistered', '{}', '{}', now())`,
      [`customer-${randomUUID()}`],
    );
    const progress: [number, number][] = [];

    const result = await rebuildSnapshots(db.dataSource, 'account', (done, total) =>
      progress.push([done, total]),
    );

    expect(result).toEqual({ streams: 2, written: 2 });
    expect(progress[0]).toEqual([0, 2]);
    expect(progress[progress.length - 1]).toEqual([2, 2]);
    const plain = new AggregateRepository(store, accountAggregate);
    const expected = await Promise.all(
      [
        { id: first, deposits: 5 },
        { id: second, deposits: 150 },
      ].map(async ({ id, deposits }) => {
        const full = await plain.load(`account-${id}`);
        // The fold by hand too: deposits of 1..n.
        expect(full.state).toMatchObject({
          status: 'OPEN',
          balance: (deposits * (deposits + 1)) / 2,
        });
        return {
          stream_id: `account-${id}`,
          stream_version: deposits + 1,
          schema_version: accountSnapshots.schemaVersion,
          state: accountSnapshots.toJson(full.state),
        };
      }),
    );
    expect(accountSnapshots.schemaVersion).toBe(3); // overdraftLimit, then holds, joined the state
    expect(await snapshots()).toEqual(
      expected.sort((a, b) => a.stream_id.localeCompare(b.stream_id)),
    );

    // The command side now starts from them: no event left to fold, nothing ignored.
    const snapshotted = new AggregateRepository(store, accountAggregate, accountSnapshots);
    const loaded = await snapshotted.load(`account-${second}`);
    expect(loaded).toMatchObject({ version: 151, snapshotVersion: 151, events: [] });
    expect(loaded.state).toEqual((await plain.load(`account-${second}`)).state);
    expect(snapshotted.snapshotsIgnored).toBe(0);
  });

  it('runs again over its own snapshots (the same rows)', async () => {
    const before = await snapshots();
    expect(await rebuildSnapshots(db.dataSource, 'account')).toEqual({ streams: 2, written: 2 });
    expect(await snapshots()).toEqual(before);
  });

  it('refuses an aggregate type it does not know', async () => {
    await expect(rebuildSnapshots(db.dataSource, 'customer')).rejects.toThrow(RangeError);
    await expect(rebuildSnapshots(db.dataSource, 'toString')).rejects.toThrow(RangeError);
  });
});
