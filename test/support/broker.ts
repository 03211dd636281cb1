import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { AmqpConnectionManager, ChannelWrapper, connect } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { Client } from 'pg';
import { assertPublicTopology, unroutedName } from '../../src/messaging/amqp-topology';
import { onEmbeddedDatabase, testDatabaseUrl } from './test-database';

export const TEST_AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * The suites share one RabbitMQ, and one suite stops it. A PostgreSQL advisory lock keeps them
 * apart across Jest's workers: a suite that needs the broker holds it shared, the suite that
 * stops the broker holds it alone. Taken before the suite's own hooks, released after them.
 */
const BROKER_LOCK = '4242, 1';
// Long enough to wait out the other side's whole suite.
const BROKER_LOCK_WAIT_MS = 20 * 60_000;

function holdBrokerLock(mode: 'shared' | 'exclusive'): void {
  // The embedded database is one per file, and the suite that stops the broker runs only
  // on a server.
  if (onEmbeddedDatabase()) return;
  let session: Client | undefined;
  beforeAll(async () => {
    session = new Client({
      connectionString: testDatabaseUrl(),
      application_name: `ledgerline-test-broker-lock-${mode}`,
    });
    await session.connect();
    const lock = mode === 'shared' ? 'pg_advisory_lock_shared' : 'pg_advisory_lock';
    await session.query(`SELECT ${lock}(${BROKER_LOCK})`);
  }, BROKER_LOCK_WAIT_MS);
  afterAll(async () => {
    await session?.end(); // ending the session releases the lock
  });
}

function brokerDescribe(mode: 'shared' | 'exclusive'): jest.Describe {
  if (process.env.LEDGERLINE_TEST_BROKER !== 'available') {
    return ((name: string, fn: () => void) => {
      console.warn(`[ledgerline] left out: "${name}" (needs RabbitMQ at ${TEST_AMQP_URL})`);
      describe.skip(name, fn);
    }) as unknown as jest.Describe;
  }
  return ((name: string, fn: () => void) =>
    describe(name, () => {
      holdBrokerLock(mode);
      fn();
    })) as unknown as jest.Describe;
}

/**
 * Suites that need RabbitMQ. The global setup decides once: in CI a missing broker fails the
 * run; elsewhere these suites are left out, and the run says so.
 */
export const describeWithBroker: jest.Describe = brokerDescribe('shared');

/** For a suite that uses RabbitMQ when it is there (and runs without it otherwise). */
export function holdBrokerIfAvailable(): void {
  if (process.env.LEDGERLINE_TEST_BROKER === 'available') holdBrokerLock('shared');
}

/** The suite that stops and starts RabbitMQ: no other broker suite runs meanwhile. */
export const describeStoppingBroker: jest.Describe = brokerDescribe('exclusive');

/** A fresh exchange name per test: files and tests never see each other's messages. */
export const testExchange = (label: string): string =>
  `ll.test.${label}.${randomBytes(4).toString('hex')}`;

const run = promisify(execFile);

/** `rabbitmqctl <args>` on the local node (the broker-down tests stop and start it). */
export async function rabbitmqctl(...args: string[]): Promise<void> {
  await run('rabbitmqctl', args, { timeout: 60_000 });
}

/** One message as the probe saw it. */
export interface ProbedMessage {
  readonly messageId: string;
  readonly type: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly correlationId: string | undefined;
  readonly headers: Record<string, unknown>;
  readonly body: { id: string; type: string; schemaVersion: number; data: Record<string, unknown> };
}

/**
 * A test consumer of everything published to an exchange: a durable queue bound to `#`,
 * consumed through amqp-connection-manager so it survives a broker restart (the queue keeps
 * what arrives meanwhile). It classifies deliveries like Jepsen's total-queue checker.
 */
export class BrokerProbe {
  readonly received: ProbedMessage[] = [];
  private readonly connection: AmqpConnectionManager;
  private readonly channel: ChannelWrapper;
  private readonly queue: string;

  private constructor(readonly exchange: string) {
    this.queue = `${exchange}.probe`;
    this.connection = connect([TEST_AMQP_URL], {
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: 1,
    });
    this.channel = this.connection.createChannel({
      setup: async (channel: ConfirmChannel) => {
        await assertPublicTopology(channel, exchange);
        await channel.assertQueue(this.queue, { durable: true });
        await channel.bindQueue(this.queue, exchange, '#');
        await channel.consume(this.queue, (message: ConsumeMessage | null) => {
          if (!message) return;
          this.received.push(probed(message));
          channel.ack(message);
        });
      },
    });
  }

  static async open(exchange: string): Promise<BrokerProbe> {
    const probe = new BrokerProbe(exchange);
    await probe.channel.waitForConnect();
    return probe;
  }

  /** Publishes raw bytes straight to a queue (to feed a consumer duplicates). */
  async sendToQueue(queue: string, message: ProbedMessage): Promise<void> {
    await this.channel.sendToQueue(queue, Buffer.from(JSON.stringify(message.body)), {
      messageId: message.messageId,
      type: message.type,
      contentType: 'application/json',
      persistent: true,
      headers: message.headers,
    });
  }

  /** Against the ids the outbox committed: lost must be 0; duplicates are allowed and counted. */
  classify(committed: readonly string[]): {
    lost: string[];
    unexpected: string[];
    duplicated: number;
  } {
    const seen = new Set(this.received.map((message) => message.messageId));
    const expected = new Set(committed);
    return {
      lost: committed.filter((id) => !seen.has(id)),
      unexpected: [...seen].filter((id) => !expected.has(id)),
      duplicated: this.received.length - seen.size,
    };
  }

  /** Streams whose first deliveries did not arrive in stream-version order. */
  outOfOrderStreams(): string[] {
    const last = new Map<string, number>();
    const seen = new Set<string>();
    const broken = new Set<string>();
    for (const message of this.received) {
      if (seen.has(message.messageId)) continue; // a redelivery: order is judged on first arrival
      seen.add(message.messageId);
      if ((last.get(message.streamId) ?? 0) >= message.streamVersion) broken.add(message.streamId);
      last.set(message.streamId, message.streamVersion);
    }
    return [...broken];
  }

  /** Deletes the probe queue and the test exchange with its unrouted pair. */
  async close(): Promise<void> {
    await this.channel
      .addSetup(async (channel: ConfirmChannel) => {
        await channel.deleteQueue(this.queue);
        await channel.deleteQueue(unroutedName(this.exchange));
        await channel.deleteExchange(this.exchange);
        await channel.deleteExchange(unroutedName(this.exchange));
      })
      .catch(() => undefined);
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}

function probed(message: ConsumeMessage): ProbedMessage {
  const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
  return {
    messageId: String(message.properties.messageId),
    type: String(message.properties.type),
    streamId: String(headers['x-stream-id']),
    streamVersion: Number(headers['x-stream-version']),
    correlationId: message.properties.correlationId as string | undefined,
    headers,
    body: JSON.parse(message.content.toString('utf8')) as ProbedMessage['body'],
  };
}
