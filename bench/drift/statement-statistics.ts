import { Client } from 'pg';
import { statementKey } from './activity-sampler';

/**
 * pg_stat_statements, where the server loads it (shared_preload_libraries): each statement's
 * calls and execution time, cumulative; two snapshots give what a window did. The extension
 * is created if the server offers it, and dropped again only if it was created here.
 */
export interface StatementFigures {
  readonly query: string;
  readonly calls: number;
  readonly totalMs: number;
  /** Shared buffers the statement accessed (hit or read). */
  readonly buffers: number;
}

export interface StatementStatistics {
  /** Statements of this database by queryid. */
  snapshot(): Promise<ReadonlyMap<string, StatementFigures>>;
  /** Drops the extension if this opened it. */
  close(): Promise<void>;
}

/** The statistics, or why they are unavailable. */
export async function openStatementStatistics(
  admin: Client,
): Promise<StatementStatistics | string> {
  const { rows } = await admin.query<{ shared_preload_libraries: string }>(
    'SHOW shared_preload_libraries',
  );
  const preloaded = rows[0].shared_preload_libraries
    .split(',')
    .map((name) => name.trim().replace(/^"|"$/g, ''));
  // Without the library in shared memory the view errors; changing that needs a restart.
  if (!preloaded.includes('pg_stat_statements')) {
    return `pg_stat_statements is not in shared_preload_libraries ("${rows[0].shared_preload_libraries}")`;
  }
  const existed = await admin.query(
    `SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'`,
  );
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return {
    async snapshot() {
      const statements = await admin.query<{
        queryid: string;
        query: string;
        calls: string;
        total_ms: number;
        buffers: string;
      }>(
        `SELECT queryid::text, query, calls, total_exec_time AS total_ms,
                shared_blks_hit + shared_blks_read AS buffers
           FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      return new Map(
        statements.rows.map((row) => [
          row.queryid,
          {
            query: statementKey(row.query),
            calls: Number(row.calls),
            totalMs: row.total_ms,
            buffers: Number(row.buffers),
          },
        ]),
      );
    },
    async close() {
      if (existed.rowCount === 0) await admin.query('DROP EXTENSION IF EXISTS pg_stat_statements');
    },
  };
}
