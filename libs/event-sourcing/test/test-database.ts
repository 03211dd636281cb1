import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { eventStoreMigrations } from '../src/postgres/migrations';

/**
 * A migrated, isolated database for one test file: the library's own migrations only, so the
 * library's tests need nothing of an application's.
 */
export interface TestDatabase {
  readonly url: string;
  readonly schema: string;
  /** Connected and migrated; destroyed by `close`. */
  readonly dataSource: DataSource;
  close(): Promise<void>;
}

/** The PostgreSQL server the suites run on (server mode). */
export const testDatabaseUrl = (): string =>
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const onEmbeddedDatabase = (): boolean => process.env.LEDGERLINE_TEST_DB === 'embedded';

/**
 * Suites that need real overlapping transactions run only on a PostgreSQL server. On the
 * embedded fallback (never in CI, where a missing server fails the run) they are left out,
 * and the run says so.
 */
export const describeOnServer: jest.Describe = onEmbeddedDatabase()
  ? (((name: string, fn: () => void) => {
      console.warn(
        `[ledgerline] left out on the embedded database: "${name}" (needs a PostgreSQL server)`,
      );
      describe.skip(name, fn);
    }) as unknown as jest.Describe)
  : describe;

/** Where the library's tests connect: a schema of their own on it, or the embedded database. */
export interface TestDatabaseSettings {
  readonly url: string;
  readonly schema: string;
  readonly poolSize: number;
}

/**
 * The DataSource options of a library test: the library's migrations, `search_path` on the
 * test's schema, and bounded statements, lock waits and connection waits, so a test that
 * leaves a transaction open fails instead of hanging the run.
 */
export function testDataSourceOptions(settings: TestDatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    schema: settings.schema,
    synchronize: false,
    migrationsRun: false,
    migrations: eventStoreMigrations,
    entities: [],
    extra: {
      max: settings.poolSize,
      application_name: 'ledgerline-library-test',
      statement_timeout: 15_000,
      idle_in_transaction_session_timeout: 15_000,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      options: `-c search_path=${settings.schema} -c lock_timeout=5000`,
    },
  };
}

/** Applies the library's migrations to `settings`' schema. */
export async function migrateTestDatabase(settings: TestDatabaseSettings): Promise<void> {
  const dataSource = await new DataSource(
    testDataSourceOptions({ ...settings, poolSize: 1 }),
  ).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

/** How a test database is set up: its DataSource options and its migrations. */
export interface TestDatabaseSetup {
  readonly poolSize: number;
  options(settings: TestDatabaseSettings): DataSourceOptions;
  migrate(settings: TestDatabaseSettings): Promise<void>;
}

/**
 * Server mode: a fresh schema on TEST_DATABASE_URL, dropped on close.
 * Embedded mode: a fresh in-memory PGlite, stopped on close.
 */
export async function openIsolatedDatabase(
  label: string,
  setup: TestDatabaseSetup,
): Promise<TestDatabase> {
  const { poolSize } = setup;
  if (onEmbeddedDatabase()) {
    const embedded = await startEmbeddedDatabaseProcess();
    const settings = { url: embedded.url, schema: 'public', poolSize };
    await setup.migrate(settings);
    const dataSource = await new DataSource(setup.options(settings)).initialize();
    return {
      url: embedded.url,
      schema: 'public',
      dataSource,
      async close() {
        await dataSource.destroy();
        await embedded.stop();
      },
    };
  }
  const url = testDatabaseUrl();
  const schema = `t_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 40)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(url, `CREATE SCHEMA ${schema}`);
  await setup.migrate({ url, schema, poolSize });
  const dataSource = await new DataSource(setup.options({ url, schema, poolSize })).initialize();
  return {
    url,
    schema,
    dataSource,
    async close() {
      await dataSource.destroy();
      await adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

/** A database with the library's migrations only (see openIsolatedDatabase). */
export const openTestDatabase = (label: string, poolSize = 10): Promise<TestDatabase> =>
  openIsolatedDatabase(label, {
    poolSize,
    options: testDataSourceOptions,
    migrate: migrateTestDatabase,
  });

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A session of its own on the test's schema, for what belongs to one session (a transaction
 * held open, a prepared statement's plan, the counts of its changes); the caller ends it.
 */
export async function openSession(database: TestDatabase): Promise<Client> {
  const session = new Client({
    connectionString: database.url,
    options: `-c search_path=${database.schema}`,
  });
  await session.connect();
  return session;
}

/**
 * Has `session`'s counts of changed rows reach pg_stat_user_tables as it goes idle, instead of
 * within seconds (PostgreSQL 15 on; on older servers, wait for them).
 */
export async function sendTableCounts(session: Client): Promise<void> {
  const { rows } = await session.query<{ version: number }>(
    "SELECT current_setting('server_version_num')::int AS version",
  );
  if (rows[0].version >= 150_000) await session.query('SELECT pg_stat_force_next_flush()');
}

/** Forks embedded-db-process.js (beside this file) and waits for the URL it prints. */
export async function startEmbeddedDatabaseProcess(): Promise<{
  url: string;
  stop(): Promise<void>;
}> {
  const child = fork(join(__dirname, 'embedded-db-process.js'), [], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error('the embedded test database process exited before it listened');
    }),
  ])) as [string];
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    async stop() {
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}
