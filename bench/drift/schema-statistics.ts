import { Client } from 'pg';

/**
 * PostgreSQL's own counters for the tables and indexes of one schema: sizes, live and dead
 * tuples, vacuums, scans and buffer accesses. Counters are cumulative; two snapshots give
 * what a window did. The statistics reach these views when a busy backend flushes them (at
 * most about a second late), so windows of tens of seconds see them whole.
 */

export interface TableFigures {
  readonly table: string;
  /** pg_total_relation_size: heap, TOAST and indexes. */
  readonly totalBytes: number;
  readonly live: number;
  readonly dead: number;
  readonly vacuums: number;
  readonly autovacuums: number;
  readonly analyzes: number;
  readonly autoanalyzes: number;
  readonly seqScans: number;
  readonly seqTuplesRead: number;
  readonly indexScans: number;
  readonly indexTuplesFetched: number;
  readonly inserted: number;
  readonly updated: number;
  readonly hotUpdated: number;
  readonly deleted: number;
  /** Heap and TOAST buffers accessed (found in shared buffers or read). */
  readonly heapBuffers: number;
}

export interface IndexFigures {
  readonly index: string;
  readonly table: string;
  readonly bytes: number;
  readonly scans: number;
  /** Index entries returned by its scans (dead ones included until they are marked killed). */
  readonly entriesRead: number;
  /** Index buffers accessed (found in shared buffers or read). */
  readonly buffers: number;
}

export interface SchemaSnapshot {
  readonly tables: ReadonlyMap<string, TableFigures>;
  readonly indexes: ReadonlyMap<string, IndexFigures>;
}

/** Every bigint arrives as a string (pg keeps 64 bits); these counters fit a double. */
type Counters<T> = { [K in keyof T]: T[K] extends number ? string : T[K] };

export async function snapshotSchema(admin: Client, schema: string): Promise<SchemaSnapshot> {
  // A fresh read, not the statistics snapshot an earlier query of this session may hold.
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const tables = await admin.query<Counters<TableFigures>>(
    `SELECT s.relname AS "table",
            pg_total_relation_size(s.relid) AS "totalBytes",
            s.n_live_tup AS live, s.n_dead_tup AS dead,
            s.vacuum_count AS vacuums, s.autovacuum_count AS autovacuums,
            s.analyze_count AS analyzes, s.autoanalyze_count AS autoanalyzes,
            s.seq_scan AS "seqScans", s.seq_tup_read AS "seqTuplesRead",
            coalesce(s.idx_scan, 0) AS "indexScans",
            coalesce(s.idx_tup_fetch, 0) AS "indexTuplesFetched",
            s.n_tup_ins AS inserted, s.n_tup_upd AS updated, s.n_tup_hot_upd AS "hotUpdated",
            s.n_tup_del AS deleted,
            coalesce(io.heap_blks_hit, 0) + coalesce(io.heap_blks_read, 0)
              + coalesce(io.toast_blks_hit, 0) + coalesce(io.toast_blks_read, 0) AS "heapBuffers"
       FROM pg_stat_user_tables s JOIN pg_statio_user_tables io USING (relid)
      WHERE s.schemaname = $1`,
    [schema],
  );
  const indexes = await admin.query<Counters<IndexFigures>>(
    `SELECT s.indexrelname AS index, s.relname AS "table",
            pg_relation_size(s.indexrelid) AS bytes, s.idx_scan AS scans,
            s.idx_tup_read AS "entriesRead",
            coalesce(io.idx_blks_hit, 0) + coalesce(io.idx_blks_read, 0) AS buffers
       FROM pg_stat_user_indexes s JOIN pg_statio_user_indexes io USING (indexrelid)
      WHERE s.schemaname = $1`,
    [schema],
  );
  return {
    tables: new Map(tables.rows.map((row) => [row.table, numbers(row)])),
    indexes: new Map(indexes.rows.map((row) => [row.index, numbers(row)])),
  };
}

/** The row with its counters as numbers (the names stay strings). */
function numbers<T extends { table: string }>(row: Counters<T>): T {
  const converted: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(row)) {
    converted[key] = key === 'table' || key === 'index' ? String(value) : Number(value);
  }
  return converted as T;
}
