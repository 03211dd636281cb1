import { RunningDigest } from './running-digest';
import {
  CheckpointRow,
  CHECKPOINTS_PAGE_SQL,
  LOG_HASHES_SQL,
  LogHashRow,
  Queryable,
} from './tamper-evidence.sql';

/** A stored checkpoint, and what the log as it is now gives for it. */
export interface WalkedCheckpoint {
  readonly stored: CheckpointRow;
  readonly sequence: number;
  /** The digest over the log up to the checkpoint, chained from the one recomputed before it. */
  readonly digest: Buffer;
  /** Events in the log up to the checkpoint. */
  readonly events: number;
}

/** Rows per query: checkpoints, and event hashes. */
const CHECKPOINTS_PAGE = 500;
const HASHES_PAGE = 10_000;

/**
 * The stored checkpoints after `from` (null: from the first), each with the digest the log
 * gives for it now. Reads the event hashes once, in log order, a page at a time: memory stays
 * bounded whatever the log's size.
 */
export async function* walkCheckpoints(
  db: Queryable,
  from: CheckpointRow | null,
): AsyncGenerator<WalkedCheckpoint> {
  let previous = from ? from.digest : null;
  let cursor = from
    ? { transactionId: from.transaction_id, position: from.global_position }
    : { transactionId: '0', position: '0' };
  let events = from ? Number(from.events) : 0;
  let after = from ? from.sequence : '0';
  for (;;) {
    const checkpoints = await db.query<CheckpointRow[]>(CHECKPOINTS_PAGE_SQL, [
      after,
      CHECKPOINTS_PAGE,
    ]);
    if (checkpoints.length === 0) return;
    for (const stored of checkpoints) {
      const digest = new RunningDigest(previous);
      for (;;) {
        const rows = await db.query<LogHashRow[]>(LOG_HASHES_SQL, [
          cursor.transactionId,
          cursor.position,
          stored.transaction_id,
          stored.global_position,
          HASHES_PAGE,
        ]);
        for (const row of rows) digest.add(row.global_position, row.event_hash);
        if (rows.length > 0) {
          const last = rows[rows.length - 1];
          cursor = { transactionId: last.transaction_id, position: last.global_position };
        }
        if (rows.length < HASHES_PAGE) break;
      }
      // The next range starts at the checkpoint, whether or not its own event is still there.
      cursor = { transactionId: stored.transaction_id, position: stored.global_position };
      events += digest.events;
      const value = digest.digest();
      previous = value;
      yield { stored, sequence: Number(stored.sequence), digest: value, events };
    }
    after = checkpoints[checkpoints.length - 1].sequence;
  }
}
