import { MessagePublisher, PublishOutcome } from './message-publisher.port';
import { IntegrationMessageBody, OutboxMessage } from './outbox-message';

/**
 * What a subscriber learns of a message besides its body: the headers the outbox sent (on
 * RabbitMQ, read back from the AMQP properties; missing on messages of other producers).
 */
export interface MessageHeaders {
  readonly correlationId?: string;
  readonly causationId?: string;
  /** W3C trace context of the publish, to continue its trace. */
  readonly traceparent?: string;
}

/** A subscriber's handler; it must deduplicate by `body.id` (see `PostgresInbox`). */
export type MessageHandler = (
  body: IntegrationMessageBody,
  headers: MessageHeaders,
) => Promise<void>;

/** The headers an outbox message is delivered with, the same on every transport. */
export const messageHeadersOf = (message: OutboxMessage): MessageHeaders => ({
  correlationId: message.correlationId,
  causationId: message.causationId,
  ...(message.traceparent === undefined ? {} : { traceparent: message.traceparent }),
});

/**
 * Delivers integration messages to subscribers in this process: the transport when no broker
 * is configured. A message counts as published once every subscriber to its type handled it;
 * if one throws, the message is rejected and redelivered to all of them later.
 */
export class InProcessMessageBus implements MessagePublisher {
  private readonly handlers = new Map<string, MessageHandler[]>();

  /** Registers `handler` for messages of `type` (exact public name, e.g. `accounts.money-withdrawn`). */
  subscribe(type: string, handler: MessageHandler): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), handler]);
  }

  isReady(): boolean {
    return true;
  }

  async publish(messages: readonly OutboxMessage[]): Promise<PublishOutcome[]> {
    const outcomes: PublishOutcome[] = [];
    for (const message of messages) {
      try {
        const headers = messageHeadersOf(message);
        for (const handler of this.handlers.get(message.type) ?? [])
          await handler(message.body, headers);
        outcomes.push({ status: 'published' });
      } catch (error) {
        outcomes.push({
          status: 'rejected',
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return outcomes;
  }
}
