import { httpApi } from './support/api';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_PROJECTION_RUNNER_OPTIONS } from '@ledgerline/event-sourcing';
import { registerCustomer } from './support/accounts-api';
import { AppProcess, startAppProcess } from './support/app-process';
import { eventually } from './support/eventually';
import { expectedAccountReadModels, liveAccountReadModels } from './support/readside-expected-rows';
import { seedAccountBacklog } from './support/seed-backlog';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';

interface ProjectionRow {
  name: string;
  position: string;
  headPosition: string;
  lag: { events: number };
  status: string;
  leaseHeldHere: boolean;
  batchesAppliedHere: number;
}

const projections = async (instance: AppProcess): Promise<ProjectionRow[]> =>
  (
    (await httpApi(instance.baseUrl).get('/admin/projections').expect(200)).body as {
      items: ProjectionRow[];
    }
  ).items;

/**
 * Idle with lag 0 and, when `database` is given, past the last committed event. Lag alone can
 * read 0 too early: another test file's open transaction holds back the gap-safe horizon
 * (transaction ids are cluster-wide), hiding a just-committed backlog from lag and runner.
 */
const caughtUp = async (instance: AppProcess, database?: TestDatabase): Promise<void> => {
  const [last] = database
    ? await database.dataSource.query<{ position: string }[]>(
        `SELECT global_position::text AS position FROM es_events
          ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
      )
    : [];
  for (const row of await projections(instance)) {
    expect(row).toMatchObject({ lag: { events: 0 }, status: 'running' });
    if (last) expect(row.position).toBe(last.position);
  }
};

/** 1 000 accounts x 50 events (an opening and 49 deposits of 2..50). */
const seedBacklog = (database: TestDatabase, customerId: string): Promise<void> =>
  seedAccountBacklog(database.dataSource, { customerId, accounts: 1_000, eventsPerAccount: 50 });

/** The read models equal the book of record, computed from es_events by SQL. */
const matchesTheLog = async (database: TestDatabase): Promise<void> => {
  expect(await liveAccountReadModels(database.dataSource)).toEqual(
    await expectedAccountReadModels(database.dataSource),
  );
};

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
    await eventually(() => caughtUp(second, database), 60_000);
    await matchesTheLog(database);
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
      expect([...held.keys()]).toEqual(
        expect.arrayContaining(['account-summaries', 'daily-totals']),
      );
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
    const customerId = await registerCustomer(() => httpApi(survivor.baseUrl));
    const opened = await httpApi(survivor.baseUrl)
      .post('/accounts')
      .send({ customerId, currency: 'EUR' })
      .expect(201);
    await httpApi(survivor.baseUrl)
      .get('/accounts')
      .set('X-Min-Position', (opened.body as { position: string }).position)
      .expect(200);
  }, 60_000);

  it('a backlog with two instances running: only the lease holder applies batches, each one exactly once', async () => {
    const a = await startAppProcess(database);
    const b = await startAppProcess(database);
    running.push(a, b);
    await eventually(async () => {
      for (const instance of [a, b]) await caughtUp(instance);
    }, 15_000);

    // The backlog arrives while both instances run and both are woken for it (NOTIFY).
    const accounts = 200;
    const eventsPerAccount = 50;
    await seedAccountBacklog(database.dataSource, {
      customerId: randomUUID(),
      accounts,
      eventsPerAccount,
    });
    await eventually(async () => {
      for (const instance of [a, b]) await caughtUp(instance, database);
    }, 60_000);

    // One transaction wrote the backlog, so the runner reads it in full batches.
    const batches = (accounts * eventsPerAccount) / DEFAULT_PROJECTION_RUNNER_OPTIONS.batchSize;
    const views = await Promise.all([a, b].map((instance) => projections(instance)));
    for (const name of ['account-summaries', 'daily-totals']) {
      const [onA, onB] = views.map((rows) => rows.find((row) => row.name === name)!);
      // Exactly one holds the lease, and that one applied every batch; the other applied none
      // and moved no checkpoint, although it ran and was woken by the same commits.
      expect([onA.leaseHeldHere, onB.leaseHeldHere].sort()).toEqual([false, true]);
      const [holder, other] = onA.leaseHeldHere ? [onA, onB] : [onB, onA];
      expect(other.batchesAppliedHere).toBe(0);
      expect(holder.batchesAppliedHere).toBe(batches);
    }
    await matchesTheLog(database);
  }, 120_000);

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
          PII_MASTER_KEY_FILE: process.env.PII_MASTER_KEY_FILE,
        },
      },
    );
    expect(stdout).toContain('account-summaries rebuilt and switched over');
    // No app instance ran: the rows are the rebuild's alone.
    const live = await liveAccountReadModels(database.dataSource);
    const expected = await expectedAccountReadModels(database.dataSource);
    expect(live.accountSummaries).toHaveLength(1_000);
    expect(live.accountSummaries).toEqual(expected.accountSummaries);
  }, 60_000);
});
