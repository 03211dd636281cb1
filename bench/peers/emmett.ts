/**
 * The closest peer, Emmett's PostgreSQL event store (@event-driven-io/emmett-postgresql, a
 * devDependency used only here), through its public API only, on a database of its own so
 * its tables (emt_*) never meet ours. Used by the append, contention and load benchmarks.
 */
import { getPostgreSQLEventStore, PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Client, Pool } from 'pg';
import { randomBytes } from 'node:crypto';
import { BENCH_URL } from '../support/bench-database';

export interface EmmettBench {
  readonly store: PostgresEventStore;
  readonly pool: Pool;
  close(): Promise<void>;
}

/** A fresh database with Emmett's schema, and a store on a pool of `poolSize` connections. */
export async function openEmmett(poolSize: number): Promise<EmmettBench> {
  const database = `bench_emmett_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: BENCH_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(BENCH_URL);
  url.pathname = `/${database}`;
  const connectionString = url.toString();
  const pool = new Pool({ connectionString, max: poolSize });
  // The forced drop below ends connections Emmett's close() left open; their errors are expected.
  pool.on('error', () => undefined);
  const store = getPostgreSQLEventStore(connectionString, {
    connectionOptions: { pool, pooled: true },
  });
  await store.schema.migrate();
  return {
    store,
    pool,
    async close() {
      await store.close();
      await pool.end().catch(() => undefined);
      await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
      await admin.end();
    },
  };
}
