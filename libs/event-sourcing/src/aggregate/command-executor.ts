import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConcurrencyRetriesExhaustedError,
  DuplicateCommandError,
  WrongExpectedVersionError,
} from '../core/errors';
import { EventMetadata, LogPosition, NewEvent } from '../core/event';
import { EventStore } from '../core/event-store.port';
import { JsonValue } from '../core/json';
import { AggregateRepository } from './aggregate-repository';
import { KeyedSerialQueue } from './keyed-serial-queue';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, RetryPolicy } from './retry-policy';

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

/**
 * Load, decide, append; on a version conflict reload and decide again with backoff and
 * jitter, up to `retryPolicy.maxAttempts`. Commands on one stream within this process are
 * serialised first, so conflicts only come from other processes.
 * @throws the domain error `decide` throws; WrongExpectedVersionError when `expectedVersion`
 *   does not match; ConcurrencyRetriesExhaustedError when retries run out.
 */
export class CommandExecutor<State, Event extends NewEvent> {
  private readonly queue = new KeyedSerialQueue();
  private readonly counters = { conflicts: 0, retriesExhausted: 0 };

  /** Version conflicts met (each one re-decided or surfaced), and commands that ran out of retries. */
  get stats(): Readonly<{ conflicts: number; retriesExhausted: number }> {
    return { ...this.counters };
  }

  constructor(
    private readonly store: EventStore,
    private readonly repository: AggregateRepository<State, Event>,
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  execute<Result extends JsonValue>(
    command: CommandExecution<State, Event, Result>,
  ): Promise<Result> {
    return this.queue.run(command.streamId, () => this.decideAndAppend(command));
  }

  private async decideAndAppend<Result extends JsonValue>(
    command: CommandExecution<State, Event, Result>,
  ): Promise<Result> {
    for (let attempt = 1; ; attempt++) {
      const recorded = await this.store.findCommandResult(command.commandId);
      if (recorded !== undefined) return recorded as Result;

      const loaded = await this.repository.load(command.streamId);
      const { state, version } = loaded;
      if (command.expectedVersion !== undefined && command.expectedVersion !== version) {
        throw new WrongExpectedVersionError(command.streamId, command.expectedVersion, version);
      }
      const events = command.decide(state);
      if (events.length === 0) return command.result({ state, version, position: null });

      try {
        const after = this.repository.evolve(state, events);
        const policy = this.repository.snapshots;
        // Written in the append's transaction, so a snapshot never runs ahead of its events.
        const snapshot =
          policy && this.repository.snapshotDue(loaded, version + events.length)
            ? { state: policy.toJson(after), schemaVersion: policy.schemaVersion }
            : undefined;
        const appended = await this.store.appendToStream(
          command.streamId,
          version === 0 ? 'no_stream' : version,
          events,
          {
            metadata: command.metadata,
            snapshot,
            command: {
              id: command.commandId,
              result: (done) =>
                command.result({
                  state: after,
                  version: done.nextExpectedVersion,
                  position: done.lastPosition,
                }),
            },
          },
        );
        return appended.commandResult as Result;
      } catch (error) {
        // A concurrent duplicate committed first: the next pass replays its result.
        if (error instanceof DuplicateCommandError && attempt < this.retryPolicy.maxAttempts)
          continue;
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        this.counters.conflicts++;
        if (command.expectedVersion !== undefined) throw error;
        if (attempt >= this.retryPolicy.maxAttempts) {
          this.counters.retriesExhausted++;
          throw new ConcurrencyRetriesExhaustedError(command.streamId, attempt);
        }
        await sleep(backoffDelayMs(this.retryPolicy, attempt));
      }
    }
  }
}
