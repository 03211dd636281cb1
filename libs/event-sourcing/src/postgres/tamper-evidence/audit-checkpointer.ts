import { DataSource } from 'typeorm';
import { BackgroundLoop, GO_ON, NextTurn } from '../../core/background-loop';
import { runInTransaction } from '../run-in-transaction';
import { CheckpointSigner } from './checkpoint-signer';
import { RunningDigest } from './running-digest';
import {
  CHECKPOINT_LOCK_SQL,
  CheckpointRow,
  INSERT_CHECKPOINT_SQL,
  LAST_CHECKPOINT_SQL,
  LOG_HASHES_SQL,
  LOG_HORIZON_SQL,
  LogHashRow,
  Queryable,
} from './tamper-evidence.sql';

/** A checkpoint as written to es_audit_checkpoints, with its signature. */
export interface AuditCheckpoint {
  readonly sequence: number;
  readonly transactionId: string;
  readonly globalPosition: string;
  /** Events covered from the start of the log. */
  readonly events: number;
  /** Of those, events this checkpoint added. */
  readonly added: number;
  readonly digest: Buffer;
  readonly signature: Buffer;
}

/** How AuditCheckpointLoop paces itself; every field has a default. */
export interface AuditCheckpointOptions {
  /** Most events one checkpoint adds, default 100 000: a long backlog takes several turns. */
  readonly maxEvents: number;
  /** Time between checkpoints when the log is caught up, default 60 000 ms. */
  readonly intervalMs: number;
  /** Wait after a failed turn, default 10 000 ms. */
  readonly failureBackoffMs: number;
}

/** A checkpoint a minute, at most 100 000 events each, 10 s after a failure. */
export const DEFAULT_AUDIT_CHECKPOINT_OPTIONS: AuditCheckpointOptions = Object.freeze({
  maxEvents: 100_000,
  intervalMs: 60_000,
  failureBackoffMs: 10_000,
});

const HASHES_PAGE = 10_000;

/**
 * Writes the next signed checkpoint: the events after the last checkpoint, in log order, up to
 * the horizon below which no transaction is in flight (no event can still commit there, as
 * for the projections), at most `maxEvents`. One writer at a time per schema (a transaction
 * advisory lock): another instance's turn returns `skipped`.
 * @returns the checkpoint, `nothing-new` when no event passed the horizon since the last one
 */
export async function writeAuditCheckpoint(
  dataSource: DataSource,
  signer: CheckpointSigner,
  maxEvents = DEFAULT_AUDIT_CHECKPOINT_OPTIONS.maxEvents,
): Promise<AuditCheckpoint | 'nothing-new' | 'skipped'> {
  return runInTransaction(dataSource, async ({ manager }) => {
    const [{ acquired }] = await manager.query<{ acquired: boolean }[]>(CHECKPOINT_LOCK_SQL.try);
    if (!acquired) return 'skipped';
    return nextCheckpoint(manager, signer, maxEvents);
  });
}

async function nextCheckpoint(
  db: Queryable,
  signer: CheckpointSigner,
  maxEvents: number,
): Promise<AuditCheckpoint | 'nothing-new'> {
  const [last] = await db.query<CheckpointRow[]>(LAST_CHECKPOINT_SQL);
  const [horizon] =
    await db.query<{ transaction_id: string; global_position: string }[]>(LOG_HORIZON_SQL);
  if (!horizon) return 'nothing-new';
  const digest = new RunningDigest(last ? last.digest : null);
  let cursor = last
    ? { transactionId: last.transaction_id, position: last.global_position }
    : { transactionId: '0', position: '0' };
  while (digest.events < maxEvents) {
    const rows = await db.query<LogHashRow[]>(LOG_HASHES_SQL, [
      cursor.transactionId,
      cursor.position,
      horizon.transaction_id,
      horizon.global_position,
      Math.min(HASHES_PAGE, maxEvents - digest.events),
    ]);
    for (const row of rows) digest.add(row.global_position, row.event_hash);
    if (rows.length === 0) break;
    const end = rows[rows.length - 1];
    cursor = { transactionId: end.transaction_id, position: end.global_position };
  }
  const added = digest.events;
  if (added === 0) return 'nothing-new';
  const fields = {
    sequence: last ? Number(last.sequence) + 1 : 1,
    transactionId: cursor.transactionId,
    globalPosition: cursor.position,
    events: (last ? Number(last.events) : 0) + digest.events,
    digest: digest.digest(),
  };
  const signature = signer.sign(fields);
  await db.query(INSERT_CHECKPOINT_SQL, [
    fields.sequence,
    fields.transactionId,
    fields.globalPosition,
    fields.events,
    fields.digest,
    signature,
  ]);
  return { ...fields, added, signature };
}

/**
 * Writes a signed checkpoint every `intervalMs` (at once again while a backlog remains), in
 * the background, as the other loops of the library run. Every instance may run one: the lock
 * lets one write at a time, the others find nothing new. Errors go to `onError` and back off.
 */
export class AuditCheckpointLoop {
  private readonly loop: BackgroundLoop;
  private readonly options: AuditCheckpointOptions;

  constructor(
    private readonly dataSource: DataSource,
    private readonly signer: CheckpointSigner,
    options: Partial<AuditCheckpointOptions> = {},
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.options = { ...DEFAULT_AUDIT_CHECKPOINT_OPTIONS, ...options };
    this.loop = new BackgroundLoop(() => this.turn(), this.options.failureBackoffMs);
  }

  start(): void {
    this.loop.start();
  }

  /** Resolves once the checkpoint being written, if any, is committed or rolled back. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async turn(): Promise<NextTurn> {
    try {
      const { maxEvents } = this.options;
      const written = await writeAuditCheckpoint(this.dataSource, this.signer, maxEvents);
      // A full checkpoint may have left events behind: look again at once.
      if (typeof written === 'object' && written.added >= maxEvents) return GO_ON;
      return { after: 'idle', ms: this.options.intervalMs };
    } catch (error) {
      this.onError(error);
      return { after: 'backoff', ms: this.options.failureBackoffMs };
    }
  }
}
