import { connect, type ChannelModel } from 'amqplib';
import { consumerQueueName, unroutedName } from '../../src/messaging/amqp-topology';
import { WITHDRAWAL_NOTIFICATIONS } from '../../src/notifications/withdrawal-notifications.consumer';

/** The broker the benchmarks that need RabbitMQ use. */
export const BENCH_AMQP_URL =
  process.env.BENCH_AMQP_URL ?? process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * The queues the app declares on `exchange`: its consumer's durable queue and the alternate
 * exchange's queue of unroutable messages, so a benchmark can delete what its app left.
 */
export const appQueueNames = (exchange: string): string[] => [
  consumerQueueName(exchange, WITHDRAWAL_NOTIFICATIONS),
  unroutedName(exchange),
];

/**
 * Deletes the exchange pair and every queue on it, on a connection of its own. Call it after
 * the apps stopped: a running app's consumer channel declares its queue again on reconnect.
 */
export async function deleteTopology(
  url: string,
  exchange: string,
  queues: readonly string[],
): Promise<void> {
  const connection: ChannelModel = await connect(url);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    await channel.deleteExchange(exchange);
    await channel.deleteExchange(unroutedName(exchange));
  } finally {
    await connection.close();
  }
}
