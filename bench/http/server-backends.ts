import { Client } from 'pg';
import { BENCH_URL } from '../support/bench-database';
import { connectionPorts } from './proc-usage';
import { ServerProcess } from './start-server';

/** The PostgreSQL backends serving `server`'s pool (matched by its connections' ports). */
export async function backendsOf(admin: Client, server: ServerProcess): Promise<Set<number>> {
  const ports = connectionPorts(server.pid, Number(new URL(BENCH_URL).port || 5432));
  const { rows } = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])',
    [ports],
  );
  return new Set(rows.map((row) => row.pid));
}
