import { OutboxMessage } from './outbox-message';

/** One relay's claim on a batch: only its holder may settle the messages. */
export interface OutboxClaim {
  /** Fencing token: settling a message whose claim was since taken over does nothing. */
  readonly token: string;
  readonly messages: readonly OutboxMessage[];
}

/** A row of `GET /admin/outbox`'s dead letters. */
export interface DeadLetter {
  readonly id: string;
  readonly messageId: string;
  readonly streamId: string;
  readonly type: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: Date;
}

export interface OutboxStatus {
  /** Messages not yet published (including those blocked behind a dead letter). */
  readonly pending: number;
  /** Age of the oldest pending message in ms, 0 when none. */
  readonly oldestPendingAgeMs: number;
  readonly deadLettered: number;
  /** The oldest dead letters, at most 100. */
  readonly deadLetters: readonly DeadLetter[];
}

/** Durable state of the outbox, shared by every relay instance. */
export interface OutboxStore {
  /**
   * Claims up to `limit` publishable messages for `leaseMs`: per stream, only the unbroken
   * run of pending, due, unclaimed messages from its oldest unpublished one, so two relays
   * never hold messages of one stream at once and a stream's order is kept.
   * `behind`: the tokens of claims the caller still holds (it is publishing or settling them).
   * Their live messages do not stop their streams' runs, so the new ones may be their streams'
   * next. The caller must send the new ones after those, and give back any whose stream had a
   * message that was not published.
   */
  claim(limit: number, leaseMs: number, behind?: readonly string[]): Promise<OutboxClaim>;
  /** Marks confirmed messages published. @returns how many were still held by this claim. */
  markPublished(token: string, ids: readonly string[]): Promise<number>;
  /** Records a failed attempt: due again after `retryInMs`, or dead-lettered at `maxAttempts`. */
  markFailed(
    token: string,
    id: string,
    error: string,
    retryInMs: number,
    maxAttempts: number,
  ): Promise<void>;
  /** Gives messages back unpublished without counting an attempt, due after `retryInMs`. */
  release(token: string, ids: readonly string[], retryInMs: number): Promise<void>;
  /** Makes a dead letter pending again with a fresh attempt count. @returns false if none. */
  retryDeadLetter(id: string): Promise<boolean>;
  /** Deletes published messages older than `retentionMs`. @returns how many. */
  deletePublished(retentionMs: number, limit: number): Promise<number>;
  status(): Promise<OutboxStatus>;
}
