import { DataSource } from 'typeorm';

/**
 * When a table's statistics count as stale: more rows inserted, updated or deleted since its
 * last ANALYZE than `rows + fraction × its rows then`. The defaults are autovacuum's own
 * (`autovacuum_analyze_threshold` 50, `autovacuum_analyze_scale_factor` 0.1).
 */
export interface StaleStatisticsThreshold {
  readonly rows: number;
  readonly fraction: number;
}

export const AUTOANALYZE_DEFAULTS: StaleStatisticsThreshold = { rows: 50, fraction: 0.1 };

/**
 * The tables of the session's schema whose statistics are stale, most changed first, as
 * quoted `schema.table` names. A table never analysed has `reltuples` -1: stale after `rows`.
 * Only tables the session's role may analyse (it owns them, or is a member of their owner):
 * PostgreSQL skips any other with a warning, and its count would never reset.
 * `n_mod_since_analyze` needs `track_counts` (on by default); without it nothing is stale.
 */
export const STALE_TABLES_SQL = `
SELECT format('%I.%I', s.schemaname, s.relname) AS name
  FROM pg_stat_user_tables s
  JOIN pg_class c ON c.oid = s.relid
 WHERE s.schemaname = current_schema()
   AND pg_has_role(c.relowner, 'USAGE')
   AND s.n_mod_since_analyze > $1 + $2 * greatest(c.reltuples, 0)
 ORDER BY s.n_mod_since_analyze DESC`;

/** Whether the server keeps statistics itself: autovacuum runs its autoanalyze. */
export const SERVER_ANALYZES_SQL = `SELECT current_setting('autovacuum') = 'on' AS analyzes`;

/** What one look for stale tables did. */
export interface StatisticsRound {
  /** Tables analysed, as quoted `schema.table` names. */
  readonly analysed: string[];
  /** Tables whose ANALYZE failed (dropped meanwhile, timed out), with the error. */
  readonly failed: { readonly table: string; readonly error: unknown }[];
}

/**
 * ANALYZEs the tables of the session's schema whose statistics are stale (see
 * STALE_TABLES_SQL), one statement per table, so one table that fails (dropped since it was
 * listed, as a projection rebuild's shadow table is; larger than the statement timeout allows)
 * neither stops the others nor takes their time.
 *
 * For servers that run without autovacuum: the planner then keeps the statistics of a table's
 * first rows, or none, for good. The outbox claim and the append's command-id check were
 * planned as scans of their whole, growing, tables, and a prepared statement keeps its plan
 * until an ANALYZE of a table it reads invalidates it (measured in `docs/performance.md`,
 * "Deposits over five minutes"). SKIP_LOCKED: a table another session is analysing (another
 * instance doing the same) or has locked is left for the next round instead of waited for.
 */
export async function analyzeStaleTables(
  dataSource: DataSource,
  threshold: StaleStatisticsThreshold = AUTOANALYZE_DEFAULTS,
): Promise<StatisticsRound> {
  const rows = await dataSource.query<{ name: string }[]>(STALE_TABLES_SQL, [
    threshold.rows,
    threshold.fraction,
  ]);
  const round: StatisticsRound = { analysed: [], failed: [] };
  for (const { name } of rows) {
    try {
      // The name comes from format('%I.%I'): a quoted identifier, safe to splice.
      await dataSource.query(`ANALYZE (SKIP_LOCKED) ${name}`);
      round.analysed.push(name);
    } catch (error) {
      round.failed.push({ table: name, error });
    }
  }
  return round;
}

/** True when the server's autovacuum is on, and so analyses changed tables by itself. */
export async function serverAnalyzesTables(dataSource: DataSource): Promise<boolean> {
  const [row] = await dataSource.query<{ analyzes: boolean }[]>(SERVER_ANALYZES_SQL);
  return row.analyzes;
}
