import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { AmqpConnectionManager, connect } from 'amqp-connection-manager';
import { Channel, ChannelModel, connect as connectRaw } from 'amqplib';
import { IntegrationMessageBody } from '@ledgerline/event-sourcing';
import { describeWithBroker, TEST_AMQP_URL, testExchange } from '../../test/support/broker';
import { eventually } from '../../test/support/eventually';
import { AmqpMessageSubscriptions } from './amqp-message-subscriptions';
import { consumerQueueName, unroutedName } from './amqp-topology';

const TYPE = 'test.something-happened';

const body = (): IntegrationMessageBody => ({
  id: randomUUID(),
  type: TYPE,
  schemaVersion: 1,
  occurredAt: new Date().toISOString(),
  data: {},
});

/**
 * A consumer's channel the broker refuses or takes away on a live connection: amqp-connection-
 * manager alone would wait for a reconnect that never comes (the consumer silently stopped),
 * and its unheard 'error' event would end the process.
 */
describeWithBroker('consumers on RabbitMQ when the broker refuses or closes their channel', () => {
  let admin: ChannelModel;
  let adminChannel: Channel;
  let connection: AmqpConnectionManager;
  let subscriptions: AmqpMessageSubscriptions;
  let exchange: string;
  let warnings: string[];

  beforeEach(async () => {
    exchange = testExchange('consumer');
    admin = await connectRaw(TEST_AMQP_URL);
    adminChannel = await admin.createChannel();
    connection = connect([TEST_AMQP_URL], { heartbeatIntervalInSeconds: 5 });
    subscriptions = new AmqpMessageSubscriptions(connection, exchange);
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await subscriptions.close();
    await connection.close();
    // On a channel of its own: the test's may have been closed by a failed assertion's check.
    const cleanup = await admin.createChannel();
    for (const queue of [consumerQueueName(exchange, 'probe'), unroutedName(exchange)])
      await cleanup.deleteQueue(queue);
    await cleanup.deleteExchange(exchange);
    await cleanup.deleteExchange(unroutedName(exchange));
    await admin.close();
  });

  /**
   * Consumers on `queue`, 0 while it does not exist (asked on a channel of its own: a missing
   * queue closes the channel that asked).
   */
  async function consumersOf(queue: string): Promise<number> {
    const channel = await admin.createChannel();
    channel.on('error', () => undefined);
    try {
      return (await channel.checkQueue(queue)).consumerCount;
    } catch {
      return 0;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  const publish = (message: IntegrationMessageBody): void => {
    adminChannel.publish(exchange, TYPE, Buffer.from(JSON.stringify(message)));
  };

  it('a queue declared with other arguments: the refusal is reported, and once the queue is fixed the consumer starts', async () => {
    const queue = consumerQueueName(exchange, 'probe');
    await adminChannel.assertQueue(queue, { durable: false });
    const received: string[] = [];
    let subscribed = false;
    const subscribing = subscriptions
      .subscribe('probe', [TYPE], (message) => {
        received.push(message.id);
        return Promise.resolve();
      })
      .then(() => {
        subscribed = true;
      });

    await eventually(() => {
      expect(warnings.some((w) => /could not be set up.*PRECONDITION_FAILED/.test(w))).toBe(true);
    }, 10_000);
    expect(subscribed).toBe(false);

    await adminChannel.deleteQueue(queue);
    await subscribing;
    const message = body();
    publish(message);
    await eventually(() => expect(received).toEqual([message.id]), 10_000);
  });

  it('its queue deleted under it: a new channel declares the queue again and consumes it', async () => {
    const received: string[] = [];
    await subscriptions.subscribe('probe', [TYPE], (message) => {
      received.push(message.id);
      return Promise.resolve();
    });
    const first = body();
    publish(first);
    await eventually(() => expect(received).toEqual([first.id]), 10_000);

    const queue = consumerQueueName(exchange, 'probe');
    await adminChannel.deleteQueue(queue);
    await eventually(async () => {
      expect(warnings.some((w) => /channel of probe is opened again/.test(w))).toBe(true);
      expect(await consumersOf(queue)).toBe(1);
    }, 10_000);
    const second = body();
    publish(second);
    await eventually(() => expect(received).toEqual([first.id, second.id]), 10_000);
  });
});
