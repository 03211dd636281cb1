import { v5 as uuidV5 } from 'uuid';
import { RecordedEvent } from '../core/event';
import { IntegrationEventMapper, OutboxMessage } from '../outbox/outbox-message';

// Fixed namespace of integration message ids (UUIDv5): never change it, ids must stay stable.
const MESSAGE_ID_NAMESPACE = '0d6b2c1e-8f0a-4c53-9b7e-3f2a1d4e5c60';

/** An outbox row as RECORD_SQL reads it from JSON: a message before it has a row. */
export type OutboxRowDraft = Omit<OutboxMessage, 'id' | 'attempts'>;

/**
 * The outbox rows for appended events. A message id is a UUIDv5 of the causing event's id,
 * the message's place in the mapper's output and its type, so it is the same however often
 * it is computed.
 */
export function outboxRows(
  events: readonly RecordedEvent[],
  mapper: IntegrationEventMapper,
): OutboxRowDraft[] {
  return events.flatMap((event) =>
    mapper(event).map((integration, index) => {
      // The index keeps two messages of one type from one event apart; mappers are pure, so
      // it is the same on every computation.
      const messageId = uuidV5(
        `${event.eventId}/${index}/${integration.type}`,
        MESSAGE_ID_NAMESPACE,
      );
      return {
        messageId,
        streamId: event.streamId,
        streamVersion: event.streamVersion,
        type: integration.type,
        body: {
          id: messageId,
          type: integration.type,
          schemaVersion: integration.schemaVersion,
          occurredAt: event.metadata.occurredAt,
          data: integration.data,
        },
        correlationId: event.metadata.correlationId,
        causationId: event.eventId,
        traceparent: event.metadata.traceparent,
      };
    }),
  );
}
