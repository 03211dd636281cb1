import { Client, ClientConfig } from 'pg';
import { DataSource } from 'typeorm';
import { EVENTS_CHANNEL } from './postgres-coordinator';

/**
 * Without bind parameters, so pg sends it as one simple-protocol message instead of the five
 * of the extended protocol (parse, bind, describe, execute, sync): one socket write and one
 * answer to parse for a wake-up a lone writer sends after every commit. The channel is a
 * constant of this library, a plain identifier, so it goes in as a literal.
 */
const NOTIFY_SQL = `SELECT pg_notify('${EVENTS_CHANNEL}', current_schema())`;

/** What wakes other processes after a commit (PostgresCommitNotifier, or a stand-in). */
export interface CommitNotifier {
  /** Called after a commit; returns at once. */
  notifyCommitted(): void;
}

/**
 * Tells other processes (their PostgresCoordinator LISTENs) that events were committed, with
 * one NOTIFY sent after the commit instead of one inside every append transaction: a NOTIFY
 * serialises the commits of the transactions that send it, so it must not ride on appends.
 * Coalesced: at most one NOTIFY in flight, and however many commits arrive meanwhile, one
 * more after it. A NOTIFY lost to a crash between commit and send only delays other
 * processes until their next poll; it is a wake-up, never data. Its payload is the schema the
 * events were committed in (the session's `current_schema()`), so deployments sharing one
 * database in different schemas do not wake each other (see PostgresCoordinator).
 * Sent from a pooled connection, or, given `session`, from a session of its own (opened on
 * first use, again after it is lost, ended by `close()`): then the wake-up never waits for,
 * nor holds, a connection an append could use. A lone writer on a small pool otherwise
 * waits for the previous commit's NOTIFY before its next append can start.
 */
export class PostgresCommitNotifier implements CommitNotifier {
  private inFlight = false;
  private pending = false;
  private client?: Promise<Client>;
  private closed = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly onError: (error: unknown) => void = () => undefined,
    /** The connection settings of the notifier's own session (its search_path included). */
    private readonly session?: ClientConfig,
  ) {}

  notifyCommitted(): void {
    if (this.closed || !this.dataSource.isInitialized) return; // shutting down: nobody to tell
    if (this.inFlight) {
      this.pending = true;
      return;
    }
    this.inFlight = true;
    this.send()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.inFlight = false;
        if (!this.pending) return;
        this.pending = false;
        this.notifyCommitted();
      });
  }

  /** Ends the notifier's own session, if it has one; later commits notify nobody. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.then((session) => session.end()).catch(() => undefined);
  }

  private async send(): Promise<void> {
    if (!this.session) {
      await this.dataSource.query(NOTIFY_SQL);
      return;
    }
    const client = await this.ownSession(this.session);
    await client.query(NOTIFY_SQL);
  }

  private ownSession(config: ClientConfig): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({ application_name: 'ledgerline-notifier', ...config });
    const opening = client.connect().then(async () => {
      if (!this.closed) return client;
      await client.end();
      throw new Error('the commit notifier is closed');
    });
    this.client = opening;
    // A lost session is dropped (and ended, to free its socket); the next NOTIFY opens another.
    const lost = () => {
      if (this.client !== opening) return;
      this.client = undefined;
      client.end().catch(() => undefined);
    };
    client.on('error', lost);
    client.on('end', lost);
    opening.catch(lost);
    return opening;
  }
}
