/**
 * Outbox relay throughput to RabbitMQ with publisher confirms, beside a baseline in the same
 * run: plain amqplib publishing the same messages (same bodies, routing keys and properties)
 * on a confirm channel, awaiting the confirms per batch of the relay's batch size. Both
 * publish to one fresh exchange of the app's topology (topic exchange with its alternate
 * exchange) with a durable queue bound to `#`; after every run the queue must hold exactly
 * the messages sent (none unrouted), then it is purged.
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
 * Prints medians of RUNS runs, ratios, and where the relay's time went.
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
import { connect as connectPlain, type ChannelModel, type ConfirmChannel } from 'amqplib';
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

async function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  const abort = new AbortController();
  try {
    return await Promise.race([
      work,
      sleep(SIDE_TIMEOUT_MS, undefined, { signal: abort.signal }).then(() => {
        throw new Error(`${what}: no answer in ${SIDE_TIMEOUT_MS} ms`);
      }),
    ]);
  } finally {
    abort.abort();
  }
}

/** The broker end of the bench: one fresh exchange and a durable queue that takes everything. */
async function openBroker(model: ChannelModel) {
  const exchange = `ll.bench.outbox.${randomBytes(4).toString('hex')}`;
  const queue = `${exchange}.all`;
  const admin = await model.createChannel();
  await assertPublicTopology(admin, exchange);
  await admin.assertQueue(queue, { durable: true });
  await admin.bindQueue(queue, exchange, '#');
  return {
    exchange,
    /** Checks that exactly `expected` messages arrived, then empties the queue. */
    async takeAll(expected: number): Promise<void> {
      const { messageCount } = await admin.checkQueue(queue);
      const unrouted = (await admin.checkQueue(unroutedName(exchange))).messageCount;
      await admin.purgeQueue(queue);
      if (messageCount !== expected || unrouted !== 0) {
        throw new Error(`queue got ${messageCount} (unrouted ${unrouted}), expected ${expected}`);
      }
    },
    async delete(): Promise<void> {
      await admin.deleteQueue(queue);
      await admin.deleteQueue(unroutedName(exchange));
      await admin.deleteExchange(exchange);
      await admin.deleteExchange(unroutedName(exchange));
      await admin.close();
    },
  };
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
    const relayDrained = async (expected: number, window: number) => {
      const relay = relayWith(window);
      const before = relay.stats;
      const ms = await runRelay(relay, store);
      const after = relay.stats;
      if (after.published - before.published !== expected) {
        throw new Error(`relay published ${after.published - before.published} of ${expected}`);
      }
      if (after.rejected + after.released + after.duplicates + after.resent > 0) {
        throw new Error(`relay: ${JSON.stringify(after)}`);
      }
      await broker.takeAll(expected);
      return ms;
    };
    const baselineSent = async (messages: readonly OutboxMessage[]) => {
      const ms = await runPlain(confirmChannel, broker.exchange, messages);
      await broker.takeAll(messages.length);
      return ms;
    };

    // Warm-up (not counted): JIT, connection pool, channel set-up on both sides.
    for (const variant of ALL_VARIANTS) {
      const streams = Math.min(variant.streams, WARM_UP.streams);
      await prepare(WARM_UP.messages, streams, Math.min(variant.burst, WARM_UP.messages));
      await relayDrained(WARM_UP.messages, variant.window);
    }
    // The baseline's input: the interleaved messages, the same in every run.
    const baselineMessages = await prepare(MESSAGES, STREAMS, 1);
    await baselineSent(baselineMessages.slice(0, WARM_UP.messages));

    console.log(
      `${MESSAGES} messages over ${STREAMS} streams, and ${HOT_MESSAGES} on one hot account, ` +
        `per run, ${RUNS} runs, batch ${BATCH}, ` +
        `broker ${new URL(BENCH_AMQP_URL).host}, exchange ${broker.exchange}`,
    );
    const times = new Map<string, number[]>(
      [...ALL_VARIANTS.map((v) => v.key), 'plain'].map((key) => [key, []]),
    );
    const phases = new Map<string, Phases[]>(ALL_VARIANTS.map((v) => [v.key, []]));
    const timesOf = (key: string): number[] => times.get(key)!;
    for (let run = 1; run <= RUNS; run++) {
      // Alternate the order so no variant always runs first.
      const variants: (Variant | 'plain')[] = [...ALL_VARIANTS, 'plain'];
      if (run % 2 === 0) variants.reverse();
      const line: string[] = [];
      for (const variant of variants) {
        if (variant === 'plain') {
          timesOf('plain').push(await baselineSent(baselineMessages));
          line.push(`plain amqplib ${Math.round(timesOf('plain')[run - 1])} ms`);
          continue;
        }
        await prepare(variant.messages, variant.streams, variant.burst);
        timesOf(variant.key).push(await relayDrained(variant.messages, variant.window));
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
        `every message counted in the bound queue:`,
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
    const interleaved = rate(MESSAGES, median(timesOf('interleaved'))) / baselineRate;
    const hot = rate(HOT_MESSAGES, median(timesOf('hot')));
    const hotWindow = rate(HOT_MESSAGES, median(timesOf('hot-window')));
    console.log(
      `goal: interleaved >= ${INTERLEAVED_GOAL}x plain amqplib: ${interleaved.toFixed(2)}x ` +
        `(runs ${spread('interleaved', MESSAGES)} msgs/s against ${spread('plain', MESSAGES)}) ` +
        `${interleaved >= INTERLEAVED_GOAL ? 'MET' : 'MISSED'}`,
    );
    console.log(
      `goal: one hot account >= ${HOT_GOAL} msgs/s, order kept across nacks (window 1): ${hot} ` +
        `(runs ${spread('hot', HOT_MESSAGES)}) ${hot >= HOT_GOAL ? 'MET' : 'MISSED'}; ` +
        `with OUTBOX_PUBLISH_WINDOW=${BATCH}: ${hotWindow} (runs ${spread('hot-window', HOT_MESSAGES)}) ` +
        `${hotWindow >= HOT_GOAL ? 'MET' : 'MISSED'}, order kept unless the broker nacks`,
    );
    for (const variant of ALL_VARIANTS) {
      // The split of the median run itself, so that its parts add up.
      const ours = median(timesOf(variant.key));
      const p = phases.get(variant.key)![timesOf(variant.key).indexOf(ours)];
      console.log(
        `relay ${variant.key}, median run: ${p.rounds} claims ${Math.round(p.claim + p.claimBehind)} ms ` +
          `(${Math.round(p.claimBehind)} ms of them behind a batch being published), ` +
          `${p.waves} waves publish+confirm ${Math.round(p.publish)} ms, ` +
          `mark published ${Math.round(p.settle)} ms (beside the next batch's publishing but ` +
          `the last's), other ${Math.round(ours - p.claim - p.publish)} ms (the waits for ` +
          'claims made behind and marks included)',
      );
    }
  } finally {
    await cleanUp(opened);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
