import { WrongExpectedVersionError } from '../core/errors';
import { EventMetadata, NewEvent } from '../core/event';
import { EventStore, MultiStreamAppendResult } from '../core/event-store.port';
import { JsonValue } from '../core/json';
import { AggregateRepository, LoadedAggregate } from './aggregate-repository';
import { CommandObserver } from './command-observer';
import { Decided, DecideAndAppend } from './decide-and-append';
import { KeyedLock } from './keyed-lock';
import { RetryPolicy } from './retry-policy';
import { expectedVersionOf } from './stream-command';
import { streamLocksOf } from './stream-locks';

/**
 * Loads a stream for a multi-stream decision and remembers the version it was read at: a
 * stream that is written is appended expecting that version. A stream that is only read is
 * not checked at commit, so a rule that depends on a stream must also write to it.
 */
export type StreamLoader = <State, Event extends NewEvent>(
  repository: AggregateRepository<State, Event>,
  streamId: string,
) => Promise<LoadedAggregate<State, Event>>;

/** New events for one stream that the decision loaded. */
export interface StreamWrite {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
}

/** One command whose rule spans several streams (aggregates). */
export interface MultiStreamCommandExecution<Result extends JsonValue> {
  /** A repeated command (same id) is a no-op that returns the first result. */
  readonly commandId: string;
  readonly metadata: EventMetadata;
  /**
   * If-Match per stream: a loaded stream at another version is a WrongExpectedVersionError at
   * once, and the command is NOT re-decided (the client asked to act on exactly that state).
   */
  readonly expectedVersions?: Readonly<Record<string, number>>;
  /**
   * The streams the command will write that are known before `decide` runs (an account
   * opening: the new account's and its customer's). The command holds them in this process
   * for its whole load, decide, append and retry, so this process's commands that write one
   * of them (through any executor on the same store) run one after another instead of
   * conflicting. A written stream not named here is added from the attempt after its first
   * conflict. Default none: the first attempt holds nothing. It never replaces the check at
   * commit: every written stream is still appended at the version it was loaded at.
   */
  readonly serializeOn?: readonly string[];
  /**
   * Loads the streams it needs through `load` and returns the events per stream, calling the
   * pure decide functions; throws a domain error to refuse. Called again after a conflict.
   * Every stream written must have been loaded: it is appended at the version it was read.
   */
  decide(load: StreamLoader): Promise<readonly StreamWrite[]>;
  /** The response; `appended` is null when the decision wrote nothing. Stored with the command id. */
  result(appended: MultiStreamAppendResult | null): Result;
}

/** Tuning of a MultiStreamCommandExecutor. */
export interface MultiStreamCommandExecutorOptions {
  /** Re-decisions after conflicts. Default DEFAULT_RETRY_POLICY (20 attempts, full jitter). */
  readonly retryPolicy?: RetryPolicy;
  /**
   * The in-process lock of the streams commands hold (see `serializeOn`). Default
   * `streamLocksOf(store)`, shared with every executor on the same store object.
   */
  readonly streamLocks?: KeyedLock;
  /** Hears of conflicts, exhausted retries and replayed commands (metrics). Default none. */
  readonly observer?: CommandObserver;
}

/**
 * Load, decide, append atomically to several streams, each at the version it was loaded at;
 * on a version conflict in any of them, reload everything and decide again, with backoff and
 * jitter, up to `retryPolicy.maxAttempts`. For rules across aggregates that must hold under
 * any concurrency: a reservation stream for a unique key, or a parent stream that a child's
 * creation and the parent's removal both write, so they cannot both succeed.
 *
 * In this process, a command first holds the streams it declares (`serializeOn`) in the
 * shared stream lock, so a burst of commands on one stream (500 account openings for one
 * customer) queues instead of exhausting its attempts against itself: conflicts come only
 * from other processes and from writers outside the executors. A conflict on a written
 * stream it did not hold gives the lock back and queues again holding that stream too
 * (sorted, so no deadlock); a conflict on a held stream (another process) is re-decided
 * after the backoff, still holding. Attempts count across holds.
 * @throws the domain error `decide` throws; WrongExpectedVersionError on an If-Match mismatch
 *   (never re-decided); ConcurrencyRetriesExhaustedError when retries run out; RangeError
 *   when a written stream was never loaded.
 */
export class MultiStreamCommandExecutor {
  private readonly retry: DecideAndAppend;
  private readonly locks: KeyedLock;

  /** Version conflicts met (each one re-decided or surfaced), and commands that ran out of retries. */
  get stats(): Readonly<{ conflicts: number; retriesExhausted: number }> {
    return this.retry.stats;
  }

  constructor(
    private readonly store: EventStore,
    options: MultiStreamCommandExecutorOptions = {},
  ) {
    this.retry = new DecideAndAppend(store, options);
    this.locks = options.streamLocks ?? streamLocksOf(store);
  }

  execute<Result extends JsonValue>(command: MultiStreamCommandExecution<Result>): Promise<Result> {
    // The streams the next hold takes: those declared, and every written stream that has
    // conflicted while not held.
    const contended = new Set(command.serializeOn);
    let holding: ReadonlySet<string> = new Set();
    return this.retry.run({
      commandId: command.commandId,
      // Nothing cached makes deciding cheap: a repeat is answered before it is decided again.
      lookUpFirst: true,
      hold: (attempts) => {
        holding = new Set(contended);
        return this.locks.hold(holding, attempts);
      },
      attempt: () => this.attempt(command, (streamId) => holding.has(streamId), contended),
    });
  }

  /**
   * Loads and decides the command once. A conflict on a written stream it does not hold adds
   * that stream to `contended` and asks for a new hold that takes it too.
   */
  private async attempt<Result extends JsonValue>(
    command: MultiStreamCommandExecution<Result>,
    held: (streamId: string) => boolean,
    contended: Set<string>,
  ): Promise<Decided<Result>> {
    const versions = new Map<string, number>();
    const load: StreamLoader = async (repository, streamId) => {
      const loaded = await repository.load(streamId);
      const ifMatch = command.expectedVersions?.[streamId];
      if (ifMatch !== undefined && ifMatch !== loaded.version)
        throw new WrongExpectedVersionError(streamId, ifMatch, loaded.version);
      versions.set(streamId, loaded.version);
      return loaded;
    };
    // A domain error or an If-Match mismatch is a refusal: final, never re-decided. Unless the
    // same command committed since the look-up before this attempt (a retry that took over a
    // live execution, on another instance): its result wins over a refusal decided on the
    // state it left (see DecideAndAppend).
    let decided: readonly StreamWrite[];
    try {
      decided = await command.decide(load);
    } catch (error) {
      return { kind: 'refused', error };
    }
    const writes = decided.filter((write) => write.events.length > 0);
    if (writes.length === 0) return { kind: 'nothing', answer: () => command.result(null) };
    return {
      kind: 'append',
      append: async () => {
        const appended = await this.store.appendToStreams(
          writes.map(({ streamId, events }) => {
            const version = versions.get(streamId);
            if (version === undefined)
              throw new RangeError(`stream ${streamId} is written but was never loaded`);
            return { streamId, expected: expectedVersionOf(version), events };
          }),
          {
            metadata: command.metadata,
            command: { id: command.commandId, result: (done) => command.result(done) },
          },
        );
        return appended.commandResult as Result;
      },
      afterConflict: () => {
        const unheld = writes.filter(({ streamId }) => !held(streamId));
        // Likely another command of this process: queue behind it rather than back off.
        unheld.forEach(({ streamId }) => contended.add(streamId));
        return unheld.length > 0 ? 'hold-more' : 'backoff';
      },
    };
  }
}
