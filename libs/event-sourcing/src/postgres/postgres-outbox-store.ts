import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { OutboxMessage } from '../outbox/outbox-message';
import { OutboxClaim, OutboxStatus, OutboxStore } from '../outbox/outbox-store.port';
import { runInTransaction } from './run-in-transaction';
import {
  CLAIM_LOCK_SQL,
  CLAIM_OUTBOX_SQL,
  DEAD_LETTERS_SQL,
  DELETE_PUBLISHED_SQL,
  MARK_FAILED_SQL,
  MARK_PUBLISHED_SQL,
  OUTBOX_STATUS_SQL,
  OutboxRow,
  RELEASE_SQL,
  RETRY_DEAD_LETTER_SQL,
} from './sql/outbox.sql';

const toOutboxMessage = (row: OutboxRow): OutboxMessage => ({
  id: row.id,
  messageId: row.message_id,
  streamId: row.stream_id,
  streamVersion: row.stream_version,
  type: row.type,
  body: row.body,
  correlationId: row.correlation_id,
  causationId: row.causation_id,
  ...(row.traceparent === null ? {} : { traceparent: row.traceparent }),
  attempts: row.attempts,
});

/**
 * The outbox in PostgreSQL (`es_outbox`, schema in `eventStoreMigrations`). Rows are written
 * by `PostgresEventStore` in the append transaction; this store claims and settles them.
 * Claims are short transactions of their own: no transaction stays open across a publish.
 */
export class PostgresOutboxStore implements OutboxStore {
  constructor(private readonly dataSource: DataSource) {}

  claim(limit: number, leaseMs: number, behind: readonly string[] = []): Promise<OutboxClaim> {
    const token = randomUUID();
    return runInTransaction(this.dataSource, async (queryRunner) => {
      await queryRunner.query(CLAIM_LOCK_SQL);
      const result = await queryRunner.query(
        CLAIM_OUTBOX_SQL,
        [token, limit, leaseMs, behind],
        true,
      );
      const rows = result.records as (OutboxRow & { behind_skipped: boolean })[];
      const behindSkipped = rows.filter((row) => row.behind_skipped).map((row) => row.id);
      if (behindSkipped.length > 0) await queryRunner.query(RELEASE_SQL, [token, behindSkipped, 0]);
      const messages = rows
        .filter((row) => !row.behind_skipped)
        .map(toOutboxMessage)
        .sort((a, b) => compareIds(a.id, b.id));
      return { token, messages };
    });
  }

  async markPublished(token: string, ids: readonly string[]): Promise<number> {
    return (await this.execute(MARK_PUBLISHED_SQL, [token, ids])).affected;
  }

  async markFailed(
    token: string,
    id: string,
    error: string,
    retryInMs: number,
    maxAttempts: number,
  ): Promise<void> {
    await this.dataSource.query(MARK_FAILED_SQL, [token, id, error, retryInMs, maxAttempts]);
  }

  async release(token: string, ids: readonly string[], retryInMs: number): Promise<void> {
    await this.dataSource.query(RELEASE_SQL, [token, ids, retryInMs]);
  }

  async retryDeadLetter(id: string): Promise<boolean> {
    return (await this.execute(RETRY_DEAD_LETTER_SQL, [id])).affected > 0;
  }

  async deletePublished(retentionMs: number, limit: number): Promise<number> {
    return (await this.execute(DELETE_PUBLISHED_SQL, [retentionMs, limit])).affected;
  }

  /**
   * One statement with its affected-row count. `DataSource.query` answers UPDATE and DELETE
   * with a `[rows, count]` pair on PostgreSQL, easy to misread as rows; this does not.
   */
  private async execute(sql: string, parameters: unknown[]): Promise<{ affected: number }> {
    const queryRunner = this.dataSource.createQueryRunner();
    try {
      const result = await queryRunner.query(sql, parameters, true);
      return { affected: result.affected ?? result.records.length };
    } finally {
      await queryRunner.release();
    }
  }

  async status(): Promise<OutboxStatus> {
    const [counts] =
      await this.dataSource.query<
        { pending: number; dead_lettered: number; oldest_pending_age_ms: string }[]
      >(OUTBOX_STATUS_SQL);
    const dead = await this.dataSource.query<
      {
        id: string;
        message_id: string;
        stream_id: string;
        type: string;
        attempts: number;
        last_error: string | null;
        created_at: Date;
      }[]
    >(DEAD_LETTERS_SQL);
    return {
      pending: counts.pending,
      oldestPendingAgeMs: Number(counts.oldest_pending_age_ms),
      deadLettered: counts.dead_lettered,
      deadLetters: dead.map((row) => ({
        id: row.id,
        messageId: row.message_id,
        streamId: row.stream_id,
        type: row.type,
        attempts: row.attempts,
        lastError: row.last_error,
        createdAt: row.created_at,
      })),
    };
  }
}

/** Outbox ids are bigints as decimal strings: compare by length, then lexically. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
