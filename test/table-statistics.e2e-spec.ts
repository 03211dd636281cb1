import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from './support/eventually';
import { startTestApp, TestApp } from './support/test-app';
import {
  describeOnServer,
  openSession,
  openTestDatabase,
  sendTableCounts,
  TestDatabase,
} from './support/test-database';

/** Gives `database`'s schema a table of 500 rows never analysed; returns when its counts show. */
async function growTable(database: TestDatabase): Promise<void> {
  const session = await openSession(database);
  try {
    // Kept from autovacuum, on a server that runs it: only the app may analyse it here.
    await session.query('CREATE TABLE grown (id int PRIMARY KEY) WITH (autovacuum_enabled = off)');
    await session.query('INSERT INTO grown SELECT generate_series(1, 500)');
    await sendTableCounts(session);
  } finally {
    await session.end();
  }
  await eventually(async () => expect(await changedSinceAnalyze(database)).toBe(500));
}

async function changedSinceAnalyze(database: TestDatabase): Promise<number> {
  return Number((await grownStatistics(database)).changed);
}

async function grownStatistics(database: TestDatabase) {
  const [row] = await database.dataSource.query<{ changed: string; analyses: string }[]>(
    `SELECT n_mod_since_analyze AS changed, analyze_count AS analyses FROM pg_stat_user_tables
      WHERE schemaname = current_schema() AND relname = 'grown'`,
  );
  return row;
}

describeOnServer('the app keeps the statistics of its tables where the server does not', () => {
  const apps: TestApp[] = [];
  const databases: TestDatabase[] = [];
  const open = async (label: string, env: NodeJS.ProcessEnv) => {
    const database = await openTestDatabase(label);
    databases.push(database);
    // Before the app starts, so none of its rounds can come between the rows and their counts.
    await growTable(database);
    apps.push(await startTestApp(database, env));
    return database;
  };
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const database of databases) await database.close();
  });

  it('analyses a table of its schema that changed past the threshold, on its own timer', async () => {
    const database = await open('table_statistics_on', {
      DATABASE_ANALYZE: 'on',
      DATABASE_ANALYZE_INTERVAL_MS: '1000',
    });
    await eventually(async () =>
      expect(await grownStatistics(database)).toEqual({ changed: '0', analyses: '1' }),
    );
  });

  it('leaves the statistics to the server with DATABASE_ANALYZE=off', async () => {
    const database = await open('table_statistics_off', {
      DATABASE_ANALYZE: 'off',
      DATABASE_ANALYZE_INTERVAL_MS: '1000',
    });
    await sleep(2_500);
    expect(await changedSinceAnalyze(database)).toBe(500);
  });
});
