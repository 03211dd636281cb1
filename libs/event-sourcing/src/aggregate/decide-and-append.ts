import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConcurrencyRetriesExhaustedError,
  DuplicateCommandError,
  WrongExpectedVersionError,
} from '../core/errors';
import { EventStore } from '../core/event-store.port';
import { JsonValue } from '../core/json';
import { notifyObserver } from '../core/notify-observer';
import { CommandObserver } from './command-observer';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, RetryPolicy } from './retry-policy';

/** What one attempt decided on the state it loaded, before anything is written. */
export type Decided<Result extends JsonValue> =
  | {
      readonly kind: 'append';
      /**
       * Writes the decision, expecting the versions it was decided on, and resolves to the
       * command's result as stored with it.
       */
      append(): Promise<Result>;
      /** What follows a version conflict of this append, unless retries ran out. */
      afterConflict(error: WrongExpectedVersionError): AfterConflict;
    }
  | { readonly kind: 'nothing'; answer(): Result }
  | { readonly kind: 'refused'; readonly error: unknown };

/**
 * After a version conflict: `refuse` (If-Match: the client asked to act on exactly the state
 * decided on), decide again `at-once` or after the `backoff`, or `hold-more`: leave the
 * current `hold` and decide again inside a new one (no backoff: what conflicted is likely a
 * command of this process, which the new hold queues behind).
 */
export type AfterConflict = 'refuse' | 'at-once' | 'backoff' | 'hold-more';

/** One command as the retry rule sees it: how to decide it on the latest state. */
export interface CommandAttempts<Result extends JsonValue> {
  /** Its id: a repeat of a recorded command is answered with the recorded result. */
  readonly commandId: string;
  /**
   * Loads the latest state and decides on it (`attempt` counts from 1, across holds). What it
   * throws is final: nothing is retried or looked up.
   */
  attempt(attempt: number): Promise<Decided<Result>>;
  /**
   * Ask whether the command id is recorded before every attempt, not only before answering
   * anything but an append. For commands without a cached state: one look-up is cheaper than
   * deciding a repeat again. Default false.
   */
  readonly lookUpFirst?: boolean;
  /**
   * Runs a series of attempts while holding what they need (an in-process lock); called again
   * after an attempt answered `hold-more`. Default: runs them without holding anything.
   */
  hold?<T>(attempts: () => Promise<T>): Promise<T>;
}

/** Tuning of a DecideAndAppend: the executors' options of the same names. */
export interface DecideAndAppendOptions {
  /** Re-decisions after conflicts. Default DEFAULT_RETRY_POLICY (20 attempts, full jitter). */
  readonly retryPolicy?: RetryPolicy;
  /** Hears of conflicts, exhausted retries and replayed commands. Default none. */
  readonly observer?: CommandObserver;
}

type Settled<Result> = { readonly done: true; readonly result: Result } | { readonly done: false };

/**
 * The one rule of every command executor: decide, append; on a version conflict decide again
 * on a fresh load with backoff and jitter, up to `retryPolicy.maxAttempts`.
 *
 * - A conflict the attempt says to `refuse` (If-Match) is never re-decided: the
 *   WrongExpectedVersionError is thrown.
 * - Retries that run out throw ConcurrencyRetriesExhaustedError (the observer hears
 *   `retriesExhausted`).
 * - A repeat of a recorded command gets its first result (the observer hears `replayed`), and
 *   it wins over whatever else the command would end in: a DuplicateCommandError from the
 *   append's command-id guard, a refusal or a no-op decided on the state the first run left,
 *   a refused conflict or exhausted retries (an append path without the command-id guard
 *   reports the conflict first). Every such question goes through `recorded`.
 * - Anything else the append throws is thrown as it is.
 *
 * Its `stats` count what it met over all the commands it ran.
 */
export class DecideAndAppend {
  private readonly counters = { conflicts: 0, retriesExhausted: 0 };
  private readonly retryPolicy: RetryPolicy;
  private readonly observer?: CommandObserver;

  /** @param wait how a backoff waits (a spec's clock); default a timer. */
  constructor(
    private readonly store: Pick<EventStore, 'findCommandResult'>,
    options: DecideAndAppendOptions = {},
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
  ) {
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.observer = options.observer;
  }

  /** Version conflicts met (each one re-decided or surfaced), and commands that ran out of retries. */
  get stats(): Readonly<{ conflicts: number; retriesExhausted: number }> {
    return { ...this.counters };
  }

  /**
   * The command's result: appended, answered without writing, or replayed.
   * @throws the refusal an attempt decided; WrongExpectedVersionError on a refused conflict;
   *   ConcurrencyRetriesExhaustedError; what `attempt` or the append throw otherwise.
   */
  async run<Result extends JsonValue>(command: CommandAttempts<Result>): Promise<Result> {
    const made = { attempts: 0 };
    for (;;) {
      const attempts = (): Promise<Settled<Result>> => this.attempts(command, made);
      const settled = await (command.hold ? command.hold(attempts) : attempts());
      if (settled.done) return settled.result;
    }
  }

  /**
   * Counts one version conflict of an append carrying `commandIds` (the observer hears of it
   * once per command): for a caller that appends several commands together outside `run`.
   */
  conflicted(streamId: string, commandIds: readonly string[]): void {
    this.counters.conflicts++;
    for (const commandId of commandIds)
      notifyObserver(this.observer, (o) => o.conflicted?.(commandId, streamId));
  }

  /** Attempts until one settles the command or asks for another hold. */
  private async attempts<Result extends JsonValue>(
    command: CommandAttempts<Result>,
    made: { attempts: number },
  ): Promise<Settled<Result>> {
    const { maxAttempts } = this.retryPolicy;
    for (;;) {
      const attempt = ++made.attempts;
      if (command.lookUpFirst) {
        const recorded = await this.recorded<Result>(command.commandId);
        if (recorded) return recorded;
      }
      const decided = await command.attempt(attempt);
      if (decided.kind !== 'append') {
        // Answered without writing: a repeat decided on the state its first run left (or a run
        // that committed meanwhile, on another instance) gets that run's result instead.
        const recorded = await this.recorded<Result>(command.commandId);
        if (recorded) return recorded;
        if (decided.kind === 'refused') throw decided.error;
        return { done: true, result: decided.answer() };
      }
      try {
        return { done: true, result: await decided.append() };
      } catch (error) {
        // A repeat of a recorded command (or a concurrent duplicate that committed first).
        if (error instanceof DuplicateCommandError) {
          const recorded = await this.recorded<Result>(command.commandId);
          if (recorded) return recorded;
          if (attempt < maxAttempts) continue;
        }
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        this.conflicted(error.streamId, [command.commandId]);
        const next = decided.afterConflict(error);
        if (next === 'refuse' || attempt >= maxAttempts) {
          // About to refuse: a repeat of a recorded command still gets its first result (an
          // append path without the command-id guard reports the conflict first).
          const recorded = await this.recorded<Result>(command.commandId);
          if (recorded) return recorded;
        }
        if (next === 'refuse') throw error;
        if (attempt >= maxAttempts) {
          this.counters.retriesExhausted++;
          notifyObserver(this.observer, (o) =>
            o.retriesExhausted?.(command.commandId, error.streamId),
          );
          throw new ConcurrencyRetriesExhaustedError(error.streamId, attempt);
        }
        if (next === 'hold-more') return { done: false };
        if (next === 'backoff') await this.wait(backoffDelayMs(this.retryPolicy, attempt));
      }
    }
  }

  /**
   * Whether the command id is recorded: its first result if so (the observer hears it
   * replayed), else undefined. The only place any executor asks.
   */
  private async recorded<Result extends JsonValue>(
    commandId: string,
  ): Promise<Settled<Result> | undefined> {
    const result = await this.store.findCommandResult(commandId);
    if (result === undefined) return undefined;
    notifyObserver(this.observer, (o) => o.replayed?.(commandId));
    return { done: true, result: result as Result };
  }
}
