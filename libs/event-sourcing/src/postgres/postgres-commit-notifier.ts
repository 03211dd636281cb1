import { DataSource } from 'typeorm';
import { EVENTS_CHANNEL } from './postgres-coordinator';

/**
 * Tells other processes (their PostgresCoordinator LISTENs) that events were committed, with
 * one NOTIFY sent after the commit instead of one inside every append transaction: a NOTIFY
 * serialises the commits of the transactions that send it, so it must not ride on appends.
 * Coalesced: at most one NOTIFY in flight, and however many commits arrive meanwhile, one
 * more after it. A NOTIFY lost to a crash between commit and send only delays other
 * processes until their next poll; it is a wake-up, never data. Its payload is the schema the
 * events were committed in (the connection's `current_schema()`), so deployments sharing one
 * database in different schemas do not wake each other (see PostgresCoordinator).
 */
export class PostgresCommitNotifier {
  private inFlight = false;
  private pending = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Call after a commit; returns at once. */
  notifyCommitted(): void {
    if (!this.dataSource.isInitialized) return; // shutting down: nobody to tell
    if (this.inFlight) {
      this.pending = true;
      return;
    }
    this.inFlight = true;
    this.dataSource
      .query(`SELECT pg_notify($1, current_schema())`, [EVENTS_CHANNEL])
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.inFlight = false;
        if (!this.pending) return;
        this.pending = false;
        this.notifyCommitted();
      });
  }
}
