import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Options } from 'amqplib';
import { MessagePublisher, OutboxMessage, PublishOutcome } from '@ledgerline/event-sourcing';
import { withTraceparent } from '../observability/tracing/traceparent';
import { assertPublicTopology } from './amqp-topology';

// A confirm slower than this counts as a transport failure: the message is re-sent later.
const CONFIRM_TIMEOUT_MS = 10_000;
// How long after a channel closed on a live connection a new one is opened.
const REOPEN_AFTER_MS = 1_000;

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
  private wrapper: ChannelWrapper;
  /** The confirm channel now open, set on every (re)connect once the topology is declared. */
  private channel: ConfirmChannel | undefined;
  private closing = false;

  constructor(
    private readonly connection: AmqpConnectionManager,
    private readonly exchange: string,
    /** Told when the broker closed the channel while the connection stayed up; must not throw. */
    private readonly onChannelLost: () => void = () => undefined,
  ) {
    this.wrapper = this.openChannel();
  }

  private openChannel(): ChannelWrapper {
    const wrapper = this.connection.createChannel({
      name: 'outbox-relay',
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        await assertPublicTopology(channel, this.exchange);
        // A channel error (the broker closing the channel) is followed by 'close', handled below;
        // unheard, amqplib would take it for a failure of the whole connection.
        channel.on('error', () => undefined);
        channel.once('close', () => {
          if (this.channel !== channel) return;
          this.channel = undefined;
          // amqp-connection-manager reopens a channel only when the connection comes back: a
          // channel the broker closed on a live connection (a channel error, such as a deleted
          // exchange) would leave the relay waiting for good, so a new one is opened.
          // Checked a moment later: a broker shutting down closes the channels first.
          setTimeout(() => this.reopenIfLost(), REOPEN_AFTER_MS).unref();
        });
        this.channel = channel;
      },
    });
    // A setup that fails because the connection went meanwhile is retried on the reconnect.
    wrapper.on('error', () => undefined);
    return wrapper;
  }

  /** Opens a new channel if the last one closed while the connection stayed up. */
  private reopenIfLost(): void {
    if (this.closing || this.channel !== undefined || !this.connection.isConnected()) return;
    this.onChannelLost();
    const lost = this.wrapper;
    this.wrapper = this.openChannel();
    void lost.close().catch(() => undefined);
  }

  isReady(): boolean {
    return this.connection.isConnected() && this.channel !== undefined;
  }

  async publish(messages: readonly OutboxMessage[]): Promise<PublishOutcome[]> {
    const channel = this.channel;
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
    this.closing = true;
    return this.wrapper.close();
  }
}
