import type { Channel } from 'amqp-connection-manager';

/** Messages no queue is bound for end here, so a confirm always means "stored by a queue". */
export const unroutedName = (exchange: string): string => `${exchange}.unrouted`;

/** The durable queue of an in-app consumer. */
export const consumerQueueName = (exchange: string, consumer: string): string =>
  `${exchange}.${consumer}`;

/**
 * Declares the public topology (idempotent, run on every (re)connect): the durable topic
 * exchange, and an alternate exchange with a durable queue that keeps unroutable messages.
 * RabbitMQ confirms an unroutable message at once and drops it; with the alternate exchange
 * nothing published is dropped unseen. The unrouted queue is capped (oldest dropped first).
 */
export async function assertPublicTopology(channel: Channel, exchange: string): Promise<void> {
  const unrouted = unroutedName(exchange);
  await channel.assertExchange(unrouted, 'fanout', { durable: true });
  await channel.assertQueue(unrouted, { durable: true, arguments: { 'x-max-length': 100_000 } });
  await channel.bindQueue(unrouted, unrouted, '');
  await channel.assertExchange(exchange, 'topic', {
    durable: true,
    alternateExchange: unrouted,
  });
}
