import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { ConfirmChannel, Options } from 'amqplib';
import { MessagePublisher, OutboxMessage, PublishOutcome } from '@ledgerline/event-sourcing';
import { withTraceparent } from '../observability/tracing/traceparent';
import { assertPublicTopology } from './amqp-topology';
import { ReopeningChannel } from './reopening-channel';

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

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** A message amqplib refused to write (it cannot be encoded): every attempt would fail alike. */
class UnsendableMessageError extends Error {
  constructor(cause: unknown) {
    super(`the message could not be sent: ${cause instanceof Error ? cause.message : 'unknown'}`);
    this.name = 'UnsendableMessageError';
  }
}

/**
 * Publishes outbox messages to RabbitMQ on a confirm channel. amqp-connection-manager keeps
 * the connection and reopens the channel after broker restarts; messages go straight to the
 * open channel, not through the wrapper's own queue, because that queue re-sends what was
 * unconfirmed when a channel closes behind what was still waiting, which could put a
 * stream's later message ahead of an earlier one. Here a closed channel fails every
 * unconfirmed message as `unavailable` and the relay sends them again, in order.
 * Routing key and AMQP `type`: the public event name; `message_id`: the integration event id;
 * persistent, JSON; correlation and causation ids in headers, with the stream id and version
 * so consumers can check per-stream order.
 */
export class AmqpMessagePublisher implements MessagePublisher {
  private readonly relayChannel: ReopeningChannel<ConfirmChannel>;

  constructor(
    private readonly connection: AmqpConnectionManager,
    private readonly exchange: string,
    /** Told of trouble with the relay channel (it is handled); must not throw. */
    report: (problem: string) => void = () => undefined,
  ) {
    this.relayChannel = new ReopeningChannel<ConfirmChannel>(connection, {
      name: 'outbox-relay',
      confirm: true,
      setup: (channel) => assertPublicTopology(channel, exchange),
      onReopen: (reason) => report(`the relay channel is opened again: ${reason}`),
      onSetupFailed: (error) => report(`the relay channel's setup failed: ${messageOf(error)}`),
    });
  }

  isReady(): boolean {
    return this.connection.isConnected() && this.relayChannel.channel !== undefined;
  }

  async publish(messages: readonly OutboxMessage[]): Promise<PublishOutcome[]> {
    const channel = this.relayChannel.channel;
    if (channel === undefined) {
      return messages.map(() => ({ status: 'unavailable', error: 'no open channel' }));
    }
    // Written back to back in order on one channel; the confirms are awaited together.
    const settled = await Promise.allSettled(
      messages.map((message) =>
        // Under the message's trace context: the amqplib instrumentation, when on, opens its
        // publish span there and rewrites the header from it, so the header stays in the trace.
        withTraceparent(message.traceparent, () => this.confirmed(channel, message)),
      ),
    );
    return settled.map((result): PublishOutcome => {
      if (result.status === 'fulfilled') return { status: 'published' };
      const error = result.reason instanceof Error ? result.reason.message : String(result.reason);
      // A nack or an unsendable message is about this message; a closed channel or a timeout
      // is the transport.
      const aboutMessage = result.reason instanceof UnsendableMessageError || /nacked/i.test(error);
      return { status: aboutMessage ? 'rejected' : 'unavailable', error };
    });
  }

  /** Sends one message; settles on its confirm, a nack, the channel closing or the timeout. */
  private confirmed(channel: ConfirmChannel, message: OutboxMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no confirm within ${CONFIRM_TIMEOUT_MS} ms`)),
        CONFIRM_TIMEOUT_MS,
      );
      timer.unref(); // a pending confirm never keeps the process alive on its own
      try {
        channel.publish(
          this.exchange,
          message.type,
          Buffer.from(JSON.stringify(message.body)),
          amqpPublishOptions(message),
          (error: unknown) => {
            clearTimeout(timer);
            // amqplib answers with an Error (nacked, channel closed) or nothing (confirmed).
            if (error) reject(error instanceof Error ? error : new Error('not confirmed'));
            else resolve();
          },
        );
      } catch (error) {
        clearTimeout(timer);
        // The channel closed under the call (amqplib's IllegalOperationError): nothing was sent,
        // a transport failure. Anything else is about this message (it cannot be encoded).
        if (error instanceof Error && error.name === 'IllegalOperationError') reject(error);
        else reject(new UnsendableMessageError(error));
      }
    });
  }

  close(): Promise<void> {
    return this.relayChannel.close();
  }
}
