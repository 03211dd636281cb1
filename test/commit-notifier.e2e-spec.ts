import { randomBytes } from 'node:crypto';
import { accountsApi } from './support/accounts-api';
import { eventually } from './support/eventually';
import { startTestApp } from './support/test-app';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';

/**
 * Other instances are woken after each commit by a NOTIFY sent from a session of the app's
 * own, not from the pool: it opens with the first commit, and the app ends it when it stops.
 */
describeOnServer('the commit notifier of a running app', () => {
  let database: TestDatabase;
  const appName = `llnotify${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    database = await openTestDatabase('commit_notifier');
  });
  afterAll(() => database.close());

  const sessions = async (): Promise<{ application_name: string; query: string }[]> =>
    database.dataSource.query(
      `SELECT application_name, query FROM pg_stat_activity WHERE application_name = $1`,
      [`${appName}-notifier`],
    );

  it('notifies from its own session, named for the app, and ends that session with the app', async () => {
    const app = await startTestApp(database, { DATABASE_APPLICATION_NAME: appName });
    try {
      const api = accountsApi(app.baseUrl);
      await api.deposit(await api.open(), 10).expect(201);
      await eventually(async () =>
        expect(await sessions()).toEqual([
          expect.objectContaining({ query: expect.stringContaining('pg_notify') as unknown }),
        ]),
      );
    } finally {
      await app.close();
    }
    await eventually(async () => expect(await sessions()).toEqual([]));
  });
});
