import { Logger } from '@nestjs/common';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import { IntegrationMessageBody, MessageHandler, MessageHeaders } from '@ledgerline/event-sourcing';
import { assertPublicTopology, consumerQueueName } from './amqp-topology';
import { ReopeningChannel } from './reopening-channel';

// A failed message goes back to the queue after this pause, so a failing handler cannot spin.
const REDELIVERY_PAUSE_MS = 1_000;
const PREFETCH = 20;

/**
 * Consumers on RabbitMQ: each gets a durable queue `<exchange>.<consumer>` bound to its
 * types, declared again on every reconnect and on a new channel whenever the broker closes the
 * channel, refuses its setup or cancels the consumer (a deleted queue). A message is acked
 * after its handler committed (so a crash in between redelivers it: handlers deduplicate),
 * and requeued when it throws.
 */
export class AmqpMessageSubscriptions {
  private readonly logger = new Logger('Messaging');
  private readonly channels: ReopeningChannel[] = [];

  constructor(
    private readonly connection: AmqpConnectionManager,
    private readonly exchange: string,
  ) {}

  async subscribe(
    consumer: string,
    types: readonly string[],
    handler: MessageHandler,
  ): Promise<void> {
    const queue = consumerQueueName(this.exchange, consumer);
    const channel = new ReopeningChannel(this.connection, {
      name: `consumer-${consumer}`,
      setup: async (raw) => {
        await assertPublicTopology(raw, this.exchange);
        await raw.assertQueue(queue, { durable: true });
        for (const type of types) await raw.bindQueue(queue, this.exchange, type);
        await raw.prefetch(PREFETCH);
        await raw.consume(queue, (message: ConsumeMessage | null) => {
          if (message) void this.deliver(raw, message, handler, consumer);
          // null: the broker cancelled the consumer (its queue was deleted). Closing the
          // channel makes a new one, which declares the queue again and consumes it.
          else void raw.close().catch(() => undefined);
        });
      },
      onReopen: (reason) =>
        this.logger.warn(`broker: the channel of ${consumer} is opened again: ${reason}`),
      onSetupFailed: (error) =>
        this.logger.warn(
          `broker: the channel of ${consumer} could not be set up (tried again on the reconnect, or in a moment): ${error instanceof Error ? error.message : String(error)}`,
        ),
    });
    this.channels.push(channel);
    // Its queue exists and is bound before the app serves: no message of its types is
    // published before the queue is there to keep it.
    await channel.waitForSetup();
  }

  private async deliver(
    channel: Channel,
    message: ConsumeMessage,
    handler: MessageHandler,
    consumer: string,
  ): Promise<void> {
    try {
      await handler(
        JSON.parse(message.content.toString('utf8')) as IntegrationMessageBody,
        headersOf(message),
      );
      channel.ack(message);
    } catch (error) {
      this.logger.warn(
        `${consumer} failed on message ${String(message.properties.messageId)}, redelivering: ${String(error)}`,
      );
      setTimeout(() => {
        try {
          channel.nack(message, false, true);
        } catch {
          // The channel closed meanwhile: the broker redelivers the unacked message anyway.
        }
      }, REDELIVERY_PAUSE_MS);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.channels.map((channel) => channel.close()));
  }
}

/** The outbox's headers as a consumer sees them (docs/architecture.md, "Integration events"). */
function headersOf(message: ConsumeMessage): MessageHeaders {
  const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
  const correlationId = text(message.properties.correlationId) ?? text(headers['x-correlation-id']);
  const causationId = text(headers['x-causation-id']);
  const traceparent = text(headers.traceparent);
  return {
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(causationId === undefined ? {} : { causationId }),
    ...(traceparent === undefined ? {} : { traceparent }),
  };
}
