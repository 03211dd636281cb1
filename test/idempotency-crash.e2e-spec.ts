import { httpApi, storedIdempotencyKey } from './support/api';
import { randomUUID } from 'node:crypto';
import { accountsApi } from './support/accounts-api';
import { AppProcess, startAppProcess } from './support/app-process';
import { eventually } from './support/eventually';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';

/**
 * An Idempotency-Key whose execution died with its process (kill -9) is taken over by the
 * first retry once that process is known dead (its liveness lock is gone), not after the
 * 30 s lease; while the execution is alive, a retry is told to come back (409 + Retry-After).
 */
describeOnServer('Idempotency-Key after a crash', () => {
  let database: TestDatabase;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    database = await openTestDatabase('idempotency_crash');
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await database.close();
  });

  async function start(): Promise<AppProcess> {
    // A long lock timeout: the first execution must hang on the test's lock until the kill.
    const app = await startAppProcess(database, { DATABASE_LOCK_TIMEOUT_MS: '60000' });
    apps.push(app);
    return app;
  }

  it('a retry after kill -9 executes at once, exactly once; before it, 409 IDEMPOTENCY_KEY_IN_USE with Retry-After', async () => {
    const first = await start();
    const account = await accountsApi(first.baseUrl).open();
    const key = randomUUID();
    const deposit = (baseUrl: string) =>
      httpApi(baseUrl)
        .post(`/accounts/${account}/deposits`)
        .set('Idempotency-Key', key)
        .send({ amount: 40 })
        .ok(() => true);

    const holder = database.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query(`LOCK TABLE ${database.schema}.es_events IN ACCESS EXCLUSIVE MODE`);
    const hanging = deposit(first.baseUrl).then(
      () => 'answered',
      () => 'cut off',
    );
    await eventually(async () => {
      const rows = await database.dataSource.query<{ state: string; owner: string | null }[]>(
        `SELECT state, owner_instance AS owner FROM http_idempotency_keys WHERE idempotency_key = $1`,
        [storedIdempotencyKey(key)],
      );
      expect(rows).toEqual([{ state: 'in_flight', owner: expect.any(String) }]);
    });

    const busy = await deposit(first.baseUrl);
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE' });
    expect(busy.headers['retry-after']).toBe('1');

    await first.kill();
    expect(await hanging).toBe('cut off');
    await holder.rollbackTransaction();
    await holder.release();

    const second = await start();
    const restartedAt = Date.now();
    const retried = await deposit(second.baseUrl);
    const answeredMs = Date.now() - restartedAt;
    // Executed, not replayed and not refused as in use: the dead owner was recognised at once
    // (the lease alone would have kept the key for 30 s, answering 409 after a 5 s wait).
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(answeredMs).toBeLessThan(5_000);
    const replayed = await deposit(second.baseUrl);
    expect(replayed.status).toBe(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(retried.body);
    expect(await accountsApi(second.baseUrl).account(account)).toMatchObject({ balance: 40 });
  });
});
