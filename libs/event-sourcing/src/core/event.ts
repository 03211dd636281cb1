import { JsonObject } from './json';

/**
 * Who and what caused an event. Every event of one append shares the metadata of the
 * command that produced it; `occurredAt` comes in on the command so that a re-decided
 * command (after a version conflict) records the time the client asked, not the retry time.
 */
export interface EventMetadata {
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: string;
  /** ISO-8601 instant. */
  readonly occurredAt: string;
  /**
   * The W3C trace context (`traceparent`) of the span the command ran under, when tracing was
   * on: what happens later because of these events (process-manager commands, published
   * messages) joins the same trace. Absent when tracing is off and on events from before.
   */
  readonly traceparent?: string;
}

/**
 * An event as the domain produces it: a stable past-tense `type` (never a class name),
 * its schema version (default 1) and plain JSON data.
 */
export interface NewEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  readonly type: Type;
  readonly data: Data;
  readonly schemaVersion?: number;
}

/**
 * A position in the global log. Ordered by (transactionId, globalPosition): that order is
 * gap-safe, see `EventStore.readAll`. Both parts are PostgreSQL bigints, so they are bigints here.
 */
export interface LogPosition {
  readonly transactionId: bigint;
  readonly globalPosition: bigint;
}

/** The position before the first event: `readAll(START)` reads from the beginning. */
export const START: LogPosition = Object.freeze({ transactionId: 0n, globalPosition: 0n });

/** An event as the store recorded it: the envelope plus the domain event. */
export interface RecordedEvent<Event extends NewEvent = NewEvent> extends LogPosition {
  readonly eventId: string;
  readonly streamId: string;
  /** 1-based version of the stream after this event. */
  readonly streamVersion: number;
  readonly type: Event['type'];
  readonly schemaVersion: number;
  readonly data: Event['data'];
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
}
