import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { AmqpConnectionManager, connect } from 'amqp-connection-manager';
import { InProcessMessageBus, MessagePublisher } from '@ledgerline/event-sourcing';
import { TracedMessagePublisher } from '../observability/tracing/traced-message-publisher';
import { tracedSubscriptions } from '../observability/tracing/traced-message-subscriptions';
import { AmqpMessagePublisher } from './amqp-message-publisher';
import { AmqpMessageSubscriptions } from './amqp-message-subscriptions';
import { MessageSubscriptions } from './message-subscriptions';
import { MESSAGING_OPTIONS, MessagingOptions } from './messaging.tokens';

export type BrokerStatus = 'up' | 'down' | 'in-process';

/**
 * The transport of integration messages: RabbitMQ when `AMQP_URL` is set (one connection,
 * reconnecting with heartbeats), otherwise an in-process bus, so the app works end to end
 * on a machine with no broker.
 */
@Injectable()
export class MessagingTransport implements OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('Messaging');
  readonly publisher: MessagePublisher & { close?(): Promise<void> };
  readonly subscriptions: MessageSubscriptions;
  private readonly connection?: AmqpConnectionManager;
  private readonly amqpSubscriptions?: AmqpMessageSubscriptions;

  constructor(@Inject(MESSAGING_OPTIONS) options: MessagingOptions) {
    if (!options.amqpUrl) {
      const bus = new InProcessMessageBus();
      // Publishes and deliveries are traced (no-op spans while tracing is off).
      this.publisher = new TracedMessagePublisher(bus, { destination: 'in-process' });
      this.subscriptions = tracedSubscriptions(
        {
          subscribe: (_consumer, types, handler) => {
            types.forEach((type) => bus.subscribe(type, handler));
            return Promise.resolve();
          },
        },
        undefined,
      );
      return;
    }
    this.connection = connect([options.amqpUrl], {
      heartbeatIntervalInSeconds: 10,
      reconnectTimeInSeconds: 2,
    });
    const host = new URL(options.amqpUrl).host;
    this.connection.on('connect', () => this.logger.log(`broker: connected to ${host}`));
    this.connection.on('disconnect', ({ err }: { err?: Error }) =>
      this.logger.warn(`broker: disconnected (${err?.message ?? 'closed'}); reconnecting`),
    );
    this.publisher = new TracedMessagePublisher(
      new AmqpMessagePublisher(this.connection, options.exchange, (problem) =>
        this.logger.warn(`broker: ${problem}`),
      ),
      { system: 'rabbitmq', destination: options.exchange },
    );
    this.amqpSubscriptions = new AmqpMessageSubscriptions(this.connection, options.exchange);
    this.subscriptions = tracedSubscriptions(this.amqpSubscriptions, 'rabbitmq');
  }

  get brokerStatus(): BrokerStatus {
    if (!this.connection) return 'in-process';
    return this.connection.isConnected() ? 'up' : 'down';
  }

  /** Consumers stop first, so no new message starts while the app winds down. */
  async onModuleDestroy(): Promise<void> {
    await this.amqpSubscriptions?.close().catch(() => undefined);
  }

  /**
   * After every module's destroy hook (the relay's among them, which waits for its current
   * round): closing the broker while a publish is in flight would fail it and send it again.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.publisher.close?.().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
  }
}
