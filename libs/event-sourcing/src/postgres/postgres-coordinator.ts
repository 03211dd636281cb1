import { Client, ClientConfig } from 'pg';
import { ProjectionLease } from '../projections/projection-lease.port';

/** The NOTIFY channel PostgresCommitNotifier signals on after events were committed. */
export const EVENTS_CHANNEL = 'ledgerline_events';

// Two-part advisory lock keys: a constant class, then the hash of the projection name.
const LEASE_CLASS = 0x4c4c50; // "LLP"

/**
 * One dedicated session per process (not from the pool, whose connections come and go)
 * that holds projection leases as session advisory locks and LISTENs for new events.
 * A lock lives exactly as long as the session: when the process dies, PostgreSQL ends the
 * session and another instance's next `tryAcquire` succeeds. If the session breaks, every
 * lease is dropped at once and re-acquired on a fresh session.
 */
export class PostgresCoordinator implements ProjectionLease {
  private client?: Client;
  private connecting?: Promise<Client>;
  private readonly held = new Set<string>();
  private closed = false;
  // One query at a time on the session: pg deprecates overlapping client.query calls, and
  // every runner asks for its lease on its own schedule.
  private tail: Promise<unknown> = Promise.resolve();

  /**
   * @param schema the schema whose commits wake `onEvents`: a commit in another schema of
   * the database (another deployment, another test file) is ignored, as is one with no schema
   * named (from an older notifier: woken, to be safe). Undefined: every commit wakes it.
   */
  constructor(
    private readonly config: ClientConfig,
    private readonly onEvents: () => void,
    private readonly onError: (error: unknown) => void = () => undefined,
    private readonly schema?: string,
  ) {}

  tryAcquire(name: string): Promise<boolean> {
    return this.serial(async () => {
      if (this.closed) return false;
      const client = await this.session();
      if (this.held.has(name)) return true;
      const result = await client.query<{ acquired: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS acquired',
        [LEASE_CLASS, name],
      );
      if (result.rows[0].acquired) this.held.add(name);
      return this.held.has(name);
    });
  }

  release(name: string): Promise<void> {
    return this.serial(async () => {
      const client = this.client;
      if (!this.held.delete(name) || !client) return;
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LEASE_CLASS, name]);
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Opens the session (and LISTEN) now rather than on the first lease. */
  async connect(): Promise<void> {
    await this.session();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.held.clear();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private session(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const client = new Client({
      application_name: 'ledgerline-coordinator',
      keepAlive: true,
      ...this.config,
    });
    const lost = (error: unknown) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.held.clear(); // the locks died with the session
      this.onError(error);
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('coordinator session ended')));
    client.on('notification', ({ payload }) => {
      if (this.schema === undefined || !payload || payload === this.schema) this.onEvents();
    });
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.client = client;
    return client;
  }
}
