import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { AppProcess, startAppProcess } from './support/app-process';
import { eventually } from './support/eventually';
import { seedAccountBacklog } from './support/seed-backlog';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';

interface ProjectionRow {
  name: string;
  position: string;
  headPosition: string;
  lag: { events: number };
  status: string;
  leaseHeldHere: boolean;
}

const projections = async (instance: AppProcess): Promise<ProjectionRow[]> =>
  (await request(instance.baseUrl).get('/admin/projections').expect(200)).body as ProjectionRow[];

const caughtUp = async (instance: AppProcess): Promise<void> => {
  for (const row of await projections(instance))
    expect(row).toMatchObject({ lag: { events: 0 }, status: 'running' });
};

/** 1 000 accounts x 50 events (an opening and 49 deposits of 2..50). */
const seedBacklog = (database: TestDatabase, customerId: string): Promise<void> =>
  seedAccountBacklog(database.dataSource, { customerId, accounts: 1_000, eventsPerAccount: 50 });

/** The read models as they must be: computed straight from the book of record. */
const ORACLE_SUMMARIES = `
SELECT (data->>'accountId')::uuid AS account_id,
       sum(CASE type WHEN 'MoneyDeposited' THEN (data->>'amount')::bigint ELSE 0 END)::text AS balance,
       max(stream_version) AS version
  FROM es_events GROUP BY 1 ORDER BY 1`;
const LIVE_SUMMARIES = `SELECT account_id, balance::text AS balance, version FROM account_summaries ORDER BY 1`;
const ORACLE_TOTALS = `
SELECT occurred_at::date AS day, 'EUR' AS currency, sum((data->>'amount')::bigint)::text AS amount, count(*)::int AS count
  FROM es_events WHERE type = 'MoneyDeposited' GROUP BY 1 ORDER BY 1`;
const LIVE_TOTALS = `
SELECT day, currency, deposits_amount::text AS amount, deposits_count AS count FROM daily_totals ORDER BY 1`;

describeOnServer('projections survive kill -9 and move between instances', () => {
  let database: TestDatabase;
  const running: AppProcess[] = [];

  beforeEach(async () => {
    database = await openTestDatabase('projection_faults');
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((instance) => instance.stop()));
    await database.close();
  });

  it('kill -9 while catching up over 50 000 events, restart: rows equal the book of record', async () => {
    await seedBacklog(database, randomUUID());
    const first = await startAppProcess(database);
    running.push(first);

    // Kill it mid-catch-up: some batches committed, others not.
    await eventually(async () => {
      const summaries = (await projections(first)).find((row) => row.name === 'account-summaries')!;
      expect(BigInt(summaries.position)).toBeGreaterThan(0n);
    }, 30_000);
    const atKill = (await projections(first)).find((row) => row.name === 'account-summaries')!;
    await first.kill();
    expect(BigInt(atKill.position)).toBeLessThan(50_000n);

    const second = await startAppProcess(database);
    running.push(second);
    await eventually(() => caughtUp(second), 60_000);
    expect(await database.dataSource.query(LIVE_SUMMARIES)).toEqual(
      await database.dataSource.query(ORACLE_SUMMARIES),
    );
    expect(await database.dataSource.query(LIVE_TOTALS)).toEqual(
      await database.dataSource.query(ORACLE_TOTALS),
    );
  }, 120_000);

  it('two instances: each projection runs in exactly one; kill -9 that one and the other takes over', async () => {
    const a = await startAppProcess(database);
    const b = await startAppProcess(database);
    running.push(a, b);

    const holders = async (): Promise<Map<string, AppProcess[]>> => {
      const result = new Map<string, AppProcess[]>();
      for (const instance of [a, b].filter(
        (i) => i.child.exitCode === null && i.child.signalCode === null,
      )) {
        for (const row of await projections(instance)) {
          if (row.leaseHeldHere) result.set(row.name, [...(result.get(row.name) ?? []), instance]);
        }
      }
      return result;
    };
    await eventually(async () => {
      const held = await holders();
      expect([...held.keys()].sort()).toEqual(['account-summaries', 'daily-totals']);
      for (const owners of held.values()) expect(owners).toHaveLength(1);
    }, 15_000);

    const victim = (await holders()).get('account-summaries')![0];
    const survivor = victim === a ? b : a;
    await victim.kill();
    const killedAt = Date.now();
    await eventually(async () => {
      const held = await holders();
      expect(held.get('account-summaries')).toEqual([survivor]);
      expect(held.get('daily-totals')).toEqual([survivor]);
    }, 15_000);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(10_000);

    // And it really processes: a write through the survivor is readable through its read model.
    const opened = await request(survivor.baseUrl)
      .post('/accounts')
      .send({ customerId: randomUUID(), currency: 'EUR' })
      .expect(201);
    await request(survivor.baseUrl)
      .get('/accounts')
      .set('X-Min-Position', (opened.body as { position: string }).position)
      .expect(200);
  }, 60_000);

  it('the CLI rebuilds a projection from position 0 and the rows equal the book of record', async () => {
    await seedBacklog(database, randomUUID());
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(__dirname, '..', 'dist', 'src', 'cli', 'projections.cli.js'),
        'rebuild',
        'account-summaries',
      ],
      {
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: database.url,
          DATABASE_SCHEMA: database.schema,
        },
      },
    );
    expect(stdout).toContain('account-summaries rebuilt and switched over');
    expect(await database.dataSource.query(LIVE_SUMMARIES)).toEqual(
      await database.dataSource.query(ORACLE_SUMMARIES),
    );
  }, 60_000);
});
