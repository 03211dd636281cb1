import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConcurrencyRetriesExhaustedError,
  DuplicateCommandError,
  WrongExpectedVersionError,
} from '../core/errors';
import { EventMetadata, LogPosition, NewEvent } from '../core/event';
import { CommandRecord, EventStore, SnapshotWrite } from '../core/event-store.port';
import { JsonValue } from '../core/json';
import { notifyObserver } from '../core/notify-observer';
import { AggregateRepository, LoadedAggregate } from './aggregate-repository';
import { CommandObserver } from './command-observer';
import { KeyedBatchQueue } from './keyed-batch-queue';
import { KeyedLock } from './keyed-lock';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, RetryPolicy } from './retry-policy';
import { streamLocksOf } from './stream-locks';

/** The state after a command, for computing its response. */
export interface CommandOutcome<State> {
  readonly state: State;
  readonly version: number;
  /** Where the command's last event sits in the global log; null when it decided nothing. */
  readonly position: LogPosition | null;
}

/** One command against one stream. */
export interface CommandExecution<State, Event extends NewEvent, Result extends JsonValue> {
  readonly streamId: string;
  /** A repeated command (same id) is a no-op that returns the first result. */
  readonly commandId: string;
  readonly metadata: EventMetadata;
  /**
   * The version the client last saw (If-Match). When set, a different current version is a
   * WrongExpectedVersionError and the command is NOT re-decided: the client asked to act on
   * exactly that state.
   */
  readonly expectedVersion?: number;
  /** The pure decision: new events, or a thrown domain error. Called again after a conflict. */
  decide(state: State): readonly Event[];
  /** The response, from the state after the command. Stored with the command id. */
  result(outcome: CommandOutcome<State>): Result;
}

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

interface Queued<State, Event extends NewEvent> {
  readonly command: CommandExecution<State, Event, JsonValue>;
  readonly resolve: (result: JsonValue) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Load, decide, append; on a version conflict reload and decide again with backoff and
 * jitter, up to `retryPolicy.maxAttempts`. Commands on one stream within this process are
 * serialised first, and each batch of them holds the stream in the shared stream lock (see
 * `streamLocks`) against the multi-stream commands that write it too (an account's closing),
 * so real conflicts come only from other processes and from writers outside the executors
 * (a cached state that such a writer made stale still costs one conflict and a reload).
 *
 * Fast path: the state this process committed last is kept (an LRU of streams), and a
 * command is decided on it without a load and without first looking up its id. Both are
 * safe because only an append can turn a cached decision into an outcome, and the append
 * checks what the cache assumed: the expected version (another process's commit since
 * makes it a conflict, then the stream is reloaded) and the command id (a repeat is refused
 * as DuplicateCommandError, then its first result is returned). Every other outcome (a
 * domain error, nothing to do, an If-Match mismatch) is decided again on a fresh load, and
 * a repeated command's recorded result wins over it.
 *
 * Hot streams: commands that queue up on a stream while its previous append is in flight
 * are decided one after the other on the state each leaves, and their events committed as
 * one append (EventStore.appendCommands), each command with its own metadata, record and
 * result. If that append fails for any reason, each of them runs again alone.
 * @throws the domain error `decide` throws; WrongExpectedVersionError when `expectedVersion`
 *   does not match; ConcurrencyRetriesExhaustedError when retries run out.
 */
export class CommandExecutor<State, Event extends NewEvent> {
  private readonly queue: KeyedBatchQueue<Queued<State, Event>>;
  private readonly counters = { conflicts: 0, retriesExhausted: 0 };
  private readonly cache = new Map<string, LoadedAggregate<State, Event>>();
  private readonly retryPolicy: RetryPolicy;
  private readonly cachedStreams: number;
  private readonly locks: KeyedLock;
  private readonly observer?: CommandObserver;

  /** Version conflicts met (each one re-decided or surfaced), and commands that ran out of retries. */
  get stats(): Readonly<{ conflicts: number; retriesExhausted: number }> {
    return { ...this.counters };
  }

  constructor(
    private readonly store: EventStore,
    private readonly repository: AggregateRepository<State, Event>,
    options: CommandExecutorOptions = {},
  ) {
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.cachedStreams = options.cachedStreams ?? 10_000;
    this.locks = options.streamLocks ?? streamLocksOf(store);
    this.observer = options.observer;
    this.queue = new KeyedBatchQueue(
      (streamId, batch) => this.run(streamId, batch),
      options.maxCommandsPerAppend ?? 64,
    );
  }

  execute<Result extends JsonValue>(
    command: CommandExecution<State, Event, Result>,
  ): Promise<Result> {
    return new Promise<Result>((resolve, reject) =>
      this.queue.push(command.streamId, {
        command,
        resolve: (result) => resolve(result as Result),
        reject,
      }),
    );
  }

  /** The commands queued on one stream: together when several can append, else one by one. */
  private async run(streamId: string, batch: Queued<State, Event>[]): Promise<void> {
    try {
      await this.locks.hold([streamId], async () => {
        const alone =
          batch.length > 1 && batch.every((queued) => queued.command.expectedVersion === undefined)
            ? await this.appendTogether(streamId, batch)
            : batch;
        for (const queued of alone)
          await this.decideAndAppend(queued.command).then(queued.resolve, queued.reject);
      });
    } catch (error) {
      // Nothing above should throw; if it ever does, no caller may wait for ever (settling a
      // settled promise again does nothing).
      batch.forEach((queued) => queued.reject(error));
    }
  }

  /**
   * Decides the batch in order on one state and appends every command that decided events
   * as one append. @returns the commands still to run alone: those that decided nothing or
   * were refused (they are decided again on the state after this append, which is as valid
   * an order for concurrent commands as any), or all of them when the append failed.
   */
  private async appendTogether(
    streamId: string,
    batch: Queued<State, Event>[],
  ): Promise<Queued<State, Event>[]> {
    const accepted: { queued: Queued<State, Event>; events: readonly Event[]; after: State }[] = [];
    const others: Queued<State, Event>[] = [];
    try {
      const loaded = this.cache.get(streamId) ?? (await this.repository.load(streamId));
      let state = loaded.state;
      for (const queued of batch) {
        const decision = this.decide(queued.command, { ...loaded, state });
        if (decision.kind !== 'append') {
          others.push(queued);
          continue;
        }
        state = this.repository.evolve(state, decision.events);
        accepted.push({ queued, events: decision.events, after: state });
      }
      if (accepted.length < 2) return batch;
      const version = accepted.reduce((sum, { events }) => sum + events.length, loaded.version);
      const snapshot = this.snapshotFor(loaded, version, state);
      const appended = await this.store.appendCommands(
        streamId,
        loaded.version === 0 ? 'no_stream' : loaded.version,
        accepted.map(({ queued: { command }, events, after }) => ({
          events,
          metadata: command.metadata,
          command: recordOf(command, after),
        })),
        snapshot,
      );
      this.remember(streamId, {
        state,
        version,
        events: [],
        snapshotVersion: snapshot ? version : loaded.snapshotVersion,
      });
      accepted.forEach(({ queued }, index) =>
        queued.resolve(appended[index].commandResult ?? null),
      );
      return others;
    } catch (error) {
      this.cache.delete(streamId);
      if (error instanceof WrongExpectedVersionError) {
        this.counters.conflicts++;
        for (const { queued } of accepted)
          notifyObserver(this.observer, (o) => o.conflicted?.(queued.command.commandId, streamId));
      }
      return batch;
    }
  }

  private async decideAndAppend<Result extends JsonValue>(
    command: CommandExecution<State, Event, Result>,
  ): Promise<Result> {
    for (let attempt = 1; ; attempt++) {
      const cached = this.cache.get(command.streamId);
      const loaded = cached ?? (await this.repository.load(command.streamId));
      const decision = this.decide(command, loaded);
      if (decision.kind !== 'append') {
        // Decided on this process's last commit: another may have written since. Decide again
        // on the stream as it is before answering anything but an append.
        if (cached) {
          this.cache.delete(command.streamId);
          attempt--;
          continue;
        }
        const recorded = await this.store.findCommandResult(command.commandId);
        if (recorded !== undefined) return this.replayed(command, recorded);
        if (decision.kind === 'refused') throw decision.error;
        return command.result({ state: loaded.state, version: loaded.version, position: null });
      }
      const { events } = decision;
      try {
        const after = this.repository.evolve(loaded.state, events);
        const next = loaded.version + events.length;
        const snapshot = this.snapshotFor(loaded, next, after);
        const appended = await this.store.appendToStream(
          command.streamId,
          loaded.version === 0 ? 'no_stream' : loaded.version,
          events,
          {
            metadata: command.metadata,
            snapshot,
            command: recordOf(command, after),
          },
        );
        this.remember(command.streamId, {
          state: after,
          version: appended.nextExpectedVersion,
          events: [],
          snapshotVersion: snapshot ? appended.nextExpectedVersion : loaded.snapshotVersion,
        });
        return appended.commandResult as Result;
      } catch (error) {
        this.cache.delete(command.streamId);
        // A repeat of a recorded command (or a concurrent duplicate that committed first).
        if (error instanceof DuplicateCommandError) {
          const recorded = await this.store.findCommandResult(command.commandId);
          if (recorded !== undefined) return this.replayed(command, recorded);
          if (attempt < this.retryPolicy.maxAttempts) continue;
        }
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        this.counters.conflicts++;
        notifyObserver(this.observer, (o) => o.conflicted?.(command.commandId, command.streamId));
        if (command.expectedVersion !== undefined || attempt >= this.retryPolicy.maxAttempts) {
          // About to refuse: a repeat of a recorded command still gets its first result (an
          // append path without the command-id guard reports the conflict first).
          const recorded = await this.store.findCommandResult(command.commandId);
          if (recorded !== undefined) return this.replayed(command, recorded);
        }
        if (command.expectedVersion !== undefined) throw error;
        if (attempt >= this.retryPolicy.maxAttempts) {
          this.counters.retriesExhausted++;
          notifyObserver(this.observer, (o) =>
            o.retriesExhausted?.(command.commandId, command.streamId),
          );
          throw new ConcurrencyRetriesExhaustedError(command.streamId, attempt);
        }
        // The first conflict after a cached decision only means the cache was stale.
        if (!cached || attempt > 1) await sleep(backoffDelayMs(this.retryPolicy, attempt));
      }
    }
  }

  /** The first result of a repeated command, which the observer hears of. */
  private replayed<Result extends JsonValue>(
    command: CommandExecution<State, Event, Result>,
    recorded: JsonValue,
  ): Result {
    notifyObserver(this.observer, (o) => o.replayed?.(command.commandId));
    return recorded as Result;
  }

  /** The command's decision on `loaded`, without throwing. */
  private decide<Result extends JsonValue>(
    command: CommandExecution<State, Event, Result>,
    loaded: Pick<LoadedAggregate<State, Event>, 'state' | 'version'>,
  ): Decision<Event> {
    if (command.expectedVersion !== undefined && command.expectedVersion !== loaded.version) {
      return {
        kind: 'refused',
        error: new WrongExpectedVersionError(
          command.streamId,
          command.expectedVersion,
          loaded.version,
        ),
      };
    }
    let events: readonly Event[];
    try {
      events = command.decide(loaded.state);
    } catch (error) {
      return { kind: 'refused', error };
    }
    return events.length === 0 ? { kind: 'nothing' } : { kind: 'append', events };
  }

  /**
   * The snapshot to write with an append taking `loaded` to `version` and `state`, when the
   * policy makes one due. Written in the append's transaction, so it never runs ahead of its
   * events.
   */
  private snapshotFor(
    loaded: LoadedAggregate<State, Event>,
    version: number,
    state: State,
  ): SnapshotWrite | undefined {
    const policy = this.repository.snapshots;
    return policy && this.repository.snapshotDue(loaded, version)
      ? { state: policy.toJson(state), schemaVersion: policy.schemaVersion }
      : undefined;
  }

  /** Keeps the newest `cachedStreams` streams' state, least recently written dropped first. */
  private remember(streamId: string, loaded: LoadedAggregate<State, Event>): void {
    if (this.cachedStreams === 0) return;
    this.cache.delete(streamId);
    this.cache.set(streamId, loaded);
    if (this.cache.size > this.cachedStreams) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}

/** The record of `command`: its id, and its result from the state it left and the append. */
function recordOf<State, Event extends NewEvent>(
  command: CommandExecution<State, Event, JsonValue>,
  after: State,
): CommandRecord {
  return {
    id: command.commandId,
    result: (done) =>
      command.result({
        state: after,
        version: done.nextExpectedVersion,
        position: done.lastPosition,
      }),
  };
}

type Decision<Event> =
  | { kind: 'append'; events: readonly Event[] }
  | { kind: 'nothing' }
  | { kind: 'refused'; error: unknown };
