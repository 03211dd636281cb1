import { setTimeout as sleep } from 'node:timers/promises';
import { accountsApi } from './support/accounts-api';
import { AppProcess, startAppProcess } from './support/app-process';
import { eventually } from './support/eventually';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';

let database: TestDatabase;
const running: AppProcess[] = [];

beforeAll(async () => {
  database = await openTestDatabase('holds_crash');
});
afterAll(async () => {
  await Promise.all(running.map((app) => app.stop()));
  await database?.close();
});

async function start(): Promise<AppProcess> {
  const app = await startAppProcess(database);
  running.push(app);
  return app;
}

async function kill(app: AppProcess): Promise<void> {
  await app.kill();
  running.splice(running.indexOf(app), 1);
}

/** HoldExpired events per hold of the account. */
async function expiriesOf(accountId: string): Promise<Map<string, number>> {
  const rows = await database.dataSource.query<{ hold_id: string; expiries: number }[]>(
    `SELECT data->>'holdId' AS hold_id, count(*)::int AS expiries FROM es_events
      WHERE stream_id = $1 AND type = 'HoldExpired' GROUP BY 1`,
    [`account-${accountId}`],
  );
  return new Map(rows.map((row) => [row.hold_id, row.expiries]));
}

const HOLDS = 20;

describeOnServer('hold expiry across kill -9', () => {
  it('holds that expire while the app is down, and while a restarted one is killed mid-way, each expire exactly once', async () => {
    const first = await start();
    const api = accountsApi(() => first.baseUrl);
    const id = await api.open();
    await api.deposit(id, 100_000).expect(201);
    const expiresAt = new Date(Date.now() + 3_000).toISOString();
    const holdIds = await Promise.all(
      Array.from({ length: HOLDS }, async () => {
        const placed = await api.placeHold(id, { amount: 1_000, expiresAt }).expect(201);
        return (placed.body as { id: string }).id;
      }),
    );
    // The deadlines are stored with the process state, after the commit: wait for them, then
    // crash with none of them due yet.
    await eventually(async () => {
      const [{ pending }] = await database.dataSource.query<{ pending: number }[]>(
        `SELECT count(*)::int AS pending FROM es_process_deadlines
          WHERE manager = 'hold-expiry' AND status = 'pending'`,
      );
      expect(pending).toBe(HOLDS);
    }, 30_000);
    await kill(first);
    expect(await expiriesOf(id)).toEqual(new Map());

    await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 500);
    // Two instances come up together, then one dies as soon as the firing has begun.
    const [second, third] = await Promise.all([start(), start()]);
    await eventually(async () => {
      expect((await expiriesOf(id)).size).toBeGreaterThan(0);
    }, 30_000);
    await kill(second);
    const fourth = await start();

    const reader = accountsApi(() => third.baseUrl);
    await eventually(async () => {
      expect((await expiriesOf(id)).size).toBe(HOLDS);
    }, 60_000);
    // Let any second firing or resend land before counting.
    await sleep(1_000);
    const expiries = await expiriesOf(id);
    expect([...expiries.keys()].sort()).toEqual([...holdIds].sort());
    expect([...expiries.values()].every((count) => count === 1)).toBe(true);
    expect(await reader.account(id)).toMatchObject({
      ledgerBalance: 100_000,
      heldAmount: 0,
      availableBalance: 100_000,
    });
    for (const holdId of holdIds) {
      const hold = await accountsApi(() => fourth.baseUrl)
        .http()
        .get(`/accounts/${id}/holds/${holdId}`)
        .expect(200);
      expect(hold.body).toMatchObject({ status: 'EXPIRED' });
    }
  });
});
