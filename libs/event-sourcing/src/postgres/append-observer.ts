/** One transaction of appends as PostgresEventStore wrote it. */
export interface AppendTransaction {
  /**
   * `group-commit`: single-stream appends of several commands committed together (each still
   * succeeds or fails alone); `multi-stream`: one command's atomic append to several streams.
   */
  readonly kind: 'group-commit' | 'multi-stream';
  /** Stream appends it carried (the group commit's batch size). */
  readonly appends: number;
  /** Events it wrote; 0 when it did not commit. */
  readonly events: number;
  /**
   * How long it took: a group commit from holding its connection to the end of its COMMIT or
   * ROLLBACK (the pool wait excluded); a multi-stream append including its pool wait.
   */
  readonly durationMs: number;
  /**
   * Whether it committed. A group commit that did not is written again in smaller batches
   * (each reported too) unless its COMMIT had been sent; a refused append inside a committed
   * batch does not make it fail.
   */
  readonly committed: boolean;
}

/**
 * Hears of every append transaction (metrics). Called synchronously after the transaction
 * ended, so it must be cheap; whatever it throws is ignored.
 */
export interface AppendObserver {
  transactionWritten?(transaction: AppendTransaction): void;
}
