import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import {
  DEFAULT_OUTBOX_RELAY_OPTIONS,
  EventMetadata,
  IntegrationEventMapper,
  MessagePublisher,
  NewEvent,
  OutboxMessage,
  OutboxRelay,
  OutboxRelayOptions,
  PublishOutcome,
} from '../index';
import { PostgresEventStore, PostgresOutboxStore, runInTransaction } from '../postgres';
import { outboxRows } from '../postgres/outbox-rows';
import { eventually } from '../../test/eventually';
import { describeOnServer, openTestDatabase, TestDatabase } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';

/**
 * A transport double. `received` is everything handed to it (rejections included);
 * `delivered` is what it confirmed, i.e. what consumers would see, in that order (two
 * doubles may share one). `hold` runs between hand-over and answer: a slow broker, or a
 * gate the test opens.
 */
class RecordingPublisher implements MessagePublisher {
  readonly received: OutboxMessage[] = [];
  /** The size of each `publish` call: one per wave. */
  readonly calls: number[] = [];
  /** Message ids it nacks, every time. */
  readonly rejecting = new Set<string>();
  ready = true;
  failure: 'none' | 'unavailable' | 'throws' = 'none';

  constructor(
    private readonly hold: () => Promise<void> = () => Promise.resolve(),
    readonly delivered: OutboxMessage[] = [],
  ) {}

  isReady(): boolean {
    return this.ready;
  }

  async publish(messages: readonly OutboxMessage[]): Promise<PublishOutcome[]> {
    if (this.failure === 'throws') throw new Error('socket closed (injected)');
    this.calls.push(messages.length);
    this.received.push(...messages);
    await this.hold();
    return messages.map((message): PublishOutcome => {
      if (this.failure === 'unavailable') return { status: 'unavailable', error: 'link down' };
      if (this.rejecting.has(message.messageId)) return { status: 'rejected', error: 'nack' };
      this.delivered.push(message);
      return { status: 'published' };
    });
  }
}

interface Row {
  id: string;
  message_id: string;
  stream_id: string;
  stream_version: number;
  status: 'pending' | 'published' | 'dead';
  attempts: number;
  claimed_by: string | null;
  published_at: Date | null;
}

let database: TestDatabase;
let outbox: PostgresOutboxStore;
let store: PostgresEventStore; // one integration message per event, data { n: version }

const OCCURRED_AT = '2026-03-01T10:00:00.000Z';
const metadata = (commandId?: string): EventMetadata =>
  testMetadata({ commandId, occurredAt: OCCURRED_AT });
const stream = (): string => `s-${randomUUID()}`;
const counted: IntegrationEventMapper = (event) => [
  { type: 'test.counted', schemaVersion: 1, data: { n: event.streamVersion } },
];
const relayOptions = (overrides: Partial<OutboxRelayOptions> = {}): OutboxRelayOptions => ({
  ...DEFAULT_OUTBOX_RELAY_OPTIONS,
  batchSize: 10,
  retryBaseMs: 1,
  retryMaxMs: 5,
  idlePollMs: 5, // also the delay before released messages are due again
  ...overrides,
});

/** Round-robin appends, so the outbox interleaves the streams. */
async function appendInterleaved(streams: readonly string[], perStream: number): Promise<void> {
  for (let version = 1; version <= perStream; version++) {
    for (const id of streams) {
      await store.appendToStream(id, version - 1, [{ type: 'Counted', data: {} }], {
        metadata: metadata(),
      });
    }
  }
}

const rows = (): Promise<Row[]> =>
  database.dataSource.query(
    `SELECT id::text AS id, message_id, stream_id, stream_version, status, attempts, claimed_by,
            published_at FROM es_outbox ORDER BY es_outbox.id`, // the number, not its text
  );

/** A stream's rows as [version, status], oldest first. */
const statusesOf = async (streamId: string): Promise<[number, Row['status']][]> =>
  (await rows())
    .filter((r) => r.stream_id === streamId)
    .map((r): [number, Row['status']] => [r.stream_version, r.status]);
/** A stream's versions in the order given: the per-stream order a consumer sees. */
const versionsOf = (messages: readonly OutboxMessage[], streamId: string): number[] =>
  messages.filter((m) => m.streamId === streamId).map((m) => m.streamVersion);
/** Each of `streams` arrived exactly once, as versions 1..perStream in order. */
function expectInOrder(
  messages: readonly OutboxMessage[],
  streams: readonly string[],
  perStream: number,
): void {
  const expected = Array.from({ length: perStream }, (_, i) => i + 1);
  for (const id of streams) expect(versionsOf(messages, id)).toEqual(expected);
}
/** Each message's last copy, in the order of the last copies: what ordered retry keeps. */
const lastDeliveries = (log: readonly OutboxMessage[]): OutboxMessage[] =>
  log.filter((m, i) => !log.slice(i + 1).some((other) => other.messageId === m.messageId));
const firstDeliveries = (log: readonly OutboxMessage[]): OutboxMessage[] =>
  log.filter((m, i) => log.findIndex((other) => other.messageId === m.messageId) === i);
/** Waits until the double was handed `count` messages: a round claims asynchronously first. */
const handedOver = (publisher: RecordingPublisher, count: number): Promise<void> =>
  eventually(() => Promise.resolve(expect(publisher.received).toHaveLength(count)));
/** A promise the test resolves when it chooses: a broker that confirms on cue. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
/** Drains again until `assertion` holds: drain stops early while a message is backing off. */
const drainUntil = (relay: OutboxRelay, assertion: () => Promise<void>): Promise<void> =>
  eventually(async () => {
    await relay.drain();
    await assertion();
  });

beforeAll(async () => {
  database = await openTestDatabase('outbox_relay');
  outbox = new PostgresOutboxStore(database.dataSource);
  store = new PostgresEventStore(database.dataSource, { outbox: counted });
});
afterAll(() => database.close());
// One outbox table per file: every test starts from an empty one so its counts are exact.
beforeEach(() => database.dataSource.query('DELETE FROM es_outbox'));

describe('PostgresEventStore with an outbox mapper', () => {
  const mapper: IntegrationEventMapper = (event) => {
    if (event.type === 'Deposited')
      return [{ type: 'test.deposited', schemaVersion: 2, data: { amount: event.data.amount } }];
    if (event.type === 'Split')
      return ['first', 'second'].map((part) => ({
        type: `test.split-${part}`,
        schemaVersion: 1,
        data: {},
      }));
    return []; // internal events stay internal
  };

  it('commits the mapped rows with the events, with stable UUIDv5 ids and the public body', async () => {
    const mapped = new PostgresEventStore(database.dataSource, { outbox: mapper });
    const id = stream();
    const events: NewEvent[] = [
      { type: 'Deposited', data: { amount: 10 } },
      { type: 'Noted', data: {} },
      { type: 'Split', data: {} },
    ];
    await mapped.appendToStream(id, 'no_stream', events, { metadata: metadata() });

    const recorded = await mapped.readStream(id);
    const written = await rows();
    expect(written.map((r) => [r.stream_id, r.stream_version, r.status, r.attempts])).toEqual([
      [id, 1, 'pending', 0],
      [id, 3, 'pending', 0],
      [id, 3, 'pending', 0],
    ]);
    // Recomputing from the recorded events gives the same ids: redeliveries deduplicate.
    const recomputed = outboxRows(recorded, mapper);
    expect(written.map((r) => r.message_id)).toEqual(recomputed.map((r) => r.messageId));
    expect(new Set(written.map((r) => r.message_id)).size).toBe(3);
    for (const r of written) expect(isUuid(r.message_id) && uuidVersion(r.message_id)).toBe(5);

    const [first] = await database.dataSource.query<{ body: unknown; causation_id: string }[]>(
      'SELECT body, causation_id FROM es_outbox ORDER BY id LIMIT 1',
    );
    expect(first).toEqual({
      causation_id: recorded[0].eventId,
      body: {
        id: written[0].message_id,
        type: 'test.deposited',
        schemaVersion: 2,
        occurredAt: OCCURRED_AT,
        data: { amount: 10 },
      },
    });
  });

  it('leaves neither events nor outbox rows when the transaction fails after the append', async () => {
    const mapped = new PostgresEventStore(database.dataSource, { outbox: mapper });
    const id = stream();
    const failing = runInTransaction(database.dataSource, async (queryRunner) => {
      const deposit = { type: 'Deposited', data: { amount: 5 } };
      await mapped.appendInTransaction(queryRunner, id, 'no_stream', [deposit], {
        metadata: metadata(),
      });
      throw new Error('the caller fails after the append');
    });
    await expect(failing).rejects.toThrow('the caller fails after the append');
    expect(await mapped.readStream(id)).toEqual([]);
    expect(await rows()).toEqual([]);
  });
});

describe('OutboxRelay on PostgreSQL', () => {
  it('publishes every message once, in order per stream, and marks them all published', async () => {
    const streams = [stream(), stream(), stream(), stream(), stream()];
    await appendInterleaved(streams, 6);
    const publisher = new RecordingPublisher();
    const relay = new OutboxRelay(outbox, publisher, relayOptions({ batchSize: 7 })); // several rounds

    await relay.drain();

    expect(publisher.delivered).toHaveLength(30);
    expectInOrder(publisher.delivered, streams, 6);
    expect(relay.stats).toEqual({
      published: 30,
      rejected: 0,
      released: 0,
      duplicates: 0,
      resent: 0,
    });
    expect(await outbox.status()).toMatchObject({ pending: 0, oldestPendingAgeMs: 0 });
    expect((await rows()).filter((r) => r.published_at === null)).toEqual([]);
  });

  it('dead-letters a poison message after maxAttempts, holds back only its stream, and resumes it on retry', async () => {
    const poisoned = stream();
    const healthy = [stream(), stream()];
    await appendInterleaved([poisoned, ...healthy], 3);
    const [poison] = (await rows()).filter((r) => r.stream_id === poisoned);
    const publisher = new RecordingPublisher();
    publisher.rejecting.add(poison.message_id);
    const relay = new OutboxRelay(outbox, publisher, relayOptions({ maxAttempts: 3 }));

    await drainUntil(relay, async () => expect((await outbox.status()).deadLettered).toBe(1));
    const status = await outbox.status();
    expect(status).toMatchObject({ pending: 2, deadLettered: 1 }); // versions 2 and 3 are held
    expect(status.deadLetters).toEqual([
      expect.objectContaining({
        id: poison.id,
        messageId: poison.message_id,
        streamId: poisoned,
        attempts: 3,
        lastError: 'nack',
      }),
    ]);
    expect(publisher.received.filter((m) => m.messageId === poison.message_id)).toHaveLength(3);
    expect(relay.stats.rejected).toBe(3);
    expectInOrder(publisher.delivered, healthy, 3);
    const held = (await rows()).filter((r) => r.stream_id === poisoned && r.status === 'pending');
    expect(held.map((r) => [r.stream_version, r.attempts])).toEqual([
      [2, 0],
      [3, 0],
    ]);

    // While it is dead, nothing of its stream goes out, but other streams keep flowing.
    const whileDead = publisher.received.length;
    const later = stream();
    await appendInterleaved([later], 2);
    for (let round = 0; round < 3; round++) await relay.drain();
    const sentWhileDead = publisher.received.slice(whileDead);
    expect(sentWhileDead.map((m) => [m.streamId, m.streamVersion])).toEqual([
      [later, 1],
      [later, 2],
    ]);
    expect((await outbox.status()).pending).toBe(2);

    // An operator fixes the cause and retries: the dead one goes first, then the held ones.
    publisher.rejecting.clear();
    expect(await outbox.retryDeadLetter(poison.id)).toBe(true);
    expect(await outbox.retryDeadLetter(poison.id)).toBe(false); // no longer dead
    const retried = (await rows()).find((r) => r.id === poison.id);
    expect(retried).toMatchObject({ status: 'pending', attempts: 0 }); // a fresh attempt count
    await relay.drain();
    // Over the whole test: its stream went out once, in order; nothing overtook the poison.
    expectInOrder(publisher.delivered, [poisoned], 3);
    expect(await outbox.status()).toMatchObject({ pending: 0, deadLettered: 0, deadLetters: [] });
  });

  it('with a window, sends that many of a stream before their confirms, then the next window', async () => {
    const [busy, quiet] = [stream(), stream()];
    await appendInterleaved([busy], 5);
    await appendInterleaved([quiet], 1);
    const broker = gate();
    const publisher = new RecordingPublisher(() => broker.opened);
    const relay = new OutboxRelay(outbox, publisher, relayOptions({ publishWindow: 3 }));

    const round = relay.publishRound();
    // One broker round trip carries the busy stream's first three and the quiet one.
    await handedOver(publisher, 4);
    expect(versionsOf(publisher.received, busy)).toEqual([1, 2, 3]);
    broker.open();
    expect(await round).toBe(6);
    expect(publisher.calls).toEqual([4, 2]);
    expectInOrder(publisher.delivered, [busy], 5);
    expect(relay.stats).toMatchObject({ published: 6, released: 0, resent: 0 });
    expect(await outbox.status()).toMatchObject({ pending: 0 });
  });

  it('with a window, a nack holds back what follows it in its stream and sends that again after it', async () => {
    const [nacked, healthy] = [stream(), stream()];
    await appendInterleaved([nacked, healthy], 4);
    const second = (await rows()).find((r) => r.stream_id === nacked && r.stream_version === 2)!;
    const publisher = new RecordingPublisher();
    publisher.rejecting.add(second.message_id);
    // One attempt: the nacked message is dead at once, so what it holds back can be seen.
    const relay = new OutboxRelay(
      outbox,
      publisher,
      relayOptions({ maxAttempts: 1, publishWindow: 10 }),
    );

    await relay.drain();
    // The broker took versions 3 and 4 behind the nacked 2: they count as resent, stay
    // pending behind the dead letter, and the healthy stream went out whole.
    expect(versionsOf(publisher.delivered, nacked)).toEqual([1, 3, 4]);
    expect(relay.stats).toMatchObject({ published: 5, rejected: 1, released: 2, resent: 2 });
    expect(await statusesOf(nacked)).toEqual([
      [1, 'published'],
      [2, 'dead'],
      [3, 'pending'],
      [4, 'pending'],
    ]);
    expectInOrder(publisher.delivered, [healthy], 4);

    publisher.rejecting.clear();
    expect(await outbox.retryDeadLetter(second.id)).toBe(true);
    await drainUntil(relay, async () => expect((await outbox.status()).pending).toBe(0));
    // Sent again in order after the retried one: the last copy of each is in order.
    expect(versionsOf(publisher.delivered, nacked)).toEqual([1, 3, 4, 2, 3, 4]);
    expectInOrder(lastDeliveries(publisher.delivered), [nacked, healthy], 4);
    expect(relay.stats).toMatchObject({ published: 8, rejected: 1, resent: 2 });
  });

  it('claims the next batch behind the one the broker has not confirmed yet', async () => {
    const streams = [stream(), stream(), stream()];
    await appendInterleaved(streams, 10);
    const confirms = gate();
    const publisher = new RecordingPublisher(() => confirms.opened);
    const relay = new OutboxRelay(outbox, publisher, relayOptions({ batchSize: 6 }));

    const draining = relay.drain();
    await handedOver(publisher, 3); // the first message of each stream, unconfirmed
    // Meanwhile the next six, each its stream's next, were claimed behind them.
    await eventually(async () => {
      const claimed = (await rows()).filter((r) => r.claimed_by !== null);
      expect(claimed.map((r) => r.stream_version)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
      expect(new Set(claimed.map((r) => r.claimed_by)).size).toBe(2); // a token per batch
    });
    confirms.open();
    await draining;

    expectInOrder(publisher.delivered, streams, 10);
    expect(relay.stats).toMatchObject({ published: 30, released: 0, resent: 0 });
    expect(await outbox.status()).toMatchObject({ pending: 0 });
  });

  it('names only the claims it has not settled yet when it claims ahead', async () => {
    const streams = [stream(), stream(), stream()];
    await appendInterleaved(streams, 12);
    const named: number[] = [];
    class Recording extends PostgresOutboxStore {
      override claim(limit: number, leaseMs: number, behind: readonly string[] = []) {
        named.push(behind.length);
        return super.claim(limit, leaseMs, behind);
      }
    }
    const relay = new OutboxRelay(
      new Recording(database.dataSource),
      new RecordingPublisher(),
      relayOptions({ batchSize: 3 }),
    );

    await relay.drain();
    expect(relay.stats).toMatchObject({ published: 36, released: 0 });
    // The first claim of a round names none; the next ones the batch being published and at
    // most the one being settled, however long the round.
    expect(named.length).toBeGreaterThan(12);
    expect(Math.max(...named)).toBeLessThanOrEqual(2);
  });

  it('gives back what it claimed behind a message the broker nacked, and sends none of it', async () => {
    const [nacked, healthy, other] = [stream(), stream(), stream()];
    await appendInterleaved([nacked, healthy, other], 6);
    const second = (await rows()).find((r) => r.stream_id === nacked && r.stream_version === 2)!;
    const confirms = gate();
    const publisher = new RecordingPublisher(() => confirms.opened);
    publisher.rejecting.add(second.message_id);
    // A batch holds versions 1 and 2 of each stream; the next (3 and 4) is claimed meanwhile.
    const relay = new OutboxRelay(
      outbox,
      publisher,
      relayOptions({ batchSize: 6, maxAttempts: 1 }),
    );

    const draining = relay.drain();
    await eventually(async () =>
      expect((await rows()).filter((r) => r.claimed_by !== null)).toHaveLength(12),
    );
    confirms.open();
    await draining;
    expect(versionsOf(publisher.received, nacked)).toEqual([1, 2]);
    expectInOrder(publisher.delivered, [healthy, other], 6);
    expect(relay.stats).toMatchObject({ published: 13, rejected: 1, released: 2, resent: 0 });
    expect(await statusesOf(nacked)).toEqual([
      [1, 'published'],
      [2, 'dead'],
      [3, 'pending'],
      [4, 'pending'],
      [5, 'pending'],
      [6, 'pending'],
    ]);
  });

  it('sends nothing more of a stream in the round once one of its messages failed, batches later too', async () => {
    // Batch 1: `failing` 1 and `first` 1-3; batch 2: `second` 1-4; batch 3: `failing` 2 and
    // `third` 1-3. Batch 3 is claimed while batch 1 is still being settled.
    const [failing, first, second, third] = [stream(), stream(), stream(), stream()];
    const append = (id: string, version: number) =>
      store.appendToStream(id, version - 1, [{ type: 'Counted', data: {} }], {
        metadata: metadata(),
      });
    await append(failing, 1);
    for (const version of [1, 2, 3]) await append(first, version);
    for (const version of [1, 2, 3, 4]) await append(second, version);
    await append(failing, 2);
    for (const version of [1, 2, 3]) await append(third, version);
    const [nacked] = (await rows()).filter((r) => r.stream_id === failing);
    const thirdClaimed = gate();
    /** The first batch's settling waits until the third batch was claimed. */
    class SlowFirstSettle extends PostgresOutboxStore {
      private claims = 0;
      override async claim(limit: number, leaseMs: number, behind?: readonly string[]) {
        const claim = await super.claim(limit, leaseMs, behind);
        if (++this.claims === 3) thirdClaimed.open();
        return claim;
      }
      override async markFailed(...args: Parameters<PostgresOutboxStore['markFailed']>) {
        await thirdClaimed.opened;
        return super.markFailed(...args);
      }
    }
    const publisher = new RecordingPublisher();
    publisher.rejecting.add(nacked.message_id);
    const relay = new OutboxRelay(
      new SlowFirstSettle(database.dataSource),
      publisher,
      relayOptions({ batchSize: 4, maxAttempts: 1 }),
    );

    await relay.drain();
    expect(versionsOf(publisher.received, failing)).toEqual([1]);
    expect(await statusesOf(failing)).toEqual([
      [1, 'dead'],
      [2, 'pending'],
    ]);
    expectInOrder(publisher.delivered, [first, third], 3);
    expectInOrder(publisher.delivered, [second], 4);
  });

  it('marks a batch published while it sends the next, and leaves the next claimed if that fails', async () => {
    const streams = [stream(), stream(), stream()];
    await appendInterleaved(streams, 4);
    const firstMark = gate();
    /** The first mark waits for the test, then fails as a lost connection would. */
    class FirstMarkFails extends PostgresOutboxStore {
      private marks = 0;
      override async markPublished(token: string, ids: readonly string[]): Promise<number> {
        if (++this.marks > 1) return super.markPublished(token, ids);
        await firstMark.opened;
        throw new Error('connection lost while marking (injected)');
      }
    }
    const publisher = new RecordingPublisher();
    const relay = new OutboxRelay(
      new FirstMarkFails(database.dataSource),
      publisher,
      relayOptions({ batchSize: 6, leaseMs: 1_000 }),
    );

    const draining = relay.drain();
    // The second batch (versions 3 and 4) goes out while the first is still being marked.
    await handedOver(publisher, 12);
    firstMark.open();
    await expect(draining).rejects.toThrow('connection lost while marking');
    // Neither batch was marked: the second is not settled before the first.
    const left = await rows();
    expect(left.filter((r) => r.status === 'published')).toEqual([]);
    expect(left.filter((r) => r.claimed_by !== null)).toHaveLength(12);

    // Both claims run out and a relay sends everything again, in order.
    await sleep(1_000);
    const again = new RecordingPublisher(() => Promise.resolve(), publisher.delivered);
    await new OutboxRelay(outbox, again, relayOptions({ batchSize: 6 })).drain();
    expect(await outbox.status()).toMatchObject({ pending: 0 });
    expectInOrder(firstDeliveries(publisher.delivered), streams, 4);
    expectInOrder(lastDeliveries(publisher.delivered), streams, 4);
  });

  it('charges no attempt while the transport is down or unavailable, and loses nothing', async () => {
    const streams = [stream(), stream()];
    await appendInterleaved(streams, 3);
    const publisher = new RecordingPublisher();
    // maxAttempts 1: a single charged attempt would dead-letter a message at once.
    const relay = new OutboxRelay(outbox, publisher, relayOptions({ maxAttempts: 1 }));

    publisher.ready = false;
    expect(await relay.publishRound()).toBe(0); // claims nothing while not ready
    expect((await rows()).every((r) => r.claimed_by === null)).toBe(true);

    publisher.ready = true;
    for (const failure of ['unavailable', 'throws'] as const) {
      publisher.failure = failure;
      await eventually(async () => expect(await relay.publishRound()).toBe(6)); // released ones come due
    }
    expect(relay.stats).toMatchObject({ published: 0, rejected: 0, released: 12 });
    expect((await rows()).map((r) => [r.status, r.attempts, r.claimed_by])).toEqual(
      Array.from({ length: 6 }, () => ['pending', 0, null]),
    );

    publisher.failure = 'none';
    await drainUntil(relay, async () => expect((await outbox.status()).pending).toBe(0));
    expect(publisher.delivered).toHaveLength(6);
    expectInOrder(publisher.delivered, streams, 3);
    expect((await outbox.status()).deadLettered).toBe(0);
  });

  it('a relay that outlived its lease settles nothing, sends no more, and counts its confirms as duplicates', async () => {
    const streams = [stream(), stream(), stream()];
    await appendInterleaved(streams, 2);
    const staleGate = gate();
    const freshGate = gate();
    const stalePublisher = new RecordingPublisher(() => staleGate.opened);
    // 2 s, not less: the first wave must be sent within 80 % of the lease, after the claim's
    // own transaction, which a loaded CI machine has taken more than 40 ms for.
    const stale = new OutboxRelay(outbox, stalePublisher, relayOptions({ leaseMs: 2_000 }));
    const freshPublisher = new RecordingPublisher(() => freshGate.opened);
    const fresh = new OutboxRelay(outbox, freshPublisher, relayOptions());

    const staleRound = stale.publishRound();
    await handedOver(stalePublisher, 3); // the first wave: version 1 of each stream
    await sleep(2_100); // the stale claim runs out: the fresh relay claims the same rows
    const freshRound = eventually(async () => expect(await fresh.publishRound()).toBe(6));
    await handedOver(freshPublisher, 3);
    const claimedByFresh = await rows();

    // The stale relay's broker confirms now, while the fresh claim holds the rows.
    staleGate.open();
    expect(await staleRound).toBe(6);
    // Its first wave counts as duplicates; the second wave is never sent, since the claim had
    // run short by then, and giving it back is fenced off too.
    expect(stale.stats).toEqual({
      published: 0,
      rejected: 0,
      released: 3,
      duplicates: 3,
      resent: 0,
    });
    expect(stalePublisher.delivered).toHaveLength(3);
    expect(await rows()).toEqual(claimedByFresh); // fenced off by the claim token

    freshGate.open();
    await freshRound;
    expect(fresh.stats).toMatchObject({ published: 6, duplicates: 0 });
    expect(await outbox.status()).toMatchObject({ pending: 0, deadLettered: 0 });
    expectInOrder(freshPublisher.delivered, streams, 2);
  });

  it('deletes only published rows past retention, at most `limit` per call, never pending or dead', async () => {
    const [old, recent, poisoned] = [stream(), stream(), stream()];
    await appendInterleaved([old, poisoned], 3);
    await appendInterleaved([recent], 1);
    const publisher = new RecordingPublisher();
    publisher.rejecting.add((await rows()).find((r) => r.stream_id === poisoned)!.message_id);
    const relay = new OutboxRelay(outbox, publisher, relayOptions({ maxAttempts: 1 }));
    await relay.drain(); // old: 3 published, recent: 1 published, poisoned: 1 dead + 2 held
    expect(await outbox.status()).toMatchObject({ pending: 2, deadLettered: 1 });
    // Everything looks old; only the old stream was also published long ago.
    await database.dataSource.query(
      `UPDATE es_outbox SET created_at = now() - interval '2 hours',
              published_at = CASE WHEN stream_id = $1 THEN now() - interval '2 hours' ELSE published_at END`,
      [old],
    );

    expect(await outbox.deletePublished(3_600_000, 2)).toBe(2);
    expect(await outbox.deletePublished(3_600_000, 2)).toBe(1);
    expect(await outbox.deletePublished(3_600_000, 2)).toBe(0); // the recent one is kept
    expect(await outbox.deletePublished(0, 100)).toBe(1); // zero retention: still only published
    expect((await rows()).map((r) => [r.stream_id, r.stream_version, r.status])).toEqual([
      [poisoned, 1, 'dead'],
      [poisoned, 2, 'pending'],
      [poisoned, 3, 'pending'],
    ]);
  });
});

describeOnServer('OutboxRelay: two relays draining one outbox at once', () => {
  it('publishes everything once, in order per stream, split between the relays', async () => {
    const streams = Array.from({ length: 20 }, stream);
    const log: OutboxMessage[] = []; // both doubles' confirms, in the order they happened
    const publishers = [1, 2].map(() => new RecordingPublisher(() => sleep(1), log));
    // batchSize 10 < 20 streams: while one relay publishes, the other finds streams to claim.
    const relays = publishers.map(
      (p) => new OutboxRelay(outbox, p, relayOptions({ batchSize: 10 })),
    );
    let writing = true;
    const deadline = Date.now() + 30_000; // a failing relay must not leave the other spinning
    const drainUntilEmpty = async (relay: OutboxRelay): Promise<void> => {
      while (Date.now() < deadline) {
        if ((await relay.publishRound()) > 0) continue;
        if (!writing && (await outbox.status()).pending === 0) return;
        await sleep(2);
      }
    };

    const writers = Promise.all(streams.map((id) => appendInterleaved([id], 20))).finally(
      () => (writing = false),
    );
    await Promise.all([writers, ...relays.map(drainUntilEmpty)]);

    const [a, b] = relays.map((relay) => relay.stats);
    expect([a.duplicates, b.duplicates]).toEqual([0, 0]); // no lease ran out, nothing failed
    expect(a.published + b.published).toBe(400);
    expect(a.published > 0 && b.published > 0).toBe(true);
    expect(log).toHaveLength(400);
    expectInOrder(firstDeliveries(log), streams, 20); // across both relays
    for (const { received } of publishers) {
      for (const id of streams) {
        const versions = versionsOf(received, id); // in order within each relay too
        expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
      }
    }
    expect(await outbox.status()).toMatchObject({ pending: 0, deadLettered: 0 });
  });
});
