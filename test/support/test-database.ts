import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { runMigrations } from '../../src/database/run-migrations';
import { typeOrmOptions } from '../../src/database/typeorm-options';

/** A migrated, isolated database for one test file. */
export interface TestDatabase {
  readonly url: string;
  readonly schema: string;
  /** Connected and migrated; destroyed by `close`. */
  readonly dataSource: DataSource;
  close(): Promise<void>;
}

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

/**
 * Server mode: a fresh schema on TEST_DATABASE_URL, dropped on close.
 * Embedded mode: a fresh in-memory PGlite, stopped on close.
 */
export async function openTestDatabase(label: string, poolSize = 10): Promise<TestDatabase> {
  if (onEmbeddedDatabase()) {
    const embedded = await startEmbeddedDatabaseProcess();
    const settings = { url: embedded.url, schema: 'public', poolSize };
    await runMigrations(settings);
    const dataSource = await new DataSource(typeOrmOptions(settings)).initialize();
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
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `t_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 40)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(url, `CREATE SCHEMA ${schema}`);
  await runMigrations({ url, schema, poolSize });
  const dataSource = await new DataSource(typeOrmOptions({ url, schema, poolSize })).initialize();
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

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Forks test/support/embedded-db-process.js and waits for the URL it prints. */
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
