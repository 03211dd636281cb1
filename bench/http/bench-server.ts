import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Pool } from 'pg';

/** The HTTP adapters a benchmark's own server can run on; the app runs on Express. */
export const BENCH_ADAPTERS = ['express', 'fastify'] as const;
export type BenchAdapter = (typeof BENCH_ADAPTERS)[number];

/** What a benchmark's own server (bare INSERT, CRUD baseline) is started with. */
export interface BenchServerSettings {
  readonly url: string;
  /** A plain identifier: the servers interpolate it into their SQL. */
  readonly schema: string;
  readonly poolSize: number;
  readonly port: number;
  /** BENCH_HTTP_ADAPTER: `express` (the default, as the app) or `fastify`. */
  readonly adapter: BenchAdapter;
}

/**
 * Reads DATABASE_URL, DATABASE_SCHEMA, DATABASE_POOL_SIZE, PORT and BENCH_HTTP_ADAPTER, as the
 * benchmarks set them.
 */
export function loadBenchServerSettings(env: NodeJS.ProcessEnv): BenchServerSettings {
  const url = env.DATABASE_URL;
  const schema = env.DATABASE_SCHEMA ?? '';
  if (!url) throw new Error('DATABASE_URL is required');
  // Interpolated into SQL, so it must be a plain identifier.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`DATABASE_SCHEMA "${schema}" is not a plain identifier`);
  }
  const poolSize = Number(env.DATABASE_POOL_SIZE ?? 16);
  const port = Number(env.PORT ?? 0);
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error('bad DATABASE_POOL_SIZE');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('bad PORT');
  const adapter = env.BENCH_HTTP_ADAPTER ?? 'express';
  if (!BENCH_ADAPTERS.some((known) => known === adapter)) {
    throw new Error(`BENCH_HTTP_ADAPTER must be one of ${BENCH_ADAPTERS.join(', ')}`);
  }
  return { url, schema, poolSize, port, adapter: adapter as BenchAdapter };
}

/**
 * The Nest application of `module` on the chosen adapter, each with its defaults (its own JSON
 * body parser), logging only warnings and errors.
 */
export function createBenchApp(
  module: DynamicModule,
  adapter: BenchAdapter,
): Promise<INestApplication> {
  const options = { logger: ['error' as const, 'warn' as const] };
  return adapter === 'fastify'
    ? NestFactory.create(module, new FastifyAdapter(), options)
    : NestFactory.create(module, options);
}

/**
 * Listens as the app does (all interfaces; the benchmark connects over IPv4 loopback), prints
 * the address start-server.ts waits for, and closes the app and its pool on SIGTERM or SIGINT.
 */
export async function listenUntilStopped(
  app: INestApplication,
  pool: Pool,
  port: number,
): Promise<void> {
  const shutdown = () => {
    void app
      .close()
      .then(() => pool.end())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  await app.listen(port);
  const { port: listening } = new URL(await app.getUrl());
  console.log(`listening on http://127.0.0.1:${listening}`);
}
