/**
 * Outbox relay throughput to RabbitMQ with publisher confirms, beside a baseline in the same
 * run: plain amqplib publishing the same messages (same bodies, routing keys and properties)
 * on a confirm channel, awaiting the confirms per batch of the relay's batch size. Both
 * publish to one fresh exchange of the app's topology (topic exchange with its alternate
 * exchange) with a durable queue bound to `#`. After every run, outside the timed window, the
 * queue must hold exactly the messages sent (none unrouted) and is read empty: per stream
 * (header `x-stream-id`) the first deliveries must come in strictly increasing
 * `x-stream-version`, and no message id may come twice, for the relay and the baseline
 * alike, or the benchmark fails. So the per-account order and the at-least-once delivery the
 * goals require are checked on what the broker holds, not taken from the relay's own stats.
 *
 * Each relay run gets fresh outbox rows, written through the real append path
 * (PostgresEventStore with the accounts integration-event mapper; not timed) and then
 * renumbered into a layout, because the relay sends a stream's messages a window at a time
 * (`publishWindow`, default 1: one confirm round trip per message of a stream), so its speed
 * depends on how a claim of `batchSize` oldest rows spreads over streams:
 *   - interleaved: one message per stream in turn, as one-event commands on many accounts
 *     write them (by default a claim holds one message of each of 200 streams: one wave);
 *   - bursts: runs of OUTBOX_BENCH_BURST messages per stream, as batch jobs or busy accounts
 *     write them (by default a claim holds 8 streams x 25 messages: 25 waves at window 1,
 *     one at a window of the batch size);
 *   - one hot account: OUTBOX_BENCH_HOT_MESSAGES messages of one stream, at window 1 and at
 *     a window of the batch size.
 * Timed: OutboxRelay(PostgresOutboxStore, AmqpMessagePublisher).drain() until
 * status().pending === 0 (claim, publish, confirms, mark published); the baseline publishes
 * the interleaved messages in outbox order, nothing read from or written to the database.
 * Every timed run also measures the CPU used meanwhile, per message: this process (the relay,
 * or plain amqplib, runs in it), every PostgreSQL process (the machine's other work included)
 * and the RabbitMQ server (`beam.smp`, when exactly one runs on this machine; left out
 * otherwise), so that a missed goal can be put down to a measured cause.
 * Prints medians of RUNS runs, ratios, where the relay's time went, and the median run's CPU
 * per message of every variant and of the baseline.
 *
 *   npm run bench -- outbox        this benchmark only (`npm run bench` runs all of them)
 *   OUTBOX_BENCH_MESSAGES=20000 OUTBOX_BENCH_STREAMS=200 OUTBOX_BENCH_BURST=25
 *   OUTBOX_BENCH_HOT_MESSAGES=5000 RUNS=3 default;
 *   database BENCH_DATABASE_URL (see bench-database.ts), broker BENCH_AMQP_URL or
 *   TEST_AMQP_URL, default amqp://guest:guest@127.0.0.1:5672. About 2 minutes on 2 cores.
 * The schema, exchanges and queues it creates are deleted at the end. Broker fault tests
 * (which stop RabbitMQ) must not run at the same time.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as connectManager } from 'amqp-connection-manager';
import {
  connect as connectPlain,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
} from 'amqplib';
import { DataSource } from 'typeorm';
import {
  DEFAULT_OUTBOX_RELAY_OPTIONS,
  EventMetadata,
  IntegrationMessageBody,
  MessagePublisher,
  NewEvent,
  OutboxClaim,
  OutboxMessage,
  OutboxRelay,
  OutboxStatus,
  OutboxStore,
  PublishOutcome,
} from '@ledgerline/event-sourcing';
import { PostgresEventStore, PostgresOutboxStore } from '@ledgerline/event-sourcing/postgres';
import { accountIntegrationEvents } from '../src/accounts/integration/account-integration-events';
import { AmqpMessagePublisher, amqpPublishOptions } from '../src/messaging/amqp-message-publisher';
import { assertPublicTopology, unroutedName } from '../src/messaging/amqp-topology';
import { cpuMicrosPer, pidsNamed, snapshotUsage } from './http/proc-usage';
import { median, openBenchSchema } from './support/bench-database';
import { BENCH_AMQP_URL } from './support/bench-broker';
import { cleanUp } from './support/clean-up';

const MESSAGES = Number(process.env.OUTBOX_BENCH_MESSAGES ?? 20_000);
const STREAMS = Number(process.env.OUTBOX_BENCH_STREAMS ?? 200);
const BURST = Number(process.env.OUTBOX_BENCH_BURST ?? 25);
const HOT_MESSAGES = Number(process.env.OUTBOX_BENCH_HOT_MESSAGES ?? 5_000);
const RUNS = Number(process.env.RUNS ?? 3);
const OPTIONS = DEFAULT_OUTBOX_RELAY_OPTIONS;
const BATCH = OPTIONS.batchSize;
const EVENTS_PER_APPEND = 50;
const WARM_UP = { messages: 1_000, streams: 10 };
/** No single timed side may take longer than this (a stuck broker fails the run). */
const SIDE_TIMEOUT_MS = 90_000;
/** Reading a run's messages back out of the queue takes a second or two; more is a fault. */
const READ_TIMEOUT_MS = 30_000;
const OCCURRED_AT = '2026-11-01T10:00:00.000Z';

if (![MESSAGES, STREAMS, BURST, HOT_MESSAGES, RUNS].every((n) => Number.isInteger(n) && n > 0)) {
  throw new Error(
    'OUTBOX_BENCH_MESSAGES, _STREAMS, _BURST, _HOT_MESSAGES and RUNS must be positive integers',
  );
}
if (MESSAGES < STREAMS) throw new Error('OUTBOX_BENCH_MESSAGES must be >= OUTBOX_BENCH_STREAMS');

/**
 * What one relay run drains: `messages` over `streams`, laid out in runs of `burst` messages
 * per stream in turn, published with `window` messages of a stream in flight at once (1, the
 * default: one confirm round trip per message of a stream; BATCH: a whole claim).
 */
interface Variant {
  readonly key: string;
  readonly label: string;
  readonly messages: number;
  readonly streams: number;
  readonly burst: number;
  readonly window: number;
}
const VARIANTS: readonly Variant[] = [
  { key: 'interleaved', burst: 1, window: 1, label: 'interleaved, 1 msg per stream in turn' },
  { key: 'bursts', burst: BURST, window: 1, label: `bursts of ${BURST} msgs per stream` },
  {
    key: 'bursts-window',
    burst: BURST,
    window: BATCH,
    label: `bursts of ${BURST}, OUTBOX_PUBLISH_WINDOW=${BATCH}`,
  },
].map((v) => ({ ...v, messages: MESSAGES, streams: STREAMS }));
/** One hot account: the same relay, all messages in one stream. */
const HOT_VARIANTS: readonly Variant[] = [
  { key: 'hot', window: 1, label: 'one hot account' },
  { key: 'hot-window', window: BATCH, label: `one hot account, OUTBOX_PUBLISH_WINDOW=${BATCH}` },
].map((v) => ({ ...v, messages: HOT_MESSAGES, streams: 1, burst: HOT_MESSAGES }));
const ALL_VARIANTS = [...VARIANTS, ...HOT_VARIANTS];
/** Goal: a hot account's messages per second at the default window. */
const HOT_GOAL = 5_000;
/** Goal: interleaved accounts' throughput against plain amqplib with confirms. */
const INTERLEAVED_GOAL = 0.8;

/** Where the relay's time goes, summed over one drain. */
interface Phases {
  claim: number;
  /** Of `claim`, the claims made behind a batch still being published (overlapping it). */
  claimBehind: number;
  publish: number;
  settle: number;
  /** Claims made (the last one finds nothing). */
  rounds: number;
  /** Publisher calls: each is one wave, awaited until every confirm is in. */
  waves: number;
}
const noPhases = (): Phases => ({
  claim: 0,
  claimBehind: 0,
  publish: 0,
  settle: 0,
  rounds: 0,
  waves: 0,
});

async function timed<T>(phases: Phases, phase: keyof Phases, work: () => Promise<T>): Promise<T> {
  const started = performance.now(); // before the call: its synchronous part counts too
  try {
    return await work();
  } finally {
    phases[phase] += performance.now() - started;
  }
}

/** The real store, timing the calls the relay makes (one clock read per call). */
class TimedOutboxStore implements OutboxStore {
  phases = noPhases();
  constructor(private readonly inner: OutboxStore) {}
  claim(limit: number, leaseMs: number, behind: readonly string[] = []): Promise<OutboxClaim> {
    this.phases.rounds++;
    return timed(this.phases, behind.length === 0 ? 'claim' : 'claimBehind', () =>
      this.inner.claim(limit, leaseMs, behind),
    );
  }
  markPublished(token: string, ids: readonly string[]): Promise<number> {
    return timed(this.phases, 'settle', () => this.inner.markPublished(token, ids));
  }
  markFailed(token: string, id: string, error: string, retryInMs: number, max: number) {
    return timed(this.phases, 'settle', () =>
      this.inner.markFailed(token, id, error, retryInMs, max),
    );
  }
  release(token: string, ids: readonly string[], retryInMs: number): Promise<void> {
    return timed(this.phases, 'settle', () => this.inner.release(token, ids, retryInMs));
  }
  retryDeadLetter(id: string): Promise<boolean> {
    return this.inner.retryDeadLetter(id);
  }
  deletePublished(retentionMs: number, limit: number): Promise<number> {
    return this.inner.deletePublished(retentionMs, limit);
  }
  status(): Promise<OutboxStatus> {
    return this.inner.status();
  }
}

/** The real publisher, timing each batch from hand-over to the last confirm. */
class TimedPublisher implements MessagePublisher {
  constructor(
    private readonly inner: MessagePublisher,
    private readonly store: TimedOutboxStore,
  ) {}
  isReady(): boolean {
    return this.inner.isReady();
  }
  publish(messages: readonly OutboxMessage[]): Promise<PublishOutcome[]> {
    this.store.phases.waves++;
    return timed(this.store.phases, 'publish', () => this.inner.publish(messages));
  }
}

/** Fresh accounts with their outbox rows, written through the real append path. */
async function seed(eventStore: PostgresEventStore, messages: number, streams: number) {
  const accounts = Array.from({ length: streams }, (_, index) => ({
    id: randomUUID(),
    events: Math.floor(messages / streams) + (index < messages % streams ? 1 : 0),
  }));
  const metadata = (): EventMetadata => {
    const id = randomUUID();
    return {
      commandId: id,
      correlationId: id,
      causationId: id,
      actor: 'bench',
      occurredAt: OCCURRED_AT,
    };
  };
  // Batched appends (one message per domain event) keep seeding quick; layOut() then puts
  // the rows in the order the chosen traffic would have written them.
  for (
    let from = 1;
    accounts.some((account) => account.events >= from);
    from += EVENTS_PER_APPEND
  ) {
    await Promise.all(
      accounts
        .filter((account) => account.events >= from)
        .map((account) => {
          const to = Math.min(account.events, from + EVENTS_PER_APPEND - 1);
          const events: NewEvent[] = [];
          for (let version = from; version <= to; version++) {
            events.push(
              version === 1
                ? {
                    type: 'AccountOpened',
                    data: { accountId: account.id, customerId: randomUUID(), currency: 'EUR' },
                  }
                : {
                    type: version % 3 === 0 ? 'MoneyWithdrawn' : 'MoneyDeposited',
                    data: { accountId: account.id, amount: 100 + version, reference: 'bench' },
                  },
            );
          }
          return eventStore.appendToStream(`account-${account.id}`, from - 1, events, {
            metadata: metadata(),
          });
        }),
    );
  }
}

/**
 * Renumbers the outbox rows (new ids from the table's own sequence, oldest row first) into
 * runs of `burst` messages per stream, the streams taking turns; nothing else changes.
 */
async function layOut(dataSource: DataSource, burst: number): Promise<void> {
  const columns =
    'message_id, stream_id, stream_version, type, body, correlation_id, causation_id, created_at, available_at';
  await dataSource.query(`CREATE TABLE bench_outbox_seed AS SELECT ${columns} FROM es_outbox`);
  await dataSource.query('TRUNCATE es_outbox');
  await dataSource.query(
    `INSERT INTO es_outbox (${columns}) SELECT ${columns} FROM bench_outbox_seed
      ORDER BY (stream_version - 1) / $1::int, stream_id, stream_version`,
    [burst],
  );
  await dataSource.query('DROP TABLE bench_outbox_seed');
  await dataSource.query('ANALYZE es_outbox');
}

/** The pending rows as the relay will see them, oldest first (the baseline's input). */
async function pendingMessages(dataSource: DataSource): Promise<OutboxMessage[]> {
  const rows = await dataSource.query<
    {
      id: string;
      message_id: string;
      stream_id: string;
      stream_version: number;
      type: string;
      body: IntegrationMessageBody;
      correlation_id: string;
      causation_id: string;
      attempts: number;
    }[]
  >(
    `SELECT id::text AS id, message_id, stream_id, stream_version, type, body, correlation_id,
            causation_id, attempts
       FROM es_outbox WHERE status = 'pending' ORDER BY id`,
  );
  return rows.map((row) => ({
    id: row.id,
    messageId: row.message_id,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    type: row.type,
    body: row.body,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    attempts: row.attempts,
  }));
}

/** Ours: the relay until nothing is pending. */
async function runRelay(relay: OutboxRelay, store: OutboxStore): Promise<number> {
  const started = performance.now();
  const deadline = started + SIDE_TIMEOUT_MS;
  for (;;) {
    await relay.drain();
    if ((await store.status()).pending === 0) return performance.now() - started;
    if (performance.now() > deadline) throw new Error('the relay did not drain the outbox');
    await sleep(10); // the transport was not ready: drain() returned at once
  }
}

/** Baseline: plain amqplib, a batch published then its confirms awaited, batch after batch. */
async function runPlain(
  channel: ConfirmChannel,
  exchange: string,
  messages: readonly OutboxMessage[],
): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < messages.length; from += BATCH) {
    for (const message of messages.slice(from, from + BATCH)) {
      channel.publish(
        exchange,
        message.type,
        Buffer.from(JSON.stringify(message.body)),
        amqpPublishOptions(message),
      );
    }
    await withTimeout(channel.waitForConfirms(), 'baseline confirms');
  }
  return performance.now() - started;
}

async function withTimeout<T>(work: Promise<T>, what: string, ms = SIDE_TIMEOUT_MS): Promise<T> {
  const abort = new AbortController();
  try {
    return await Promise.race([
      work,
      sleep(ms, undefined, { signal: abort.signal }).then(() => {
        throw new Error(`${what}: no answer in ${ms} ms`);
      }),
    ]);
  } finally {
    abort.abort();
  }
}

/** What reading the bench queue empty found. */
interface QueueCheck {
  readonly messages: number;
  /** First deliveries of a stream at a version not above one the stream already delivered. */
  readonly outOfOrder: number;
  /** Deliveries of a message id already delivered. */
  readonly duplicates: number;
  /** Deliveries without a message id, an `x-stream-id` or a numeric `x-stream-version`. */
  readonly unreadable: number;
}

/**
 * Tallies deliveries as they come in. It never throws: it runs in amqplib's delivery
 * callback, where a throw would not reach the bench; the caller judges the tally.
 */
class DeliveryTally implements QueueCheck {
  private readonly seen = new Set<string>();
  /** Per stream, the highest version among its first deliveries so far. */
  private readonly lastVersion = new Map<string, number>();
  messages = 0;
  outOfOrder = 0;
  duplicates = 0;
  unreadable = 0;

  add(message: ConsumeMessage): void {
    this.messages++;
    // As amqpPublishOptions sets them: the id as the `messageId` property, the stream id as a
    // string header, the version as a number header (amqplib decodes integers to numbers).
    const headers: Record<string, unknown> = message.properties.headers ?? {};
    const messageId: unknown = message.properties.messageId;
    const streamId = headers['x-stream-id'];
    const version = headers['x-stream-version'];
    if (
      typeof messageId !== 'string' ||
      typeof streamId !== 'string' ||
      typeof version !== 'number'
    ) {
      this.unreadable++;
      return;
    }
    if (this.seen.has(messageId)) {
      this.duplicates++; // a second delivery: only first deliveries are held to the order
      return;
    }
    this.seen.add(messageId);
    const last = this.lastVersion.get(streamId);
    if (last !== undefined && version <= last) this.outOfOrder++;
    else this.lastVersion.set(streamId, version);
  }
}

/**
 * Consumes `queue` until `expected` messages have come, then cancels the consumer and
 * returns the tally. noAck: the broker sends as fast as the socket takes them (a prefetch
 * limit does not apply) and nothing is left to settle. Deliveries already on their way when
 * the consumer is cancelled are still tallied, so a surplus shows in `messages`.
 */
async function readAll(channel: Channel, queue: string, expected: number): Promise<QueueCheck> {
  const tally = new DeliveryTally();
  let settle: (error?: Error) => void = () => undefined;
  const allIn = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  const { consumerTag } = await channel.consume(
    queue,
    (message) => {
      if (message === null) {
        settle(new Error(`the broker cancelled the read of ${queue}`));
        return;
      }
      tally.add(message);
      if (tally.messages >= expected) settle();
    },
    { noAck: true },
  );
  try {
    await withTimeout(allIn, `reading ${expected} messages back from ${queue}`, READ_TIMEOUT_MS);
  } finally {
    // A channel closed meanwhile must not hide the error that closed it.
    await channel.cancel(consumerTag).catch(() => undefined);
  }
  // The counts only: the tally's set of every message id is not kept with the runs.
  const { messages, outOfOrder, duplicates, unreadable } = tally;
  return { messages, outOfOrder, duplicates, unreadable };
}

/** The broker end of the bench: one fresh exchange and a durable queue that takes everything. */
async function openBroker(model: ChannelModel) {
  const exchange = `ll.bench.outbox.${randomBytes(4).toString('hex')}`;
  const queue = `${exchange}.all`;
  const admin = await model.createChannel();
  // Its own channel: the consumer's deliveries do not queue behind the admin's calls.
  const reader = await model.createChannel();
  await assertPublicTopology(admin, exchange);
  await admin.assertQueue(queue, { durable: true });
  await admin.bindQueue(queue, exchange, '#');
  return {
    exchange,
    /**
     * Reads the queue empty (after the timed window): exactly `expected` messages and none
     * unrouted, no message id twice, and per stream the first deliveries in strictly
     * increasing version; else throws an error that starts with `what`.
     */
    async takeAll(expected: number, what: string): Promise<QueueCheck> {
      const { messageCount } = await admin.checkQueue(queue);
      const unrouted = (await admin.checkQueue(unroutedName(exchange))).messageCount;
      if (messageCount !== expected || unrouted !== 0) {
        throw new Error(
          `${what}: queue got ${messageCount} (unrouted ${unrouted}), expected ${expected}`,
        );
      }
      const check = await readAll(reader, queue, expected);
      const left = (await admin.checkQueue(queue)).messageCount;
      if (
        check.messages !== expected ||
        left !== 0 ||
        check.outOfOrder + check.duplicates + check.unreadable > 0
      ) {
        throw new Error(
          `${what}: read ${check.messages} of ${expected} messages back (${left} left in the ` +
            `queue), ${check.outOfOrder} out of per-stream order, ${check.duplicates} ` +
            `duplicate message ids, ${check.unreadable} without message id or stream headers`,
        );
      }
      return check;
    },
    async delete(): Promise<void> {
      await reader.close();
      await admin.deleteQueue(queue);
      await admin.deleteQueue(unroutedName(exchange));
      await admin.deleteExchange(exchange);
      await admin.deleteExchange(unroutedName(exchange));
      await admin.close();
    },
  };
}

/** One timed side of a run: its time, the CPU used meanwhile, and what the queue held. */
interface SideRun {
  readonly ms: number;
  /** µs of CPU per message, by usageBetween's names: `bench`, `postgres`, `rabbitmq`. */
  readonly cpu: Readonly<Record<string, number>>;
  readonly check: QueueCheck;
}

/**
 * The RabbitMQ server to measure: the one `beam.smp` here whose /proc entries this user may
 * read (a broker of another user, or in a container, is not), or none.
 */
function brokerProcess(): Record<string, number> {
  const pids = pidsNamed('beam.smp');
  if (pids.length !== 1) return {};
  try {
    snapshotUsage({ rabbitmq: pids[0] });
    return { rabbitmq: pids[0] };
  } catch {
    return {};
  }
}

/** µs as printed: a tenth below 10, whole above. */
const micros = (value: number): string =>
  value < 10 ? value.toFixed(1) : String(Math.round(value));

/** One line of CPU per message: this process, PostgreSQL, RabbitMQ when measured, total. */
function cpuLine(name: string, cpu: Readonly<Record<string, number>>): string {
  const parts: [string, number][] = [
    ['process', cpu.bench],
    ['PostgreSQL', cpu.postgres],
  ];
  if (cpu.rabbitmq !== undefined) parts.push(['RabbitMQ', cpu.rabbitmq]);
  const total = parts.reduce((sum, [, value]) => sum + value, 0);
  return (
    `CPU per message (median run): ${name}: ` +
    parts.map(([part, value]) => `${part} ${micros(value)} µs`).join(', ') +
    (cpu.rabbitmq === undefined ? ', RabbitMQ not measured (no single beam.smp here)' : '') +
    `, total ${micros(total)} µs`
  );
}

async function main(): Promise<void> {
  const opened: (() => Promise<unknown>)[] = [];
  try {
    const bench = await openBenchSchema('outbox');
    opened.push(() => bench.drop());
    const plain = await connectPlain(BENCH_AMQP_URL);
    opened.push(() => plain.close());
    const broker = await openBroker(plain);
    opened.push(() => broker.delete());
    const manager = connectManager([BENCH_AMQP_URL], {
      heartbeatIntervalInSeconds: 10,
      reconnectTimeInSeconds: 2,
    });
    opened.push(() => manager.close());
    const publisher = new AmqpMessagePublisher(manager, broker.exchange);
    opened.push(() => publisher.close());
    await manager.connect({ timeout: 10_000 });
    const confirmChannel = await plain.createConfirmChannel();
    const eventStore = new PostgresEventStore(bench.dataSource, {
      outbox: accountIntegrationEvents,
    });
    const store = new TimedOutboxStore(new PostgresOutboxStore(bench.dataSource));
    const timedPublisher = new TimedPublisher(publisher, store);
    const relays = new Map(
      [1, BATCH].map((window) => [
        window,
        new OutboxRelay(store, timedPublisher, { ...OPTIONS, publishWindow: window }),
      ]),
    );
    const relayWith = (window: number): OutboxRelay => relays.get(window)!;
    // Found once: the broker's pid does not change while the bench runs.
    const servers = brokerProcess();
    /** `work`'s own time, and the CPU used from just before it to just after, per message. */
    const measured = async (messages: number, work: () => Promise<number>) => {
      const before = snapshotUsage(servers);
      const ms = await work();
      return { ms, cpu: cpuMicrosPer(before, snapshotUsage(servers), messages) };
    };

    /** Fresh pending rows in a layout; @returns them as the relay will claim them. */
    const prepare = async (messages: number, streams: number, burst: number) => {
      await bench.dataSource.query('TRUNCATE es_outbox');
      await seed(eventStore, messages, streams);
      await layOut(bench.dataSource, burst);
      const pending = await pendingMessages(bench.dataSource);
      if (pending.length !== messages) throw new Error(`seeded ${pending.length} messages`);
      store.phases = noPhases();
      return pending;
    };
    /** The relay drained `expected` messages cleanly, and the queue holds exactly them. */
    const relayDrained = async (expected: number, window: number, what: string) => {
      const relay = relayWith(window);
      const before = relay.stats;
      const { ms, cpu } = await measured(expected, () => runRelay(relay, store));
      const after = relay.stats;
      if (after.published - before.published !== expected) {
        throw new Error(`relay published ${after.published - before.published} of ${expected}`);
      }
      if (after.rejected + after.released + after.duplicates + after.resent > 0) {
        throw new Error(`relay: ${JSON.stringify(after)}`);
      }
      return { ms, cpu, check: await broker.takeAll(expected, `relay ${what}`) };
    };
    const baselineSent = async (messages: readonly OutboxMessage[]): Promise<SideRun> => {
      const { ms, cpu } = await measured(messages.length, () =>
        runPlain(confirmChannel, broker.exchange, messages),
      );
      return { ms, cpu, check: await broker.takeAll(messages.length, 'plain amqplib') };
    };

    // Warm-up (not counted): JIT, connection pool, channel set-up on both sides.
    for (const variant of ALL_VARIANTS) {
      const streams = Math.min(variant.streams, WARM_UP.streams);
      await prepare(WARM_UP.messages, streams, Math.min(variant.burst, WARM_UP.messages));
      await relayDrained(WARM_UP.messages, variant.window, `${variant.key} warm-up`);
    }
    // The baseline's input: the interleaved messages, the same in every run.
    const baselineMessages = await prepare(MESSAGES, STREAMS, 1);
    await baselineSent(baselineMessages.slice(0, WARM_UP.messages));

    console.log(
      `${MESSAGES} messages over ${STREAMS} streams, and ${HOT_MESSAGES} on one hot account, ` +
        `per run, ${RUNS} runs, batch ${BATCH}, ` +
        `broker ${new URL(BENCH_AMQP_URL).host}, exchange ${broker.exchange}`,
    );
    const sideRuns = new Map<string, SideRun[]>(
      [...ALL_VARIANTS.map((v) => v.key), 'plain'].map((key) => [key, []]),
    );
    const phases = new Map<string, Phases[]>(ALL_VARIANTS.map((v) => [v.key, []]));
    const runsOf = (key: string): SideRun[] => sideRuns.get(key)!;
    const timesOf = (key: string): number[] => runsOf(key).map((run) => run.ms);
    /** The run whose time is the median: its phases and CPU are shown, not a mix of runs. */
    const medianRun = (key: string): number => timesOf(key).indexOf(median(timesOf(key)));
    for (let run = 1; run <= RUNS; run++) {
      // Alternate the order so no variant always runs first.
      const variants: (Variant | 'plain')[] = [...ALL_VARIANTS, 'plain'];
      if (run % 2 === 0) variants.reverse();
      const line: string[] = [];
      for (const variant of variants) {
        if (variant === 'plain') {
          runsOf('plain').push(await baselineSent(baselineMessages));
          line.push(`plain amqplib ${Math.round(timesOf('plain')[run - 1])} ms`);
          continue;
        }
        await prepare(variant.messages, variant.streams, variant.burst);
        runsOf(variant.key).push(await relayDrained(variant.messages, variant.window, variant.key));
        phases.get(variant.key)!.push(store.phases);
        const p = store.phases;
        line.push(
          `relay ${variant.key} ${Math.round(timesOf(variant.key)[run - 1])} ms (claim ${Math.round(p.claim)} ` +
            `+ ${Math.round(p.claimBehind)} behind, ` +
            `publish ${Math.round(p.publish)} in ${p.waves} waves, mark ${Math.round(p.settle)})`,
        );
      }
      console.log(`run ${run}: ${line.join(', ')}`);
    }
    await confirmChannel.close();

    const rate = (messages: number, ms: number) => Math.round(messages / (ms / 1000));
    const baseline = median(timesOf('plain'));
    const baselineRate = rate(MESSAGES, baseline);
    console.log(
      `\nOutbox relay to RabbitMQ with confirms, median of ${RUNS} runs (batch ${BATCH}), ` +
        'every message read back from the bound queue, its per-account order checked:',
    );
    console.table([
      ...ALL_VARIANTS.map((variant) => {
        const ours = median(timesOf(variant.key));
        return {
          variant: `OutboxRelay.drain, ${variant.label}`,
          messages: variant.messages,
          'median ms': Math.round(ours),
          'msgs/s': rate(variant.messages, ours),
          'ratio to baseline': Number((rate(variant.messages, ours) / baselineRate).toFixed(2)),
        };
      }),
      {
        variant: `plain amqplib, confirms per ${BATCH}, interleaved (baseline)`,
        messages: MESSAGES,
        'median ms': Math.round(baseline),
        'msgs/s': baselineRate,
        'ratio to baseline': 1,
      },
    ]);
    const spread = (key: string, messages: number) =>
      timesOf(key)
        .map((ms) => rate(messages, ms))
        .sort((a, b) => a - b)
        .join('-');
    /** What the queue showed over all runs of `key` (0 and 0: takeAll throws on any). */
    const checked = (key: string) => {
      const outOfOrder = runsOf(key).reduce((sum, run) => sum + run.check.outOfOrder, 0);
      const duplicates = runsOf(key).reduce((sum, run) => sum + run.check.duplicates, 0);
      return `${outOfOrder} out of order, ${duplicates} duplicate ids in ${RUNS} runs`;
    };
    const verdict = (met: boolean): string => (met ? 'MET' : 'MISSED');
    const interleaved = rate(MESSAGES, median(timesOf('interleaved'))) / baselineRate;
    const hot = rate(HOT_MESSAGES, median(timesOf('hot')));
    const hotWindow = rate(HOT_MESSAGES, median(timesOf('hot-window')));
    console.log(
      `goal: interleaved >= ${INTERLEAVED_GOAL}x plain amqplib: ${interleaved.toFixed(2)}x ` +
        `(runs ${spread('interleaved', MESSAGES)} msgs/s against ${spread('plain', MESSAGES)}; ` +
        `per-account order checked in the queue: ${checked('interleaved')}) ` +
        verdict(interleaved >= INTERLEAVED_GOAL),
    );
    console.log(
      `goal: one hot account >= ${HOT_GOAL} msgs/s, order kept across nacks (window 1): ${hot} ` +
        `msgs/s (runs ${spread('hot', HOT_MESSAGES)}; per-account order checked in the queue: ` +
        `${checked('hot')}) ${verdict(hot >= HOT_GOAL)}`,
    );
    // No nack happens here, so the queue cannot show it: by design, the broker has already
    // taken the later messages of a nacked one's window when the nacked one is sent again.
    // Not a verdict: a window keeps order only while the broker does not nack, which is less
    // than the goal asks, so this figure is what the opt-in setting buys, not the goal met.
    console.log(
      `not the goal as stated: one hot account with OUTBOX_PUBLISH_WINDOW=${BATCH} (order ` +
        `kept only while the broker does not nack): ${hotWindow} msgs/s, ` +
        `${hotWindow >= HOT_GOAL ? 'above' : 'below'} ${HOT_GOAL} ` +
        `(runs ${spread('hot-window', HOT_MESSAGES)}; no nack here, in the queue: ` +
        `${checked('hot-window')})`,
    );
    for (const variant of ALL_VARIANTS) {
      // The split of the median run itself, so that its parts add up.
      const ours = median(timesOf(variant.key));
      const p = phases.get(variant.key)![medianRun(variant.key)];
      console.log(
        `relay ${variant.key}, median run: ${p.rounds} claims ${Math.round(p.claim + p.claimBehind)} ms ` +
          `(${Math.round(p.claimBehind)} ms of them behind a batch being published), ` +
          `${p.waves} waves publish+confirm ${Math.round(p.publish)} ms, ` +
          `mark published ${Math.round(p.settle)} ms (beside the next batch's publishing but ` +
          `the last's), other ${Math.round(ours - p.claim - p.publish)} ms (the waits for ` +
          'claims made behind and marks included)',
      );
    }
    for (const variant of ALL_VARIANTS) {
      console.log(cpuLine(`relay ${variant.key}`, runsOf(variant.key)[medianRun(variant.key)].cpu));
    }
    console.log(cpuLine('plain amqplib', runsOf('plain')[medianRun('plain')].cpu));
  } finally {
    await cleanUp(opened);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
