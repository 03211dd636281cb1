import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Options } from 'amqplib';
import { MessagePublisher, OutboxMessage, PublishOutcome } from '@ledgerline/event-sourcing';
import { withTraceparent } from '../observability/tracing/traceparent';
import { assertPublicTopology } from './amqp-topology';

// A confirm slower than this counts as a transport failure: the message is re-sent later.
const CONFIRM_TIMEOUT_MS = 10_000;

/**
 * The broker contract of one message (docs/architecture.md, "Integration events"): `message_id` the
 * integration event id, `type` its name, JSON, persistent, correlation and causation ids and
 * the stream id and version in headers so consumers can check per-stream order, and the W3C
 * `traceparent` when the message has a trace context.
 */
export function amqpPublishOptions(message: OutboxMessage): Options.Publish {
  return {
    messageId: message.messageId,
    type: message.type,
    contentType: 'application/json',
    persistent: true,
    correlationId: message.correlationId,
    timestamp: Math.floor(Date.parse(message.body.occurredAt) / 1000),
    headers: {
      'x-correlation-id': message.correlationId,
      'x-causation-id': message.causationId,
      'x-stream-id': message.streamId,
      'x-stream-version': message.streamVersion,
      ...(message.traceparent === undefined ? {} : { traceparent: message.traceparent }),
    },
  };
}

/**
 * Publishes outbox messages to RabbitMQ on a confirm channel (amqp-connection-manager
 * reconnects after broker restarts). Routing key and AMQP `type`: the public event name;
 * `message_id`: the integration event id; persistent, JSON; correlation and causation ids
 * in headers, with the stream id and version so consumers can check per-stream order.
 */
export class AmqpMessagePublisher implements MessagePublisher {
  private readonly channel: ChannelWrapper;

  constructor(
    private readonly connection: AmqpConnectionManager,
    private readonly exchange: string,
  ) {
    this.channel = connection.createChannel({
      name: 'outbox-relay',
      confirm: true,
      publishTimeout: CONFIRM_TIMEOUT_MS,
      setup: (channel: Parameters<typeof assertPublicTopology>[0]) =>
        assertPublicTopology(channel, exchange),
    });
  }

  isReady(): boolean {
    return this.connection.isConnected();
  }

  async publish(messages: readonly OutboxMessage[]): Promise<PublishOutcome[]> {
    // Enqueued in order on one channel; the confirms are awaited together.
    const settled = await Promise.allSettled(
      messages.map((message) =>
        // Under the message's trace context: the amqplib instrumentation, when on, opens its
        // publish span there and rewrites the header from it, so the header stays in the trace.
        withTraceparent(message.traceparent, () =>
          this.channel.publish(
            this.exchange,
            message.type,
            Buffer.from(JSON.stringify(message.body)),
            amqpPublishOptions(message),
          ),
        ),
      ),
    );
    const connected = this.connection.isConnected();
    return settled.map((result): PublishOutcome => {
      if (result.status === 'fulfilled') return { status: 'published' };
      const error = result.reason instanceof Error ? result.reason.message : String(result.reason);
      // A nack on a live connection is about this message; anything else is the transport.
      return { status: connected && /nack/i.test(error) ? 'rejected' : 'unavailable', error };
    });
  }

  close(): Promise<void> {
    return this.channel.close();
  }
}
