import { DataSource } from 'typeorm';
import { ProjectionTransaction } from '../projections/projection';
import { projectionTransaction } from './projection-transaction';
import { runInTransaction } from './run-in-transaction';

const RECORD_MESSAGE_SQL = `
INSERT INTO es_inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`;

/** Deletes up to $2 inbox records (any consumer) handled more than $1 ms ago; counts them. */
const PURGE_HANDLED_SQL = `
WITH expired AS (
  SELECT consumer, message_id FROM es_inbox
   WHERE handled_at < now() - $1 * interval '1 millisecond'
   ORDER BY handled_at LIMIT $2
   FOR UPDATE SKIP LOCKED
), deleted AS (
  DELETE FROM es_inbox i USING expired e
   WHERE i.consumer = e.consumer AND i.message_id = e.message_id
  RETURNING 1
)
SELECT count(*)::int AS deleted FROM deleted`;

/**
 * Deletes every consumer's inbox records older than `retentionMs`, `batchSize` rows per
 * statement (each its own short transaction, skipping rows a consumer holds), so writers
 * are never blocked behind it. A message redelivered after its record is gone is applied
 * again: the retention must outlast the longest a message can wait in a queue or be resent.
 * @returns how many records were deleted
 */
export async function purgeInbox(
  dataSource: DataSource,
  retentionMs: number,
  batchSize = 1_000,
): Promise<number> {
  let total = 0;
  for (;;) {
    const [{ deleted }] = await dataSource.query<{ deleted: number }[]>(PURGE_HANDLED_SQL, [
      retentionMs,
      batchSize,
    ]);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

/**
 * A consumer's inbox (`es_inbox`): the message ids it handled, recorded in the same
 * transaction as the handler's effect. A redelivered message finds its id and changes
 * nothing; two deliveries racing each other wait on the primary key, and the second skips.
 */
export class PostgresInbox {
  /** @param consumer a stable name: the deduplication scope, like a projection's name. */
  constructor(
    private readonly dataSource: DataSource,
    readonly consumer: string,
  ) {}

  /**
   * Runs `effect` once per `messageId`, in one transaction with the inbox record.
   * @returns true when the effect ran now, false for a message handled before.
   * @throws what `effect` throws (then nothing is recorded and a redelivery runs it again)
   */
  handleOnce(
    messageId: string,
    effect: (tx: ProjectionTransaction) => Promise<void>,
  ): Promise<boolean> {
    return runInTransaction(this.dataSource, async (queryRunner) => {
      const inserted = await queryRunner.query(
        RECORD_MESSAGE_SQL,
        [this.consumer, messageId],
        true,
      );
      if (inserted.records.length === 0) return false;
      await effect(projectionTransaction(queryRunner));
      return true;
    });
  }
}
