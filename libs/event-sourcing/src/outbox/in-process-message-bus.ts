import { MessagePublisher, PublishOutcome } from './message-publisher.port';
import { IntegrationMessageBody, OutboxMessage } from './outbox-message';

/** A subscriber's handler; it must deduplicate by `body.id` (see `PostgresInbox`). */
export type MessageHandler = (body: IntegrationMessageBody) => Promise<void>;

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
        for (const handler of this.handlers.get(message.type) ?? []) await handler(message.body);
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
