import { DataSource } from 'typeorm';
import { ProjectionTransaction } from '../projections/projection';
import { projectionTransaction } from './projection-transaction';
import { runInTransaction } from './run-in-transaction';

const RECORD_MESSAGE_SQL = `
INSERT INTO es_inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`;

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
