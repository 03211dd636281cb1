/**
 * What the command executors do that their callers cannot see from the outcome alone, for
 * metrics: version conflicts met on the way, and repeats answered from the command record.
 * Every method is optional. Calls are synchronous and in the middle of a command's run, so an
 * implementation must be cheap; whatever it throws is ignored (see notifyObserver).
 */
export interface CommandObserver {
  /**
   * An append of the command met another writer's commit (a version conflict). It is decided
   * again after a backoff, or refused (If-Match sent, or retries ran out). A group of commands
   * of one stream appended together reports the conflict once per command in it.
   */
  conflicted?(commandId: string, streamId: string): void;
  /** The command ran out of retries: ConcurrencyRetriesExhaustedError follows. */
  retriesExhausted?(commandId: string, streamId: string): void;
  /**
   * The command id was already recorded: the command is answered with its first result and
   * nothing is decided or written again.
   */
  replayed?(commandId: string): void;
}
