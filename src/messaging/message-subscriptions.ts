import { MessageHandler } from '@ledgerline/event-sourcing';

/**
 * How a consumer inside the app receives integration messages, whatever the transport.
 * Delivery is at least once: handlers deduplicate with a `PostgresInbox` and throw to have
 * a message redelivered.
 */
export interface MessageSubscriptions {
  /**
   * Delivers messages of the given public `types` to `handler`. `consumer` is a stable name:
   * on RabbitMQ it names the consumer's durable queue (`<exchange>.<consumer>`).
   */
  subscribe(consumer: string, types: readonly string[], handler: MessageHandler): Promise<void>;
}
