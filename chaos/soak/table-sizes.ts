import { PgCluster } from '../infra/pg-cluster';

/** Bytes per table (with its indexes and TOAST) in the app's schema. */
export async function tableSizes(cluster: PgCluster): Promise<Map<string, number>> {
  const rows = await cluster.query<{ name: string; bytes: string }>(
    `SELECT c.relname AS name, pg_total_relation_size(c.oid)::text AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`,
  );
  return new Map(rows.map((row) => [row.name, Number(row.bytes)]));
}

export interface TableGrowth {
  readonly table: string;
  readonly warmBytes: number;
  readonly endBytes: number;
  /** (end − warm) / warm */
  readonly growth: number;
}

/** A table counts as outgrowing the log only past this many bytes of growth (page noise). */
const MIN_GROWTH_BYTES = 1024 * 1024;

/**
 * Tables that grew relatively faster than es_events between warm-up and the end (by a
 * quarter more, and by at least 1 MiB): under steady load, state that should be bounded or
 * proportional to the log but is not (bloat, a missing clean-up).
 */
export function outgrowingTheLog(
  warm: ReadonlyMap<string, number>,
  end: ReadonlyMap<string, number>,
): { events: TableGrowth | undefined; faster: TableGrowth[]; all: TableGrowth[] } {
  const all = [...end].map(([table, endBytes]) => {
    const warmBytes = warm.get(table) ?? 0;
    return {
      table,
      warmBytes,
      endBytes,
      growth: warmBytes ? (endBytes - warmBytes) / warmBytes : Infinity,
    };
  });
  const events = all.find((row) => row.table === 'es_events');
  const faster = all.filter(
    (row) =>
      row.table !== 'es_events' &&
      row.endBytes - row.warmBytes >= MIN_GROWTH_BYTES &&
      row.growth > (events?.growth ?? 0) * 1.25,
  );
  return { events, faster, all };
}
