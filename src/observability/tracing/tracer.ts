import { Span, SpanStatusCode, trace, Tracer } from '@opentelemetry/api';

/**
 * The tracer of the spans the app starts itself (process commands, publishes, consumers).
 * A proxy: until an SDK registers a provider it hands out no-op spans, so code may use it
 * unconditionally, and a provider registered later (tests) is picked up.
 */
export const ledgerlineTracer: Tracer = trace.getTracer('ledgerline');

/** Span attribute names of the app's own, beside the semantic conventions'. */
export const LedgerlineAttributes = {
  correlationId: 'ledgerline.correlation_id',
  causationId: 'ledgerline.causation_id',
  commandId: 'ledgerline.command.id',
  commandType: 'ledgerline.command.type',
  commandAttempt: 'ledgerline.command.attempt',
  commandOutcome: 'ledgerline.command.outcome',
  rejectionCode: 'ledgerline.command.rejection_code',
  processManager: 'ledgerline.process.manager',
  processId: 'ledgerline.process.id',
  streamId: 'ledgerline.stream.id',
  streamVersion: 'ledgerline.stream.version',
  outboxAttempts: 'ledgerline.outbox.attempts',
  publishOutcome: 'ledgerline.outbox.outcome',
  consumer: 'ledgerline.consumer',
} as const;

/** Messaging semantic conventions (stable names as of semconv 1.26+). */
export const MessagingAttributes = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  routingKey: 'messaging.rabbitmq.destination.routing_key',
  consumerGroup: 'messaging.consumer.group.name',
} as const;

/** Marks a span failed with the error that ended its work, the one way every app span does. */
export function recordFailure(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
