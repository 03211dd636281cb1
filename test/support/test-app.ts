import { INestApplication } from '@nestjs/common';
import { createApp } from '../../src/app.factory';
import { loadAppConfig } from '../../src/config/app-config';
import { onEmbeddedDatabase, openTestDatabase, TestDatabase } from './test-database';

/** A running app instance on the test database, listening on an ephemeral port. */
export interface TestApp {
  readonly app: INestApplication;
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Starts the production app (same factory as main.ts) on a test database's schema. */
export async function startTestApp(
  database: TestDatabase,
  env: NodeJS.ProcessEnv = {},
): Promise<TestApp> {
  const config = loadAppConfig({
    DATABASE_SCHEMA: database.schema,
    SWAGGER: 'on',
    LOG_LEVELS: 'error',
    // Generous: with every test file writing at once on 2 cores, the gap-safe reader can lag
    // by seconds; the 503 path is tested with a position no write will reach.
    READ_YOUR_WRITES_TIMEOUT_MS: '8000',
    ...env,
  });
  const app = await createApp(config, database.url, onEmbeddedDatabase());
  await app.listen(0, '127.0.0.1');
  return {
    app,
    baseUrl: await app.getUrl(),
    close: () => app.close(),
  };
}

/** What `useTestApp` hands a test file: filled in by its beforeAll. */
export interface TestAppContext {
  database: TestDatabase;
  app: TestApp;
}

/**
 * Registers beforeAll/afterAll that open an isolated database and start one app instance
 * on it; read the fields inside tests and hooks, not at module level.
 */
export function useTestApp(label: string): TestAppContext {
  const context = {} as TestAppContext;
  beforeAll(async () => {
    context.database = await openTestDatabase(label);
    context.app = await startTestApp(context.database);
  });
  afterAll(async () => {
    await context.app?.close();
    await context.database?.close();
  });
  return context;
}
