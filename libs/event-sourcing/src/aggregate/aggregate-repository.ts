import { Evolver, foldEvents } from '../core/decider';
import { NewEvent, RecordedEvent } from '../core/event';
import { EventStore, ReadStreamOptions } from '../core/event-store.port';
import { UnknownEventTypeError } from '../core/unknown-event-type.error';

/** An aggregate's state, the stream version it was folded to, and the events it came from. */
export interface LoadedAggregate<State, Event extends NewEvent> {
  readonly state: State;
  /** 0 when the stream does not exist. */
  readonly version: number;
  readonly events: readonly RecordedEvent<Event>[];
}

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

  constructor(
    private readonly store: EventStore,
    private readonly type: AggregateType<State, Event>,
  ) {
    this.known = new Set(type.eventTypes);
  }

  async load(
    streamId: string,
    options?: ReadStreamOptions,
  ): Promise<LoadedAggregate<State, Event>> {
    const events = (await this.store.readStream(streamId, options)).map((event) =>
      this.narrow(event),
    );
    return {
      state: foldEvents(this.type, events.map(toDomainEvent)),
      version: events.length > 0 ? events[events.length - 1].streamVersion : 0,
      events,
    };
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
