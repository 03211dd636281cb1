import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { connect, type ConsumeMessage } from 'amqplib';
import { assertPublicTopology } from '../../src/messaging/amqp-topology';
import { appQueueNames, deleteTopology } from '../support/bench-broker';

/** Key of one integration message: the stream and version it came from. */
export const messageKey = (streamId: string, streamVersion: number): string =>
  `${streamId}#${streamVersion}`;

/**
 * A fresh exchange of the app's topology that nothing else publishes to or reads, with a tap:
 * a queue bound to `#` whose consumer notes when each message first arrived. `delete()`
 * removes everything the benchmark and the app declared on it (call it after the app stopped,
 * or the app's consumer channel declares its queue again).
 */
export interface BrokerScope {
  readonly exchange: string;
  /** performance.now() of each message's first arrival at the tap (redeliveries ignored). */
  readonly arrivals: ReadonlyMap<string, number>;
  /** Why the tap's connection closed, if it did (a broker restart): arrivals stop then. */
  readonly lost: Error | undefined;
  delete(): Promise<void>;
}

async function openTap(
  url: string,
  exchange: string,
  queue: string,
  arrivals: Map<string, number>,
) {
  const connection = await connect(url);
  try {
    const channel = await connection.createChannel();
    await assertPublicTopology(channel, exchange);
    // Durable like a real consumer's queue, so a confirm waits for what it waits for there.
    await channel.assertQueue(queue, { durable: true });
    await channel.bindQueue(queue, exchange, '#');
    await channel.consume(
      queue,
      (message: ConsumeMessage | null) => {
        if (!message) return;
        const at = performance.now();
        const headers = message.properties.headers ?? {};
        const streamId: unknown = headers['x-stream-id'];
        const version: unknown = headers['x-stream-version'];
        if (typeof streamId !== 'string' || typeof version !== 'number') return;
        const key = messageKey(streamId, version);
        if (!arrivals.has(key)) arrivals.set(key, at);
      },
      { noAck: true },
    );
    return connection;
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** Opens a scope on exchange `bench.<label>.<hex>` (the label tells whose it is, if one is left). */
export async function openBrokerScope(url: string, label = 'freshness'): Promise<BrokerScope> {
  const exchange = `bench.${label}.${randomBytes(4).toString('hex')}`;
  const tapQueue = `${exchange}.bench-tap`;
  const queues = [tapQueue, ...appQueueNames(exchange)];
  const arrivals = new Map<string, number>();
  let lost: Error | undefined;
  const tap = await openTap(url, exchange, tapQueue, arrivals);
  let tapOpen = true;
  tap.on('error', (error: Error) => (lost ??= error));
  tap.on('close', (error?: Error) => {
    tapOpen = false;
    lost ??= error ?? new Error('the tap connection closed');
  });
  return {
    exchange,
    arrivals,
    get lost() {
      return lost;
    },
    async delete() {
      // The tap's connection may be gone (a broker restart): clean up on a fresh one.
      if (tapOpen) await tap.close().catch(() => undefined);
      await deleteTopology(url, exchange, queues);
    },
  };
}
