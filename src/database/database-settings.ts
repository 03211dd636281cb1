import type { AppendRoundTrips } from '@ledgerline/event-sourcing/postgres';

// Kept apart from typeorm-options.ts, which gathers every context's migrations: the contexts
// and the configuration read these settings and must not load that list (an import cycle).

export interface DatabaseSettings {
  readonly url: string;
  readonly schema: string;
  readonly poolSize: number;
  /** The embedded PGlite: one session, so no leases or LISTEN across connections. */
  readonly embedded?: boolean;
  /** Limits of every session; see DATABASE_TIMEOUT_DEFAULTS. */
  readonly timeouts?: Partial<DatabaseTimeouts>;
  /** `application_name` of the pool's sessions (dedicated sessions add a suffix). */
  readonly applicationName?: string;
  /** Round trips of a group commit's transaction (PostgresEventStore `appendRoundTrips`). */
  readonly appendRoundTrips?: AppendRoundTrips;
  /**
   * Whether and how often the app analyses tables with stale statistics
   * (TableStatisticsService); unset: never (one-off tools, the library's benchmarks).
   */
  readonly tableStatistics?: TableStatisticsSettings;
}

/** `auto`: only where the server's autovacuum is off; `on`: always; `off`: never. */
export type TableStatisticsMode = 'auto' | 'on' | 'off';

export interface TableStatisticsSettings {
  readonly mode: TableStatisticsMode;
  /** Between two looks for tables with stale statistics. */
  readonly intervalMs: number;
}

export const TABLE_STATISTICS_DEFAULTS: TableStatisticsSettings = {
  mode: 'auto',
  intervalMs: 10_000,
};

/** How long the app lets the database keep it waiting, in milliseconds. */
export interface DatabaseTimeouts {
  /** One statement (`statement_timeout`) and an idle open transaction. */
  readonly statementMs: number;
  /** Waiting for a row, table or advisory lock (`lock_timeout`). */
  readonly lockMs: number;
  /** Getting a connection: from the full pool, or a new one from the server. */
  readonly connectMs: number;
}

export const DATABASE_TIMEOUT_DEFAULTS: DatabaseTimeouts = {
  statementMs: 15_000,
  lockMs: 5_000,
  connectMs: 5_000,
};
