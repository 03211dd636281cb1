import { WrongExpectedVersionError } from '../core/errors';
import { EventMetadata, LogPosition, NewEvent } from '../core/event';
import { CommandRecord, SnapshotWrite } from '../core/event-store.port';
import { ExpectedVersion } from '../core/expected-version';
import { JsonValue } from '../core/json';
import { AggregateRepository, LoadedAggregate } from './aggregate-repository';

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

/** What a command decided on one state: events to append, nothing to do, or a refusal. */
export type Decision<Event> =
  | { readonly kind: 'append'; readonly events: readonly Event[] }
  | { readonly kind: 'nothing' }
  | { readonly kind: 'refused'; readonly error: unknown };

/**
 * The command's decision on `loaded`: an If-Match mismatch (WrongExpectedVersionError) or the
 * domain error `decide` throws is a refusal. Never throws, so a caller can tell a refusal
 * from a failure of its own I/O.
 */
export function decideCommand<State, Event extends NewEvent>(
  command: CommandExecution<State, Event, JsonValue>,
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

/** What an append to a stream read at `version` expects: that nobody wrote it since. */
export function expectedVersionOf(version: number): ExpectedVersion {
  return version === 0 ? 'no_stream' : version;
}

/** The record of `command`: its id, and its result from the state it left and the append. */
export function recordOf<State, Event extends NewEvent>(
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

/**
 * The snapshot to write with an append taking `loaded` to `version` and `state`, when the
 * repository's policy makes one due. Written in the append's transaction, so it never runs
 * ahead of its events.
 */
export function snapshotFor<State, Event extends NewEvent>(
  repository: AggregateRepository<State, Event>,
  loaded: LoadedAggregate<State, Event>,
  version: number,
  state: State,
): SnapshotWrite | undefined {
  const policy = repository.snapshots;
  return policy && repository.snapshotDue(loaded, version)
    ? { state: policy.toJson(state), schemaVersion: policy.schemaVersion }
    : undefined;
}
