import { httpApi } from './support/api';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { accountsApi, registerCustomer } from './support/accounts-api';
import { AppProcess, startAppProcess } from './support/app-process';
import { eventually } from './support/eventually';
import { logSettled } from './support/settled-log';
import { expectedAccountReadModels, liveAccountReadModels } from './support/readside-expected-rows';
import { startTestApp, TestApp } from './support/test-app';
import {
  describeOnServer,
  openSession,
  openTestDatabase,
  TestDatabase,
} from './support/test-database';

interface ProjectionRow {
  name: string;
  position: string;
  status: string;
  lag: { events: number };
  rebuild: { claimedBy: string; startedAt: string; position: string } | null;
}

const projection = async (baseUrl: string, name: string): Promise<ProjectionRow> => {
  const rows = (
    (await httpApi(baseUrl).get('/admin/projections').expect(200)).body as {
      items: ProjectionRow[];
    }
  ).items;
  const row = rows.find((p) => p.name === name);
  if (!row) throw new Error(`GET /admin/projections has no ${name}`);
  return row;
};

const rebuild = (baseUrl: string, name: string) =>
  httpApi(baseUrl).post(`/admin/projections/${name}/rebuild`);

/**
 * Waits until the projection is idle (not rebuilding, caught up) as `baseUrl` sees it. Lag is
 * counted against the gap-safe head, which another test file's open transaction can hold
 * back, so every commit made so far is first let through (logSettled): "lag 0" then means
 * everything written, not only what was readable at that moment.
 */
const settled = async (baseUrl: string, name: string, database: TestDatabase) => {
  await logSettled(database.dataSource);
  await eventually(async () => {
    expect(await projection(baseUrl, name)).toMatchObject({
      status: 'running',
      rebuild: null,
      lag: { events: 0 },
    });
  }, 30_000);
};

interface SwitchOverHold {
  /** The session holding the lock (its transaction is open). */
  readonly client: Client;
  /** How many sessions wait on the lock now (the rebuild's switch-over, once it got there). */
  waiters(): Promise<number>;
  release(): Promise<void>;
}

/**
 * Holds a rebuild at its switch-over: the switch-over locks the live checkpoint row, so while
 * this session holds that lock the rebuild stays claimed and running, however fast it
 * replays. Deterministic, with no timing; release within the app's 15 s statement timeout.
 */
async function holdSwitchOver(database: TestDatabase, name: string): Promise<SwitchOverHold> {
  const client = await openSession(database);
  await client.query('BEGIN');
  await client.query('SELECT name FROM es_projections WHERE name = $1 FOR UPDATE', [name]);
  let released = false;
  return {
    client,
    async waiters() {
      const { rows } = await client.query<{ waiting: number }>(
        'SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))',
      );
      return rows[0].waiting;
    },
    async release() {
      if (released) return;
      released = true;
      await client.query('COMMIT').catch(() => undefined);
      await client.end();
    },
  };
}

/** Some accounts with money moved, through the API, so the read models have rows. */
async function someActivity(baseUrl: string): Promise<string> {
  const api = accountsApi(baseUrl);
  const customerId = await registerCustomer(api.http);
  let position = '';
  for (let i = 0; i < 3; i++) {
    const id = await api.open('EUR', customerId);
    await api.deposit(id, 100 + i).expect(201);
    position = ((await api.withdraw(id, 7).expect(201)).body as { position: string }).position;
  }
  return position;
}

const CLI = join(__dirname, '..', 'dist', 'src', 'cli', 'projections.cli.js');

function runCli(database: TestDatabase, ...args: string[]) {
  return promisify(execFile)(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: database.url,
      DATABASE_SCHEMA: database.schema,
      // The apps' master key: the CLI opens the same personal-data keys.
      PII_MASTER_KEY_FILE: process.env.PII_MASTER_KEY_FILE,
    },
  });
}

describe('rebuild guard: a claim in the database, seen by every process', () => {
  let database: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    database = await openTestDatabase('readside_rebuild_guard');
    app = await startTestApp(database);
    await someActivity(app.baseUrl);
    await settled(app.baseUrl, 'daily-totals', database);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('a claim left by a crashed rebuilder blocks (409, shown as rebuilding) until its lease runs out, then is taken over', async () => {
    const { dataSource } = database;
    // What a rebuilder that died mid-way leaves behind: its claim and its shadow checkpoint.
    const crashed = randomUUID();
    await dataSource.query(
      `INSERT INTO projection_rebuilds (name, claim, claimed_by, lease_until, position, head)
       VALUES ('daily-totals', $1, 'crashed-host:4242', now() + interval '30 seconds', 3, 9)`,
      [crashed],
    );
    await dataSource.query(`INSERT INTO es_projections (name, global_position) VALUES ($1, 3)`, [
      `daily-totals::rebuild:${crashed}`,
    ]);

    expect(await projection(app.baseUrl, 'daily-totals')).toMatchObject({
      status: 'rebuilding',
      rebuild: { claimedBy: 'crashed-host:4242', position: '3', headPosition: '9' },
    });
    const refused = await rebuild(app.baseUrl, 'daily-totals').expect(409);
    expect(refused.body).toMatchObject({ code: 'REBUILD_IN_PROGRESS' });
    // The guard is per projection: the other one rebuilds meanwhile.
    await rebuild(app.baseUrl, 'account-summaries').expect(202);
    await settled(app.baseUrl, 'account-summaries', database);

    // The lease runs out (as 30 s without a renewal would make it): no longer rebuilding,
    // and the next rebuild takes the claim over and completes.
    await dataSource.query(
      `UPDATE projection_rebuilds SET lease_until = now() - interval '1 second' WHERE name = 'daily-totals'`,
    );
    // Running again: beforeAll settled it on a settled log, and nothing has been written since.
    const expired = await projection(app.baseUrl, 'daily-totals');
    expect(expired.status).toBe('running');
    expect(expired.rebuild).toBeNull();
    await rebuild(app.baseUrl, 'daily-totals').expect(202);
    await settled(app.baseUrl, 'daily-totals', database);

    // The claim ended with the switch-over, and the crashed one's leftovers are gone.
    expect(await dataSource.query('SELECT name FROM projection_rebuilds')).toEqual([]);
    expect(
      await dataSource.query(`SELECT name FROM es_projections WHERE name LIKE '%::rebuild%'`),
    ).toEqual([]);
    expect(await liveAccountReadModels(dataSource)).toEqual(
      await expectedAccountReadModels(dataSource),
    );
  }, 60_000);
});

describeOnServer('rebuild guard across instances and processes', () => {
  let database: TestDatabase;
  const apps: TestApp[] = [];
  const processes: AppProcess[] = [];
  const holds: SwitchOverHold[] = [];

  beforeEach(async () => {
    database = await openTestDatabase('readside_rebuild_guard_multi');
  });
  afterEach(async () => {
    await Promise.all(holds.splice(0).map((hold) => hold.release()));
    await Promise.all(processes.splice(0).map((instance) => instance.stop()));
    await Promise.all(apps.splice(0).map((instance) => instance.close()));
    await database.close();
  });

  it('two instances: a rebuild started on one shows as rebuilding on both, and a second one on either is 409', async () => {
    const a = await startTestApp(database);
    const b = await startTestApp(database);
    apps.push(a, b);
    await someActivity(a.baseUrl);
    await settled(b.baseUrl, 'account-summaries', database);

    const hold = await holdSwitchOver(database, 'account-summaries');
    holds.push(hold);
    await rebuild(a.baseUrl, 'account-summaries').expect(202);

    // Every instance reads the status from the database, not from its own memory.
    const onA = await projection(a.baseUrl, 'account-summaries');
    const onB = await projection(b.baseUrl, 'account-summaries');
    expect(onA).toMatchObject({ status: 'rebuilding' });
    expect(onB).toMatchObject({
      status: 'rebuilding',
      rebuild: { claimedBy: onA.rebuild?.claimedBy, startedAt: onA.rebuild?.startedAt },
    });
    expect(onB.rebuild?.claimedBy).toMatch(new RegExp(`:${process.pid}$`));

    // A second rebuild anywhere is refused, so nobody shares the shadow tables.
    for (const instance of [b, a]) {
      const refused = await rebuild(instance.baseUrl, 'account-summaries').expect(409);
      expect(refused.body).toMatchObject({ code: 'REBUILD_IN_PROGRESS' });
    }
    expect(
      await database.dataSource.query(
        `SELECT count(*)::int AS claims FROM projection_rebuilds WHERE name = 'account-summaries'`,
      ),
    ).toEqual([{ claims: 1 }]);

    await hold.release();
    await settled(b.baseUrl, 'account-summaries', database);
    await settled(a.baseUrl, 'account-summaries', database);
    // The comparison covers every read model: daily-totals must have caught up too.
    await settled(a.baseUrl, 'daily-totals', database);
    expect(await liveAccountReadModels(database.dataSource)).toEqual(
      await expectedAccountReadModels(database.dataSource),
    );
  }, 60_000);

  it('a CLI rebuild shows as rebuilding in the app, and the app and a second CLI are refused meanwhile', async () => {
    const app = await startTestApp(database);
    apps.push(app);
    await someActivity(app.baseUrl);
    await settled(app.baseUrl, 'daily-totals', database);

    const hold = await holdSwitchOver(database, 'daily-totals');
    holds.push(hold);
    const cli = runCli(database, 'rebuild', 'daily-totals');
    await eventually(async () => {
      const row = await projection(app.baseUrl, 'daily-totals');
      expect(row.status).toBe('rebuilding');
      // Claimed by the CLI's process, not by this one.
      expect(row.rebuild?.claimedBy).not.toMatch(new RegExp(`:${process.pid}$`));
    }, 20_000);

    const refused = await rebuild(app.baseUrl, 'daily-totals').expect(409);
    expect(refused.body).toMatchObject({ code: 'REBUILD_IN_PROGRESS' });
    await expect(runCli(database, 'rebuild', 'daily-totals')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('daily-totals is already being rebuilt'),
    });

    await hold.release();
    const { stdout } = await cli;
    expect(stdout).toContain('daily-totals rebuilt and switched over');
    await settled(app.baseUrl, 'daily-totals', database);
    await settled(app.baseUrl, 'account-summaries', database);
    expect(await liveAccountReadModels(database.dataSource)).toEqual(
      await expectedAccountReadModels(database.dataSource),
    );
  }, 90_000);

  it('kill -9 of the instance that rebuilds: its claim blocks the others only until its lease runs out', async () => {
    const doomed = await startAppProcess(database);
    processes.push(doomed);
    const survivor = await startTestApp(database);
    apps.push(survivor);
    const position = await someActivity(survivor.baseUrl);
    await settled(survivor.baseUrl, 'account-summaries', database);

    const hold = await holdSwitchOver(database, 'account-summaries');
    holds.push(hold);
    await rebuild(doomed.baseUrl, 'account-summaries').expect(202);
    expect((await projection(survivor.baseUrl, 'account-summaries')).rebuild?.claimedBy).toMatch(
      new RegExp(`:${doomed.child.pid}$`),
    );
    await doomed.kill();
    await hold.release();

    // Dead, but its lease has not run out yet: still refused, still shown.
    expect((await projection(survivor.baseUrl, 'account-summaries')).status).toBe('rebuilding');
    await rebuild(survivor.baseUrl, 'account-summaries').expect(409);
    // Reads go on from the complete old tables meanwhile.
    await httpApi(survivor.baseUrl).get('/accounts').set('X-Min-Position', position).expect(200);

    // Its lease runs out (no renewal for 30 s): the survivor takes the rebuild over.
    await database.dataSource.query(
      `UPDATE projection_rebuilds SET lease_until = now() - interval '1 second'`,
    );
    await rebuild(survivor.baseUrl, 'account-summaries').expect(202);
    await settled(survivor.baseUrl, 'account-summaries', database);
    // daily-totals' lease died with the killed instance too: the survivor takes it over within
    // a couple of seconds and catches up, so compare once every read model has.
    await settled(survivor.baseUrl, 'daily-totals', database);
    await eventually(async () => {
      expect(await liveAccountReadModels(database.dataSource)).toEqual(
        await expectedAccountReadModels(database.dataSource),
      );
    }, 30_000);
  }, 90_000);

  it('switch-over after the live runner got ahead of the shadow: the gap is applied, the live checkpoint never goes back', async () => {
    // No runner in this instance: the test plays the live runner, so the order is exact.
    const app = await startTestApp(database, { PROJECTIONS: 'off' });
    apps.push(app);
    await someActivity(app.baseUrl);
    await database.dataSource.query(
      `INSERT INTO es_projections (name) VALUES ('account-summaries') ON CONFLICT DO NOTHING`,
    );

    const hold = await holdSwitchOver(database, 'account-summaries');
    holds.push(hold);
    await rebuild(app.baseUrl, 'account-summaries').expect(202);
    // The rebuild has replayed everything and waits at its switch-over.
    await eventually(async () => expect(await hold.waiters()).toBe(1), 20_000);

    // Meanwhile more is written, and the live runner has processed it: its checkpoint is
    // past the shadow's.
    const api = accountsApi(app.baseUrl);
    const late = await api.open('CHF', await registerCustomer(api.http));
    await api.deposit(late, 4_200).expect(201);
    await api.withdraw(late, 200).expect(201);
    await hold.client.query(
      `UPDATE es_projections p SET transaction_id = t.transaction_id, global_position = t.global_position
         FROM (SELECT transaction_id, global_position FROM es_events
                ORDER BY transaction_id DESC, global_position DESC LIMIT 1) t
        WHERE p.name = 'account-summaries'`,
    );
    await hold.release();

    await settled(app.baseUrl, 'account-summaries', database);
    const live = await liveAccountReadModels(database.dataSource);
    const expected = await expectedAccountReadModels(database.dataSource);
    expect(live.accountSummaries).toEqual(expected.accountSummaries);
    expect(live.accountSummaries).toContainEqual(
      expect.objectContaining({ account_id: late, balance: '4000', version: 3 }),
    );
  }, 60_000);
});
