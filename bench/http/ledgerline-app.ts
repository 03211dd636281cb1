import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { BenchAuth } from '../support/bench-auth';
import { BENCH_URL } from '../support/bench-database';
import { startLogSink } from './log-sink';
import { ServerProcess, startServer } from './start-server';

/** The built app, as production starts it. */
const MAIN = join(__dirname, '..', '..', 'src', 'main.js');

/** A fresh, empty schema `bench_http_<label>_<hex>` of BENCH_URL; the app migrates it. */
export async function createBenchSchema(admin: Client, label: string): Promise<string> {
  const schema = `bench_http_${label}_${randomBytes(3).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  return schema;
}

/**
 * The environment every server of an HTTP benchmark starts from: nothing of the benchmark's
 * own leaks in (AMQP_URL…).
 */
export function benchServerEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NO_COLOR: '1',
    DATABASE_URL: BENCH_URL,
    // A fresh schema: a key of the run's own, and no key file left in the project folder.
    PII_MASTER_KEY: randomBytes(32).toString('base64'),
  };
}

export interface LedgerlineAppSpec {
  /** Prefix of its output lines; `app` by default. */
  readonly name?: string;
  readonly auth: BenchAuth;
  readonly schema: string;
  readonly poolSize: number;
  /** Extra node options, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
  /** More environment, over the defaults (AMQP_URL, a shared PII_MASTER_KEY, PROJECTIONS=off…). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * dist/src/main.js as production starts it, authentication on (the benchmark's key file and
 * unreachable rate limits), projections, relay and process managers on unless `env` turns
 * them off, logging at `info` (one JSON access line per request) into a pipe that a log sink
 * empties, metrics on; ready once GET /health answers 2xx.
 */
export async function startLedgerlineApp(spec: LedgerlineAppSpec): Promise<ServerProcess> {
  const sink = await startLogSink();
  const server = await startServer({
    name: spec.name ?? 'app',
    script: MAIN,
    nodeArgs: spec.nodeArgs,
    readyPath: '/health',
    env: {
      ...benchServerEnv(),
      ...spec.auth.env,
      DATABASE_SCHEMA: spec.schema,
      DATABASE_POOL_SIZE: String(spec.poolSize),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      // AUTH_TOKEN_CACHE_S=0 npm run bench -- <name>: every token verified in full.
      ...(process.env.AUTH_TOKEN_CACHE_S === undefined
        ? {}
        : { AUTH_TOKEN_CACHE_S: process.env.AUTH_TOKEN_CACHE_S }),
      // DATABASE_ANALYZE=off npm run bench -- <name>: statistics left to the server alone.
      ...(process.env.DATABASE_ANALYZE === undefined
        ? {}
        : { DATABASE_ANALYZE: process.env.DATABASE_ANALYZE }),
      ...spec.env,
    },
    stdout: sink.stdin,
  }).catch(async (error: unknown) => {
    await sink.stop();
    throw error;
  });
  return {
    ...server,
    async stop() {
      try {
        await server.stop();
      } finally {
        await sink.stop();
      }
    },
  };
}
