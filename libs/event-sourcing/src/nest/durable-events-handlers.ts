import { Injectable, Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
// Not re-exported by @nestjs/cqrs's index: the metadata key `@EventsHandler` writes.
import { EVENTS_HANDLER_METADATA } from '@nestjs/cqrs/dist/decorators/constants';
import { RecordedEvent } from '../core/event';
import { Projection, ProjectionTransaction } from '../projections/projection';
import { CommittedEvent, CommittedEventClass, isCommittedEventClass } from './committed-event';

/** The checkpoint name of an `@EventsHandler` class: stable as long as the class name is. */
export const eventsHandlerCheckpoint = (handlerClass: Type): string =>
  `events-handler:${handlerClass.name}`;

/**
 * What an `@EventsHandler` of committed events implements (in place of @nestjs/cqrs's
 * `IEventHandler`, whose `handle` takes the event alone): `handle` gets each event in log
 * order, and the transaction its checkpoint commits in: rows written through it commit with
 * the checkpoint, exactly once in effect. Anything else it does (a call to another system)
 * happens at least once: a batch that fails is retried.
 */
export interface CommittedEventsHandler<Event extends CommittedEvent = CommittedEvent> {
  handle(event: Event, transaction: ProjectionTransaction): unknown;
}

const isClass = (candidate: unknown): candidate is Type => typeof candidate === 'function';

const hasHandle = (instance: unknown): instance is CommittedEventsHandler =>
  typeof instance === 'object' &&
  instance !== null &&
  'handle' in instance &&
  typeof instance.handle === 'function';

/**
 * Finds the `@EventsHandler` classes of committed events (`committedEvent(...)` classes) in
 * the application and turns each into a durable subscriber of the event log: a projection
 * named `events-handler:<ClassName>`, run like any other (checkpoint in its transaction,
 * retries, parking, lag in the admin API), that hands it the events of its types in order.
 * Committed events never pass through the in-memory EventBus: that delivery is
 * fire-and-forget, and a handler must not get an event twice over two roads.
 * A handler starts from the beginning of the log (it gets every committed event of its
 * types); renaming its class gives it a new checkpoint, from the beginning again. It is never
 * rebuilt (it may have side effects).
 */
@Injectable()
export class DurableEventsHandlers {
  constructor(private readonly discovery: DiscoveryService) {}

  /** Call once every provider is instantiated (from onModuleInit or later). */
  projections(): Projection[] {
    const found: Projection[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const handlerClass: unknown = wrapper.metatype;
      if (!isClass(handlerClass)) continue;
      const listed: unknown = Reflect.getMetadata(EVENTS_HANDLER_METADATA, handlerClass);
      if (!Array.isArray(listed)) continue;
      const eventClasses = listed.filter(isCommittedEventClass);
      if (eventClasses.length === 0) continue;
      if (!wrapper.isDependencyTreeStatic())
        throw new Error(
          `${wrapper.name}: a request-scoped @EventsHandler cannot subscribe to the event log`,
        );
      if (!hasHandle(wrapper.instance))
        throw new Error(`${wrapper.name}: an @EventsHandler needs a handle(event) method`);
      found.push(subscriberOf(wrapper.instance, handlerClass, eventClasses));
    }
    const names = found.map((projection) => projection.name);
    const twice = names.find((name, index) => names.indexOf(name) !== index);
    if (twice)
      throw new Error(`two @EventsHandler classes share the checkpoint ${twice}: rename one`);
    return found;
  }
}

function subscriberOf(
  handler: CommittedEventsHandler,
  handlerClass: Type,
  eventClasses: readonly CommittedEventClass[],
): Projection {
  const byType = new Map(eventClasses.map((eventClass) => [eventClass.eventType, eventClass]));
  return {
    name: eventsHandlerCheckpoint(handlerClass),
    eventTypes: [...byType.keys()],
    tables: [],
    lifecycle: 'async',
    rebuildable: false,
    async apply(events: readonly RecordedEvent[], transaction: ProjectionTransaction) {
      for (const event of events) {
        const EventClass = byType.get(event.type);
        if (EventClass) await handler.handle(new EventClass(event), transaction);
      }
    },
  };
}
