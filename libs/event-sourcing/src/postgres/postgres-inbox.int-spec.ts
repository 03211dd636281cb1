import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProjectionTransaction } from '../index';
import { PostgresInbox, purgeInbox } from './';
import { describeOnServer, openTestDatabase, TestDatabase } from '../../test/test-database';

let database: TestDatabase;

/** The consumer's side effect: one row per application, so a double application shows. */
const recordEffect =
  (consumer: string, messageId: string, delayMs = 0) =>
  async (tx: ProjectionTransaction): Promise<void> => {
    await tx.query('INSERT INTO inbox_effects (consumer, message_id) VALUES ($1, $2)', [
      consumer,
      messageId,
    ]);
    // Keeps the transaction open, so a racing delivery really waits on the inbox key.
    if (delayMs > 0) await sleep(delayMs);
  };

async function effects(messageIds: readonly string[]): Promise<[string, string][]> {
  const rows = await database.dataSource.query<{ consumer: string; message_id: string }[]>(
    `SELECT consumer, message_id FROM inbox_effects WHERE message_id = ANY($1::uuid[])
      ORDER BY consumer, message_id`,
    [messageIds],
  );
  return rows.map((row) => [row.consumer, row.message_id]);
}

const sorted = (ids: string[]): string[] => [...ids].sort();

beforeAll(async () => {
  database = await openTestDatabase('inbox');
  // No unique key on purpose: only the inbox may prevent a second application.
  await database.dataSource.query(
    'CREATE TABLE inbox_effects (consumer text NOT NULL, message_id uuid NOT NULL)',
  );
});
afterAll(() => database.close());

describe('PostgresInbox', () => {
  it('applies each message once when it is delivered twice in a row', async () => {
    const inbox = new PostgresInbox(database.dataSource, 'billing');
    const ids = Array.from({ length: 5 }, () => randomUUID());

    for (const id of ids) {
      expect(await inbox.handleOnce(id, recordEffect('billing', id))).toBe(true);
      expect(await inbox.handleOnce(id, recordEffect('billing', id))).toBe(false); // redelivery
    }

    expect(await effects(ids)).toEqual(sorted(ids).map((id) => ['billing', id]));
  });

  it('records nothing when the effect throws, so a redelivery applies it', async () => {
    const inbox = new PostgresInbox(database.dataSource, 'billing');
    const id = randomUUID();

    const failing = inbox.handleOnce(id, async (tx) => {
      await recordEffect('billing', id)(tx); // written, then rolled back with the inbox record
      throw new Error('downstream refused (injected)');
    });

    await expect(failing).rejects.toThrow('downstream refused (injected)');
    expect(await effects([id])).toEqual([]);
    const recorded = await database.dataSource.query<unknown[]>(
      'SELECT 1 FROM es_inbox WHERE message_id = $1',
      [id],
    );
    expect(recorded).toHaveLength(0);
    expect(await inbox.handleOnce(id, recordEffect('billing', id))).toBe(true);
    expect(await effects([id])).toEqual([['billing', id]]);
  });

  it('deduplicates per consumer: two consumers each apply the same message once', async () => {
    const billing = new PostgresInbox(database.dataSource, 'billing');
    const audit = new PostgresInbox(database.dataSource, 'audit');
    const id = randomUUID();

    for (let delivery = 1; delivery <= 2; delivery++) {
      await billing.handleOnce(id, recordEffect('billing', id));
      await audit.handleOnce(id, recordEffect('audit', id));
    }

    expect(await effects([id])).toEqual([
      ['audit', id],
      ['billing', id],
    ]);
  });
});

// Real overlapping transactions: the embedded database has one session and cannot race.
describeOnServer('PostgresInbox with racing deliveries', () => {
  it('applies each message once when copies are handled concurrently', async () => {
    const inbox = new PostgresInbox(database.dataSource, 'racing');
    const ids = Array.from({ length: 5 }, () => randomUUID());

    const outcomes = await Promise.all(
      ids.map((id) =>
        Promise.all([1, 2, 3].map(() => inbox.handleOnce(id, recordEffect('racing', id, 30)))),
      ),
    );

    // Exactly one copy of each ran its effect; the others waited for it, then skipped.
    for (const copies of outcomes)
      expect(sorted(copies.map(String))).toEqual(['false', 'false', 'true']);
    expect(await effects(ids)).toEqual(sorted(ids).map((id) => ['racing', id]));
  });

  it('lets a racing copy apply the message when the first one fails', async () => {
    const inbox = new PostgresInbox(database.dataSource, 'racing');
    const id = randomUUID();

    let holdsTheKey = (): void => undefined;
    const keyHeld = new Promise<void>((resolve) => (holdsTheKey = resolve));
    const first = inbox.handleOnce(id, async (tx) => {
      await recordEffect('racing', id)(tx);
      holdsTheKey(); // its inbox row is written, uncommitted: the copy will wait on it
      await sleep(50);
      throw new Error('crashed mid-effect (injected)');
    });
    const copy = keyHeld.then(() => inbox.handleOnce(id, recordEffect('racing', id)));

    await expect(first).rejects.toThrow('crashed mid-effect (injected)');
    expect(await copy).toBe(true); // the rollback freed the key: the copy applied it
    expect(await effects([id])).toEqual([['racing', id]]);
  });
});

describe('inbox retention', () => {
  it('purges records past retention in batches, for every consumer, and keeps the recent ones', async () => {
    await database.dataSource.query(
      `INSERT INTO es_inbox (consumer, message_id, handled_at)
       SELECT CASE WHEN n % 2 = 0 THEN 'retention-a' ELSE 'retention-b' END,
              'old-' || n, now() - interval '2 hours'
         FROM generate_series(1, 2500) AS n`,
    );
    const recent = new PostgresInbox(database.dataSource, 'retention-a');
    const fresh = randomUUID();
    await recent.handleOnce(fresh, () => Promise.resolve());

    expect(await purgeInbox(database.dataSource, 3_600_000, 1_000)).toBe(2_500);
    const left = await database.dataSource.query<{ message_id: string }[]>(
      `SELECT message_id FROM es_inbox WHERE consumer LIKE 'retention-%'`,
    );
    expect(left).toEqual([{ message_id: fresh }]);
    // The kept record still deduplicates.
    expect(await recent.handleOnce(fresh, () => Promise.resolve())).toBe(false);
  });
});
