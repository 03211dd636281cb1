import { randomUUID } from 'node:crypto';
import { Client, ClientConfig } from 'pg';

// Two-part advisory lock keys: a constant class, then the hash of the instance id.
const INSTANCE_LOCK_CLASS = 0x4c4c49; // "LLI"

/**
 * SQL that is true while the instance whose id is the text expression `owner` holds its
 * liveness lock, i.e. while that process and its session are alive. After a kill -9 the
 * server ends the session (the socket closes) and the lock, so the expression turns false
 * within milliseconds, not after a lease.
 */
export function instanceAliveSql(owner: string): string {
  return `EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
    AND classid = ${INSTANCE_LOCK_CLASS} AND objid = hashtext(${owner})::oid AND objsubid = 2)`;
}

/**
 * This process's identity (`instanceId`, random per start) and its proof of life: a session
 * advisory lock held on a dedicated session (not from the pool, whose sessions come and go).
 * Others ask {@link instanceAliveSql} whether work this instance claimed may be taken over.
 * If the session breaks (database restart, terminated backend), the lock is gone until it is
 * re-taken on a new session, retried every `reconnectMs` (default 1 000) until `close`; in
 * between, the instance looks dead, so what relies on this must stay safe when a live
 * instance is taken over (Idempotency-Key executions are: their command id decides once).
 */
export class PostgresInstanceLiveness {
  readonly instanceId = randomUUID();
  private client?: Client;
  /** A session still connecting or taking the lock, so `close` can end it too. */
  private connecting?: Client;
  private retry?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly config: ClientConfig,
    private readonly onLost: (error: unknown) => void = () => undefined,
    private readonly reconnectMs = 1_000,
  ) {}

  /** Takes the lock; a failure is reported to `onLost` and retried, never thrown. */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const clients = [this.client, this.connecting].filter((client) => client !== undefined);
    this.client = this.connecting = undefined;
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({
      application_name: 'ledgerline-instance',
      keepAlive: true,
      ...this.config,
    });
    let gone = false;
    const lost = (error: unknown) => {
      if (gone) return;
      gone = true;
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
      if (this.closed) return;
      this.onLost(error);
      this.retry = setTimeout(() => void this.connect(), this.reconnectMs);
      this.retry.unref();
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('instance liveness session ended')));
    this.connecting = client;
    try {
      await client.connect();
      // Try, never wait: a half-open session of this instance that the server has not yet
      // noticed as dead may still hold the lock; this one is retried until it is free.
      const { rows } = await client.query<{ taken: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS taken',
        [INSTANCE_LOCK_CLASS, this.instanceId],
      );
      if (!rows[0]?.taken) throw new Error('the liveness lock is still held by an older session');
      if (gone || this.closed) return void client.end().catch(() => undefined);
      this.client = client;
    } catch (error) {
      lost(error);
    } finally {
      if (this.connecting === client) this.connecting = undefined;
    }
  }
}
