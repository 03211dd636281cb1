import { JsonObject } from '../core/json';
import { RecordedEvent } from '../core/event';

/**
 * A public integration event as a bounded context maps it from one of its domain events.
 * Its `type` is the public name and routing key (`<context>.<event>`, kebab case); `data`
 * is the public contract, versioned by `schemaVersion`, and must not leak internal fields.
 */
export interface IntegrationEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: JsonObject;
}

/**
 * Maps one recorded domain event to zero or more integration events. Pure and
 * deterministic: it runs inside the append transaction, and its output is what the outside
 * world sees forever.
 */
export type IntegrationEventMapper = (event: RecordedEvent) => readonly IntegrationEvent[];

/** The body every published message carries, the same on RabbitMQ and in process. */
export interface IntegrationMessageBody extends JsonObject {
  /** The message id: stable across redeliveries; consumers deduplicate by it. */
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  /** ISO-8601: when the command that caused it arrived. */
  readonly occurredAt: string;
  readonly data: JsonObject;
}

/** A message as the outbox stores it and a publisher sends it. */
export interface OutboxMessage {
  /** Outbox row id: the order of messages, total per stream. */
  readonly id: string;
  readonly messageId: string;
  /** The aggregate the message comes from: messages of one stream are published in order. */
  readonly streamId: string;
  readonly streamVersion: number;
  /** Routing key and AMQP `type`. */
  readonly type: string;
  readonly body: IntegrationMessageBody;
  readonly correlationId: string;
  /** The id of the domain event that caused the message. */
  readonly causationId: string;
  /**
   * The W3C trace context to publish under (the causing event's `metadata.traceparent`), sent
   * as the `traceparent` header. Absent when the event carried none.
   */
  readonly traceparent?: string;
  /** Failed publish attempts so far. */
  readonly attempts: number;
}
