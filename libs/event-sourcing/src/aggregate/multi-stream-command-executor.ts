import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConcurrencyRetriesExhaustedError,
  DuplicateCommandError,
  WrongExpectedVersionError,
} from '../core/errors';
import { EventMetadata, NewEvent } from '../core/event';
import { EventStore, MultiStreamAppendResult } from '../core/event-store.port';
import { JsonValue } from '../core/json';
import { AggregateRepository, LoadedAggregate } from './aggregate-repository';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, RetryPolicy } from './retry-policy';

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
   * Loads the streams it needs through `load` and returns the events per stream, calling the
   * pure decide functions; throws a domain error to refuse. Called again after a conflict.
   * Every stream written must have been loaded: it is appended at the version it was read.
   */
  decide(load: StreamLoader): Promise<readonly StreamWrite[]>;
  /** The response; `appended` is null when the decision wrote nothing. Stored with the command id. */
  result(appended: MultiStreamAppendResult | null): Result;
}

/**
 * Load, decide, append atomically to several streams, each at the version it was loaded at;
 * on a version conflict in any of them, reload everything and decide again, with backoff and
 * jitter, up to `retryPolicy.maxAttempts`. For rules across aggregates that must hold under
 * any concurrency: a reservation stream for a unique key, or a parent stream that a child's
 * creation and the parent's removal both write, so they cannot both succeed.
 * @throws the domain error `decide` throws; ConcurrencyRetriesExhaustedError when retries run out
 */
export class MultiStreamCommandExecutor {
  constructor(
    private readonly store: EventStore,
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  async execute<Result extends JsonValue>(
    command: MultiStreamCommandExecution<Result>,
  ): Promise<Result> {
    for (let attempt = 1; ; attempt++) {
      const recorded = await this.store.findCommandResult(command.commandId);
      if (recorded !== undefined) return recorded as Result;

      const versions = new Map<string, number>();
      const load: StreamLoader = async (repository, streamId) => {
        const loaded = await repository.load(streamId);
        const ifMatch = command.expectedVersions?.[streamId];
        if (ifMatch !== undefined && ifMatch !== loaded.version)
          throw new WrongExpectedVersionError(streamId, ifMatch, loaded.version);
        versions.set(streamId, loaded.version);
        return loaded;
      };
      // Outside the try: a domain error or an If-Match mismatch is final, never re-decided.
      const writes = (await command.decide(load)).filter((write) => write.events.length > 0);
      if (writes.length === 0) return command.result(null);

      try {
        const appended = await this.store.appendToStreams(
          writes.map(({ streamId, events }) => {
            const version = versions.get(streamId);
            if (version === undefined)
              throw new RangeError(`stream ${streamId} is written but was never loaded`);
            return { streamId, expected: version === 0 ? 'no_stream' : version, events };
          }),
          {
            metadata: command.metadata,
            command: { id: command.commandId, result: (done) => command.result(done) },
          },
        );
        return appended.commandResult as Result;
      } catch (error) {
        if (error instanceof DuplicateCommandError && attempt < this.retryPolicy.maxAttempts)
          continue;
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        if (attempt >= this.retryPolicy.maxAttempts)
          throw new ConcurrencyRetriesExhaustedError(error.streamId, attempt);
        await sleep(backoffDelayMs(this.retryPolicy, attempt));
      }
    }
  }
}
