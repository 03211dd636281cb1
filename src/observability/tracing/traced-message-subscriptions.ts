import { context, SpanKind, trace } from '@opentelemetry/api';
import { IntegrationMessageBody, MessageHeaders } from '@ledgerline/event-sourcing';
import type { MessageSubscriptions } from '../../messaging/message-subscriptions';
import { contextOfTraceparent } from './traceparent';
import {
  LedgerlineAttributes,
  ledgerlineTracer,
  MessagingAttributes,
  recordFailure,
} from './tracer';

/**
 * Runs every consumer's handler under a consumer span that continues the publish's trace
 * (the message's `traceparent` header), so what a consumer writes shows under the request
 * that caused the message. On RabbitMQ the amqplib instrumentation already opened a consumer
 * span from the same header: this one nests under it, naming the app's consumer.
 */
export function tracedSubscriptions(
  inner: MessageSubscriptions,
  system: string | undefined,
): MessageSubscriptions {
  return {
    subscribe: (consumer, types, handler) =>
      inner.subscribe(consumer, types, (body: IntegrationMessageBody, headers: MessageHeaders) => {
        const parent = trace.getActiveSpan()
          ? context.active()
          : contextOfTraceparent(headers.traceparent);
        return ledgerlineTracer.startActiveSpan(
          `process ${body.type}`,
          {
            kind: SpanKind.CONSUMER,
            attributes: {
              ...(system === undefined ? {} : { [MessagingAttributes.system]: system }),
              [MessagingAttributes.operationType]: 'process',
              [MessagingAttributes.operationName]: 'process',
              [MessagingAttributes.messageId]: body.id,
              [MessagingAttributes.consumerGroup]: consumer,
              [LedgerlineAttributes.consumer]: consumer,
              ...(headers.correlationId === undefined
                ? {}
                : { [MessagingAttributes.conversationId]: headers.correlationId }),
            },
          },
          parent,
          async (span) => {
            try {
              await handler(body, headers);
            } catch (error) {
              recordFailure(span, error);
              throw error;
            } finally {
              span.end();
            }
          },
        );
      }),
  };
}
