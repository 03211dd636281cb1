/**
 * The "bare Nest INSERT endpoint": the floor our HTTP write path is measured
 * against. NestFactory.create on the adapter the app uses (@nestjs/platform-express, or Fastify
 * with BENCH_HTTP_ADAPTER=fastify) with its defaults only (the adapter's JSON body parser, no
 * validation pipe, no helmet, no filters), one
 * controller, and POST /events doing exactly one autocommit INSERT of the request's JSON through
 * a pg Pool, answering 201 with the new row's id.
 *
 * Run by bench/http-deposits.bench.ts as a child process (dist/bench/http/bare-nest-insert.server.js):
 *   DATABASE_URL     postgres://… (required)
 *   DATABASE_SCHEMA  an existing schema of its own; its table is created here (required)
 *   DATABASE_POOL_SIZE  pg Pool size, as the app's pool (default 16)
 *   PORT             0 for any free port (default 0)
 *   BENCH_HTTP_ADAPTER  express (default) or fastify
 * Prints "listening on http://127.0.0.1:<port>" once it accepts requests; stops on SIGTERM.
 */
import 'reflect-metadata';
import { Body, Controller, DynamicModule, Inject, Logger, Module, Post } from '@nestjs/common';
import { createBenchApp, listenUntilStopped, loadBenchServerSettings } from './bench-server';
import { Pool } from 'pg';

const POOL = Symbol('POOL');
const TABLE = 'bare_events';

const settings = loadBenchServerSettings(process.env);
const INSERT = `INSERT INTO ${settings.schema}.${TABLE} (data) VALUES ($1) RETURNING id::text AS id`;

@Controller('events')
class EventsController {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  /** Nest answers a POST with 201 by default. */
  @Post()
  async append(@Body() body: unknown): Promise<{ id: string }> {
    const { rows } = await this.pool.query<{ id: string }>(INSERT, [JSON.stringify(body)]);
    return { id: rows[0].id };
  }
}

@Module({})
class BareModule {
  static withPool(pool: Pool): DynamicModule {
    return {
      module: BareModule,
      controllers: [EventsController],
      providers: [{ provide: POOL, useValue: pool }],
    };
  }
}

async function bootstrap(): Promise<void> {
  const pool = new Pool({ connectionString: settings.url, max: settings.poolSize });
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${settings.schema}.${TABLE} (
       id bigserial PRIMARY KEY,
       data jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const app = await createBenchApp(BareModule.withPool(pool), settings.adapter);
  await listenUntilStopped(app, pool, settings.port);
}

bootstrap().catch((error: unknown) => {
  new Logger('bare-nest-insert').error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
