import { AmqpConnectionManager, ChannelWrapper, connect } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { assertPublicTopology } from '../../src/messaging/amqp-topology';
import { deleteTopology } from '../../bench/support/bench-broker';
import { now } from '../support/clock';
import { exec } from '../support/exec';

/** One delivery to the checker's queue, as it arrived. */
export interface Delivery {
  readonly messageId: string | null;
  readonly routingKey: string;
  readonly type: string | null;
  readonly streamId: string | null;
  readonly streamVersion: number | null;
  readonly redelivered: boolean;
  readonly at: number;
}

const header = (headers: Record<string, unknown>, name: string): unknown => headers[name];

/**
 * The checker as a consumer of the run's exchange: its own durable queue bound to `#`,
 * declared (with the app's topology, same arguments) before the apps start, so every
 * published message is routed to it. It records and acks each delivery; through
 * amqp-connection-manager it reconnects after a broker kill, and the durable queue keeps
 * what arrived meanwhile (unacked deliveries come again: duplicates, counted).
 */
export class DeliveryTap {
  readonly deliveries: Delivery[] = [];
  lastArrivalAt = 0;
  private readonly connection: AmqpConnectionManager;
  private readonly channel: ChannelWrapper;

  private constructor(
    url: string,
    readonly exchange: string,
  ) {
    const queue = `${exchange}.checker`;
    this.connection = connect([url], { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 1 });
    this.connection.on('connectFailed', () => undefined); // reconnecting is the point
    this.channel = this.connection.createChannel({
      setup: async (channel: ConfirmChannel) => {
        await assertPublicTopology(channel, exchange);
        await channel.assertQueue(queue, { durable: true });
        await channel.bindQueue(queue, exchange, '#');
        await channel.prefetch(500);
        await channel.consume(queue, (message: ConsumeMessage | null) => {
          if (!message) return;
          this.record(message);
          channel.ack(message);
        });
      },
    });
    this.channel.on('error', () => undefined);
  }

  static async open(url: string, exchange: string): Promise<DeliveryTap> {
    const tap = new DeliveryTap(url, exchange);
    await tap.channel.waitForConnect();
    return tap;
  }

  private record(message: ConsumeMessage): void {
    const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
    const streamId = header(headers, 'x-stream-id');
    const streamVersion = header(headers, 'x-stream-version');
    const messageId: unknown = message.properties.messageId;
    const type: unknown = message.properties.type;
    const at = now();
    this.lastArrivalAt = at;
    this.deliveries.push({
      messageId: typeof messageId === 'string' ? messageId : null,
      routingKey: message.fields.routingKey,
      type: typeof type === 'string' ? type : null,
      streamId: typeof streamId === 'string' ? streamId : null,
      streamVersion: typeof streamVersion === 'number' ? streamVersion : null,
      redelivered: message.fields.redelivered,
      at,
    });
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}

/**
 * Deletes what the run left on the broker: every queue named after the run's exchange (the
 * checker's, the unrouted one, the app's consumer queues) and the exchange pair. Call it
 * after the apps stopped, or their consumers declare their queues again.
 */
export async function deleteRunTopology(url: string, exchange: string): Promise<string[]> {
  const listed = await exec('rabbitmqctl', ['-q', 'list_queues', 'name', '--no-table-headers']);
  const queues = listed.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => name.startsWith(`${exchange}.`));
  await deleteTopology(url, exchange, queues);
  return queues;
}
