import type { IEvent } from '@nestjs/cqrs';
import { EventMetadata, NewEvent, RecordedEvent } from '../core/event';

/**
 * A committed event as an `@nestjs/cqrs` event: what an `@EventsHandler` class receives from
 * the event log. It wraps the recorded event (its envelope and its data, upcast to the current
 * schema) and is created for each delivery; the class, made by `committedEvent`, is how
 * `@EventsHandler(MoneyDeposited)` and `ofType(MoneyDeposited)` pick it out.
 */
export abstract class CommittedEvent<Event extends NewEvent = NewEvent> implements IEvent {
  constructor(readonly recorded: RecordedEvent<Event>) {}

  get type(): Event['type'] {
    return this.recorded.type;
  }

  get data(): Event['data'] {
    return this.recorded.data;
  }

  get streamId(): string {
    return this.recorded.streamId;
  }

  get streamVersion(): number {
    return this.recorded.streamVersion;
  }

  /** Unique per event: a handler that records what it did keys it by this. */
  get eventId(): string {
    return this.recorded.eventId;
  }

  get metadata(): EventMetadata {
    return this.recorded.metadata;
  }
}

/** A class of committed events of one type (its stable name in the log). */
export interface CommittedEventClass<Event extends NewEvent = NewEvent> {
  new (recorded: RecordedEvent<Event>): CommittedEvent<Event>;
  readonly eventType: Event['type'];
}

/**
 * The `@nestjs/cqrs` event class of the committed events of type `eventType`:
 *
 *     export const MoneyDeposited = committedEvent<MoneyDepositedEvent>('MoneyDeposited');
 *     export type MoneyDeposited = InstanceType<typeof MoneyDeposited>;
 *
 * The type name, not the class name, is what is matched: renaming the class changes nothing
 * in the log.
 */
export function committedEvent<Event extends NewEvent>(
  eventType: Event['type'],
): CommittedEventClass<Event> {
  if (registered.has(eventType))
    throw new Error(
      `committedEvent('${eventType}') was made twice: export one class and import it`,
    );
  const eventClass = class extends CommittedEvent<Event> {
    static readonly eventType = eventType;
  };
  // Wider than it is (any recorded event, not one of `Event`): the log hands out events by
  // their type name, and this class is only ever looked up by its own.
  registered.set(eventType, eventClass as unknown as CommittedEventClass);
  return eventClass;
}

// Every class made, by type: what a `@Saga()` is fed (it names no types of its own).
const registered = new Map<string, CommittedEventClass>();

/** The committed-event classes made so far, by event type. */
export const committedEventClasses = (): ReadonlyMap<string, CommittedEventClass> => registered;

/** Whether `candidate` is a class made by `committedEvent`. */
export const isCommittedEventClass = (candidate: unknown): candidate is CommittedEventClass =>
  typeof candidate === 'function' &&
  candidate.prototype instanceof CommittedEvent &&
  'eventType' in candidate &&
  typeof candidate.eventType === 'string';
