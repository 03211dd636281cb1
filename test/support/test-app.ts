import type { Server } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { OpenAPIObject } from '@nestjs/swagger';
import { createApp } from '../../src/app.factory';
import { loadAppConfig } from '../../src/config/app-config';
import { testKeyFile } from './tokens';
import { ResponseConformance } from './response-conformance';
import { onEmbeddedDatabase, openTestDatabase, TestDatabase } from './test-database';

/**
 * Authentication stays on in every test: apps verify tokens of the run's local issuer key.
 * Rate limits are far above what any suite sends, except where a test sets its own.
 */
export function testSecurityEnv(): NodeJS.ProcessEnv {
  return {
    AUTH_LOCAL_KEY_FILE: testKeyFile(),
    PII_MASTER_KEY_FILE: process.env.PII_MASTER_KEY_FILE,
    RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
    RATE_LIMIT_WRITES_PER_MINUTE: '1000000',
  };
}

/** A running app instance on the test database, listening on an ephemeral port. */
export interface TestApp {
  readonly app: INestApplication;
  readonly baseUrl: string;
  /**
   * Stops the app; then fails (the test file's afterAll with it) if any response it sent did
   * not match its OpenAPI document (see ResponseConformance).
   */
  close(): Promise<void>;
}

/** Starts the production app (same factory as main.ts) on a test database's schema. */
export async function startTestApp(
  database: TestDatabase,
  env: NodeJS.ProcessEnv = {},
  host = '127.0.0.1',
): Promise<TestApp> {
  const config = loadAppConfig({
    DATABASE_SCHEMA: database.schema,
    SWAGGER: 'on',
    LOG_LEVELS: 'error',
    // Generous: with every test file writing at once on 2 cores, the gap-safe reader can lag
    // by seconds; the 503 path is tested with the projections stopped.
    READ_YOUR_WRITES_TIMEOUT_MS: '8000',
    ...testSecurityEnv(),
    ...env,
  });
  const app = await createApp(config, database.url, onEmbeddedDatabase());
  // Every response of every e2e test is checked against the published document.
  const conformance = new ResponseConformance();
  conformance.attach(app.getHttpServer() as Server);
  await app.listen(0, host);
  const baseUrl = await app.getUrl();
  if (config.swagger) {
    const published = await fetch(`${baseUrl}/docs-json`);
    conformance.use((await published.json()) as OpenAPIObject);
  }
  return {
    app,
    baseUrl,
    close: async () => {
      await app.close();
      conformance.assertConforming();
    },
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
    try {
      // Fails the file when a response did not match the OpenAPI document.
      await context.app?.close();
    } finally {
      await context.database?.close();
    }
  });
  return context;
}
