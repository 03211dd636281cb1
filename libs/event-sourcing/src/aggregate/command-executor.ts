import { NewEvent } from '../core/event';
import { EventStore } from '../core/event-store.port';
import { JsonValue } from '../core/json';
import { AggregateRepository, LoadedAggregate } from './aggregate-repository';
import { CachingStateLoader } from './caching-state-loader';
import { CommandObserver } from './command-observer';
import { Decided, DecideAndAppend } from './decide-and-append';
import { HotStreamBatcher } from './hot-stream-batcher';
import { KeyedLock } from './keyed-lock';
import { RetryPolicy } from './retry-policy';
import {
  CommandExecution,
  decideCommand,
  expectedVersionOf,
  recordOf,
  snapshotFor,
} from './stream-command';
import { streamLocksOf } from './stream-locks';

export type { CommandExecution, CommandOutcome } from './stream-command';

/** Tuning of a CommandExecutor. */
export interface CommandExecutorOptions {
  readonly retryPolicy?: RetryPolicy;
  /**
   * How many streams' latest state (after this process's own commits) to keep, so the next
   * command on a stream skips its load; 0 turns the cache off. Default 10 000.
   */
  readonly cachedStreams?: number;
  /** Most commands of one stream committed together (see below). Default 64; 1 turns it off. */
  readonly maxCommandsPerAppend?: number;
  /**
   * The in-process lock of streams, held on a stream while its commands run, so that
   * multi-stream commands writing it wait for them and they for those. Default
   * `streamLocksOf(store)`, shared with every executor on the same store object.
   */
  readonly streamLocks?: KeyedLock;
  /** Hears of conflicts, exhausted retries and replayed commands (metrics). Default none. */
  readonly observer?: CommandObserver;
}

/**
 * Load, decide, append; on a version conflict reload and decide again with backoff and
 * jitter, up to `retryPolicy.maxAttempts` (DecideAndAppend). Commands on one stream within
 * this process are serialised first, and each batch of them holds the stream in the shared
 * stream lock (see `streamLocks`) against the multi-stream commands that write it too (an
 * account's closing), so real conflicts come only from other processes and from writers
 * outside the executors (a cached state that such a writer made stale still costs one
 * conflict and a reload).
 *
 * Fast path: the state this process committed last is kept (`cachedStreams`), and a command
 * is decided on it without a load and without first looking up its id; anything but an
 * append decided there is decided again on a fresh load (CachingStateLoader).
 *
 * Hot streams: commands that queue up on a stream while its previous append is in flight are
 * decided one after the other on the state each leaves and committed as one append; if that
 * append fails, each runs again alone (HotStreamBatcher).
 * @throws the domain error `decide` throws; WrongExpectedVersionError when `expectedVersion`
 *   does not match; ConcurrencyRetriesExhaustedError when retries run out.
 */
export class CommandExecutor<State, Event extends NewEvent> {
  private readonly retry: DecideAndAppend;
  private readonly loader: CachingStateLoader<State, Event>;
  private readonly batcher: HotStreamBatcher<State, Event>;

  /** Version conflicts met (each one re-decided or surfaced), and commands that ran out of retries. */
  get stats(): Readonly<{ conflicts: number; retriesExhausted: number }> {
    return this.retry.stats;
  }

  constructor(
    private readonly store: EventStore,
    private readonly repository: AggregateRepository<State, Event>,
    options: CommandExecutorOptions = {},
  ) {
    this.retry = new DecideAndAppend(store, options);
    this.loader = new CachingStateLoader(repository, options.cachedStreams ?? 10_000);
    this.batcher = new HotStreamBatcher({
      store,
      repository,
      loader: this.loader,
      locks: options.streamLocks ?? streamLocksOf(store),
      maxCommandsPerAppend: options.maxCommandsPerAppend ?? 64,
      runAlone: (command) => this.runAlone(command),
      conflicted: (streamId, commandIds) => this.retry.conflicted(streamId, commandIds),
    });
  }

  execute<Result extends JsonValue>(
    command: CommandExecution<State, Event, Result>,
  ): Promise<Result> {
    return this.batcher.execute(command);
  }

  /** One command by itself, its stream held: decided on the latest state and appended. */
  private runAlone<Result extends JsonValue>(
    command: CommandExecution<State, Event, Result>,
  ): Promise<Result> {
    return this.retry.run({
      commandId: command.commandId,
      attempt: async (attempt): Promise<Decided<Result>> => {
        const { loaded, decision, cached } = await this.loader.decideOnLatest(
          command.streamId,
          (latest) => decideCommand(command, latest),
        );
        if (decision.kind === 'refused') return decision;
        if (decision.kind === 'nothing') {
          const { state, version } = loaded;
          return {
            kind: 'nothing',
            answer: () => command.result({ state, version, position: null }),
          };
        }
        return {
          kind: 'append',
          append: () => this.append(command, loaded, decision.events),
          // The first conflict after a cached decision only means the cache was stale.
          afterConflict: () =>
            command.expectedVersion !== undefined
              ? 'refuse'
              : cached && attempt === 1
                ? 'at-once'
                : 'backoff',
        };
      },
    });
  }

  /** Appends the command's events to the stream at `loaded`'s version, and remembers the state. */
  private async append<Result extends JsonValue>(
    command: CommandExecution<State, Event, Result>,
    loaded: LoadedAggregate<State, Event>,
    events: readonly Event[],
  ): Promise<Result> {
    try {
      const after = this.repository.evolve(loaded.state, events);
      const snapshot = snapshotFor(this.repository, loaded, loaded.version + events.length, after);
      const appended = await this.store.appendToStream(
        command.streamId,
        expectedVersionOf(loaded.version),
        events,
        { metadata: command.metadata, snapshot, command: recordOf(command, after) },
      );
      this.loader.remember(command.streamId, {
        state: after,
        version: appended.nextExpectedVersion,
        events: [],
        snapshotVersion: snapshot ? appended.nextExpectedVersion : loaded.snapshotVersion,
      });
      return appended.commandResult as Result;
    } catch (error) {
      this.loader.forget(command.streamId);
      throw error;
    }
  }
}
