import { OutboxMessage } from './outbox-message';

/**
 * What became of one message handed to a publisher:
 * - `published`: the broker confirmed it (only then may the outbox mark it published);
 * - `rejected`: this message could not be published (nack, invalid); counts as an attempt;
 * - `unavailable`: the transport failed (connection lost, timeout); not the message's fault,
 *   so it is retried without counting an attempt.
 */
export type PublishOutcome =
  | { readonly status: 'published' }
  | { readonly status: 'rejected' | 'unavailable'; readonly error: string };

/** A transport for integration messages (RabbitMQ, or in-process subscribers). */
export interface MessagePublisher {
  /** False while the transport is down: the relay then claims nothing and waits. */
  isReady(): boolean;
  /**
   * Publishes `messages` in the given order and resolves once each has an outcome, one per
   * message in the same order. Never throws for a single message's failure.
   */
  publish(messages: readonly OutboxMessage[]): Promise<PublishOutcome[]>;
}
