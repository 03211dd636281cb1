import { Evolver, foldEvents } from '../core/decider';
import { NewEvent, RecordedEvent } from '../core/event';
import { EventStore, ReadStreamOptions } from '../core/event-store.port';
import { UnknownEventTypeError } from '../core/unknown-event-type.error';
import { SnapshotPolicy } from './snapshot-policy';

/** An aggregate's state, the stream version it was folded to, and the events it came from. */
export interface LoadedAggregate<State, Event extends NewEvent> {
  readonly state: State;
  /** 0 when the stream does not exist. */
  readonly version: number;
  /** The events folded: the whole stream, or only those after the snapshot used. */
  readonly events: readonly RecordedEvent<Event>[];
  /**
   * The version of the snapshot the state started from: 0 when none was used, -1 when the
   * stored one had to be ignored (another schema version, unreadable) and should be replaced.
   */
  readonly snapshotVersion: number;
}

/** Why a stored snapshot was not used. */
export type SnapshotIgnored = { streamId: string; reason: 'schema-version' | 'unreadable' };

/** What an aggregate type declares so its streams can be folded safely. */
export interface AggregateType<State, Event extends NewEvent> extends Evolver<State, Event> {
  /** Every event type its streams may hold; anything else fails loudly on load. */
  readonly eventTypes: readonly Event['type'][];
}

/**
 * Loads aggregates by folding their stream. Guarantees: an event type the aggregate does
 * not declare raises UnknownEventTypeError rather than being skipped silently.
 */
export class AggregateRepository<State, Event extends NewEvent> {
  private readonly known: ReadonlySet<string>;
  private ignored = 0;

  /**
   * @param snapshots the type's snapshot policy; without one every load folds the whole stream
   * @param onSnapshotIgnored told of every stored snapshot that could not be used (logs, metrics)
   */
  constructor(
    private readonly store: EventStore,
    private readonly type: AggregateType<State, Event>,
    readonly snapshots?: SnapshotPolicy<State>,
    private readonly onSnapshotIgnored: (ignored: SnapshotIgnored) => void = () => undefined,
  ) {
    this.known = new Set(type.eventTypes);
  }

  /**
   * Loads since start that found a stored snapshot unusable (another schema version, or
   * unreadable). Reads do not replace it: the next command on the stream does, so a stream
   * that is only read keeps counting (and warning) until then.
   */
  get snapshotsIgnored(): number {
    return this.ignored;
  }

  /**
   * The aggregate's current state: from its latest usable snapshot plus the events after it,
   * or folded from the whole stream. With `options` (a range or an instant) snapshots are
   * never used: the state is folded from exactly the events asked for.
   */
  async load(
    streamId: string,
    options?: ReadStreamOptions,
  ): Promise<LoadedAggregate<State, Event>> {
    const start = this.snapshots && !options ? await this.usableSnapshot(streamId) : undefined;
    const from = start && start.version > 0 ? start : undefined;
    const events = (
      await this.store.readStream(streamId, from ? { fromVersion: from.version + 1 } : options)
    ).map((event) => this.narrow(event));
    const version =
      events.length > 0 ? events[events.length - 1].streamVersion : (from?.version ?? 0);
    return {
      state: foldEvents(this.type, events.map(toDomainEvent), from?.state),
      version,
      events,
      snapshotVersion: start?.version ?? 0,
    };
  }

  /** Whether a command that takes the stream from `loaded` to `version` should snapshot. */
  snapshotDue(loaded: LoadedAggregate<State, Event>, version: number): boolean {
    if (!this.snapshots) return false;
    return loaded.snapshotVersion < 0 || version - loaded.snapshotVersion >= this.snapshots.every;
  }

  /** The stored snapshot if usable; version -1 when one exists but must be replaced. */
  private async usableSnapshot(
    streamId: string,
  ): Promise<{ version: number; state?: State } | undefined> {
    const policy = this.snapshots;
    const stored = policy && (await this.store.readSnapshot(streamId));
    if (!policy || !stored) return undefined;
    let state: State | undefined;
    if (stored.schemaVersion === policy.schemaVersion) {
      try {
        state = policy.fromJson(stored.state);
      } catch {
        state = undefined;
      }
    }
    if (state !== undefined) return { version: stored.streamVersion, state };
    this.ignored++;
    this.onSnapshotIgnored({
      streamId,
      reason: stored.schemaVersion === policy.schemaVersion ? 'unreadable' : 'schema-version',
    });
    return { version: -1 };
  }

  /** Applies freshly decided events to a loaded state (no I/O). */
  evolve(state: State, events: readonly Event[]): State {
    return foldEvents(this.type, events, state);
  }

  private narrow(event: RecordedEvent): RecordedEvent<Event> {
    if (!this.known.has(event.type)) throw new UnknownEventTypeError(event.streamId, event.type);
    return event as RecordedEvent<Event>;
  }
}

/** The domain part of a recorded event: what `evolve` sees. */
function toDomainEvent<Event extends NewEvent>(recorded: RecordedEvent<Event>): Event {
  const { type, data, schemaVersion } = recorded;
  return { type, data, schemaVersion } as Event;
}
