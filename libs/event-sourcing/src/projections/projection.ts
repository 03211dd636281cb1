import { RecordedEvent } from '../core/event';

/** The transaction a projection writes through: its rows commit with its checkpoint. */
export interface ProjectionTransaction {
  query<Row = unknown>(sql: string, parameters?: unknown[]): Promise<Row[]>;
  /**
   * The quoted physical name of one of the projection's own tables: the live table, or its
   * shadow while the projection is being rebuilt. Always write through this, never a literal.
   */
  table(name: string): string;
}

/**
 * A read model kept from the event log.
 * - `name` is its checkpoint key: keep it stable (renaming it means a full rebuild).
 * - `apply` receives only events of `eventTypes`, in log order, and must be deterministic:
 *   a rebuild from position 0 must produce exactly the rows incremental processing did.
 *   It never throws to "reject" an event: a recorded event is a fact. A throw means "could
 *   not write now" and the batch is retried, then the projection is parked.
 * - `tables` are the tables it owns; a rebuild fills shadow copies and swaps them in.
 */
export interface Projection {
  readonly name: string;
  readonly eventTypes: readonly string[];
  readonly tables: readonly string[];
  /**
   * `async`: applied after commit by the runner (eventually consistent, the default).
   * `inline`: also applied inside the append transaction (strongly consistent, slows writes).
   */
  readonly lifecycle: 'async' | 'inline';
  /**
   * False for a projection with side effects (a process manager sends commands): replaying it
   * from position 0 would act again, so it is never rebuilt. Default true.
   */
  readonly rebuildable?: boolean;
  apply(events: readonly RecordedEvent[], transaction: ProjectionTransaction): Promise<void>;
}

/** Where a projection stands, as the admin API shows it. */
export type ProjectionStatus = 'running' | 'catching-up' | 'parked' | 'rebuilding';

/** Quotes an SQL identifier (projection table names are code, but quoting keeps them exact). */
export const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The shadow table a rebuild fills before it is swapped in. */
export const shadowTableName = (table: string): string => `${table}__rebuild`;
