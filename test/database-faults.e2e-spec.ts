import { httpApi } from './support/api';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { accountsApi } from './support/accounts-api';
import { AppProcess, startAppProcess } from './support/app-process';
import { eventually } from './support/eventually';
import { TcpProxy } from './support/tcp-proxy';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';
import {
  blockCreditsTo,
  deadlinesOf,
  makeDeadlinesDue,
  transfersApi,
} from './support/transfers-api';

/**
 * Faults of the database under a running app process: every session of the app terminated
 * (pool, LISTEN/lease coordinator, liveness lock, commit notifier), the database unreachable (a proxy that
 * resets and refuses), and a lock held past lock_timeout. The same process must answer
 * 503 + Retry-After while it lasts and then resume everything by itself.
 */
describeOnServer('database faults under a running app', () => {
  let database: TestDatabase;
  let app: AppProcess | undefined;
  const appName = `llfault${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    database = await openTestDatabase('database_faults');
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });
  afterAll(async () => {
    await database.close();
  });

  /** Terminates every session of this test's app; @returns the application names hit. */
  async function terminateAppSessions(): Promise<string[]> {
    const rows = await database.dataSource.query<{ application_name: string }[]>(
      `SELECT application_name, pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name LIKE $1 AND pid <> pg_backend_pid()`,
      [`${appName}%`],
    );
    return rows.map((row) => row.application_name);
  }

  /** Deposits with an Idempotency-Key, retried with that key until the outcome is definite. */
  async function depositSurely(baseUrl: string, accountId: string, amount: number): Promise<void> {
    const key = randomUUID();
    for (let attempt = 0; ; attempt++) {
      const response = await httpApi(baseUrl)
        .post(`/accounts/${accountId}/deposits`)
        .set('Idempotency-Key', key)
        .send({ amount })
        .ok(() => true);
      if (response.status === 201) return;
      expect([503, 409]).toContain(response.status);
      // A COMMIT cut off has an unknown outcome and no Retry-After; this client may retry
      // anyway, because it sends the same Idempotency-Key. Everything else says when to retry.
      if ((response.body as { code?: string }).code !== 'COMMIT_OUTCOME_UNKNOWN')
        expect(response.headers['retry-after']).toBeDefined();
      if (attempt > 200) throw new Error(`deposit never went through: ${response.status}`);
      await sleep(50);
    }
  }

  it('survives every session of the app being terminated, then writes, reads, projects, relays and fires deadlines', async () => {
    app = await startAppProcess(database, {
      DATABASE_APPLICATION_NAME: appName,
      TRANSFER_CREDIT_TIMEOUT_MS: '600000',
    });
    const baseUrl = app.baseUrl;
    const api = accountsApi(baseUrl);
    const transfers = transfersApi(baseUrl);
    const customerId = await api.customer();
    const account = await api.open('EUR', customerId);
    const blocked = await api.open('EUR', customerId);
    await api.deposit(account, 1_000).expect(201);
    const credits = await blockCreditsTo(database.dataSource, database.schema, blocked);
    const transfer = await transfers.start(account, blocked, 300);
    await eventually(async () =>
      expect(await deadlinesOf(database.dataSource, transfer.id)).toHaveLength(1),
    );

    // Eight clients deposit while every session is cut three times.
    let stop = false;
    let deposited = 0;
    const clients = Array.from({ length: 8 }, async () => {
      while (!stop) {
        await depositSurely(baseUrl, account, 1);
        deposited++;
      }
    });
    const hit = new Set<string>();
    for (let round = 0; round < 3; round++) {
      await sleep(300);
      (await terminateAppSessions()).forEach((name) => hit.add(name));
    }
    await sleep(300);
    stop = true;
    await Promise.all(clients);
    expect([...hit].sort()).toEqual(
      expect.arrayContaining([
        appName,
        `${appName}-coordinator`,
        `${appName}-instance`,
        `${appName}-notifier`,
      ]),
    );
    expect(app.child.exitCode).toBeNull();

    // Writes and folded reads.
    const after = await api.deposit(account, 5).expect(201);
    expect(await api.account(account)).toMatchObject({ balance: 1_000 - 300 + deposited + 5 });
    // Projections: the read model reaches the write above.
    const listed = await httpApi(baseUrl)
      .get(`/accounts?customerId=${customerId}`)
      .set('X-Min-Position', (after.body as { position: string }).position)
      .expect(200);
    const { items } = listed.body as { items: { id: string; balance: number }[] };
    const summary = items.find((item) => item.id === account);
    expect(summary?.balance).toBe(1_000 - 300 + deposited + 5);
    // The relay: a withdrawal after the fault reaches the in-process consumer. A relay round
    // cut off between its claim and its settlement leaves its rows claimed until the claim
    // runs out (30 s), and later messages of the account wait behind them: allow for that.
    await api.withdraw(account, 7).expect(201);
    await eventually(async () => {
      const notices = await httpApi(baseUrl).get(`/notifications?accountId=${account}`).expect(200);
      expect(notices.body).toEqual({
        items: [expect.objectContaining({ amount: 7 })],
        nextCursor: null,
      });
      const outbox = await httpApi(baseUrl).get('/admin/outbox').expect(200);
      expect(outbox.body).toMatchObject({ pending: 0 });
    }, 45_000);
    // Deadlines: the blocked credit's deadline fires and the source is refunded.
    await makeDeadlinesDue(database.dataSource, transfer.id);
    await eventually(async () =>
      expect(await transfers.get(transfer.id)).toMatchObject({ status: 'COMPENSATED' }),
    );
    await credits.release();
    // The dedicated sessions are back.
    await eventually(async () => {
      const names = await database.dataSource.query<{ application_name: string }[]>(
        `SELECT application_name FROM pg_stat_activity WHERE application_name LIKE $1`,
        [`${appName}-%`],
      );
      expect(names.map((row) => row.application_name).sort()).toEqual([
        `${appName}-coordinator`,
        `${appName}-instance`,
        `${appName}-notifier`,
      ]);
    });
    expect(app.child.exitCode).toBeNull();
  }, 120_000);

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After while the database is unreachable, and writes again once it is back', async () => {
    const target = new URL(database.url);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    try {
      app = await startAppProcess({ ...database, url: proxy.url(database.url) });
      const api = accountsApi(app.baseUrl);
      const account = await api.open();
      await api.deposit(account, 10).expect(201);

      await proxy.cut();
      const answers = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const started = Date.now();
          const response = await api.deposit(account, 1).ok(() => true);
          return { response, ms: Date.now() - started };
        }),
      );
      for (const { response, ms } of answers) {
        expect(response.status).toBe(503);
        expect(response.type).toBe('application/problem+json');
        expect(response.body).toMatchObject({ code: 'DATABASE_UNAVAILABLE', status: 503 });
        expect(response.headers['retry-after']).toBe('1');
        expect(JSON.stringify(response.body)).not.toMatch(/ECONN|127\.0\.0\.1|SELECT|INSERT/);
        // Fails fast: no answer waits for a timeout (the connect timeout is 5 s).
        expect(ms).toBeLessThan(4_000);
      }
      await httpApi(app.baseUrl).get('/health/ready').expect(503);
      await httpApi(app.baseUrl).get('/health/live').expect(200);

      await proxy.restore();
      await eventually(() =>
        api
          .deposit(account, 1)
          .expect(201)
          .then(() => undefined),
      );
      await httpApi(app.baseUrl).get('/health/ready').expect(200);
      expect(await api.account(account)).toMatchObject({ balance: 11 });
      expect(app.child.exitCode).toBeNull();
    } finally {
      await proxy.stop();
    }
  });

  it('an instance started while the database is unreachable waits for it instead of exiting', async () => {
    const target = new URL(database.url);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    await proxy.cut();
    try {
      const starting = startAppProcess({ ...database, url: proxy.url(database.url) });
      await sleep(1_500);
      await proxy.restore();
      app = await starting;
      const api = accountsApi(app.baseUrl);
      const account = await api.open();
      await api.deposit(account, 3).expect(201);
      expect(app.child.exitCode).toBeNull();
    } finally {
      await proxy.stop();
    }
  });

  it('a lock held past lock_timeout answers 503 DATABASE_TIMEOUT without exhausting the pool', async () => {
    app = await startAppProcess(database, {
      DATABASE_LOCK_TIMEOUT_MS: '300',
      DATABASE_POOL_SIZE: '3',
    });
    const api = accountsApi(app.baseUrl);
    const account = await api.open();
    const holder = database.dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query(`LOCK TABLE ${database.schema}.es_events IN ACCESS EXCLUSIVE MODE`);
      // Three times the pool: none may wait behind the lock for long, none may hang.
      const answers = await Promise.all(
        Array.from({ length: 9 }, () => api.deposit(account, 1).ok(() => true)),
      );
      for (const response of answers) {
        expect(response.status).toBe(503);
        expect(response.body).toMatchObject({ code: expect.stringMatching(/^DATABASE_/) });
        expect(response.headers['retry-after']).toBe('1');
      }
      await httpApi(app.baseUrl).get('/health/live').expect(200);
    } finally {
      await holder.rollbackTransaction().catch(() => undefined);
      await holder.release();
    }
    await api.deposit(account, 2).expect(201);
    expect(await api.account(account)).toMatchObject({ balance: 2 });
  });
});
