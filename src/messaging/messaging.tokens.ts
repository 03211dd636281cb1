/** DI tokens of the messaging module. */
export const OUTBOX_STORE = Symbol('OUTBOX_STORE');
export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/** How the app publishes and consumes integration messages (from AppConfig). */
export interface MessagingOptions {
  /** RabbitMQ URL; undefined: messages are delivered in process. */
  readonly amqpUrl?: string;
  /** The public topic exchange, default `ledgerline.public`. */
  readonly exchange: string;
  /** Run the outbox relay in this process. */
  readonly relay: boolean;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  /** Messages of one account in flight unconfirmed (`OutboxRelayOptions.publishWindow`), default 1. */
  readonly publishWindow?: number;
  readonly retentionMs: number;
  /**
   * Consumers' inbox records (handled message ids) are deleted after this long; unset, this
   * process purges none (one-off tools).
   */
  readonly inboxRetentionMs?: number;
}
