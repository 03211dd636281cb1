import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AmqpConnectionManager, connect } from 'amqp-connection-manager';
import { InProcessMessageBus, MessagePublisher } from '@ledgerline/event-sourcing';
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
export class MessagingTransport implements OnModuleDestroy {
  private readonly logger = new Logger('Messaging');
  readonly publisher: MessagePublisher & { close?(): Promise<void> };
  readonly subscriptions: MessageSubscriptions;
  private readonly connection?: AmqpConnectionManager;
  private readonly amqpSubscriptions?: AmqpMessageSubscriptions;

  constructor(@Inject(MESSAGING_OPTIONS) options: MessagingOptions) {
    if (!options.amqpUrl) {
      const bus = new InProcessMessageBus();
      this.publisher = bus;
      this.subscriptions = {
        subscribe: (_consumer, types, handler) => {
          types.forEach((type) => bus.subscribe(type, handler));
          return Promise.resolve();
        },
      };
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
    this.publisher = new AmqpMessagePublisher(this.connection, options.exchange);
    this.amqpSubscriptions = new AmqpMessageSubscriptions(this.connection, options.exchange);
    this.subscriptions = this.amqpSubscriptions;
  }

  get brokerStatus(): BrokerStatus {
    if (!this.connection) return 'in-process';
    return this.connection.isConnected() ? 'up' : 'down';
  }

  async onModuleDestroy(): Promise<void> {
    await this.amqpSubscriptions?.close().catch(() => undefined);
    await this.publisher.close?.().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
  }
}
