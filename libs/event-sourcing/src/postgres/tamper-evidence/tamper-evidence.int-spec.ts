import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { NewEvent } from '../../core/event';
import { PostgresEventStore } from '../postgres-event-store';
import { openTestDatabase, TestDatabase } from '../../../test/test-database';
import { waitForLogHorizon } from '../../../test/log-horizon';
import { testMetadata } from '../../../test/test-metadata';
import {
  CheckpointSigner,
  CheckpointsAlreadyBrokenError,
  LogVerification,
  rechainEventLog,
  SigningKeyRequiredError,
  verifyEventLog,
  writeAuditCheckpoint,
} from './index';

const signer = new CheckpointSigner(randomBytes(32));
const counted = (n: number): NewEvent => ({ type: 'Counted', data: { n, note: `event ${n}` } });

let database: TestDatabase;
let dataSource: DataSource;
let store: PostgresEventStore;

beforeAll(async () => {
  database = await openTestDatabase('tamper_evidence');
  dataSource = database.dataSource;
  store = new PostgresEventStore(dataSource);
});
afterAll(() => database.close());

beforeEach(() =>
  dataSource.query(`TRUNCATE es_events, es_audit_checkpoints, es_audit_rechains RESTART IDENTITY`),
);

interface Located {
  stream_id: string;
  stream_version: number;
  global_position: string;
  transaction_id: string;
}

/** Three streams: a (5 events, two appends), b (3, one multi-stream append with c), c (2). */
async function seedLog(): Promise<{ a: string; b: string; c: string }> {
  const [a, b, c] = ['a', 'b', 'c'].map((name) => `${name}-${randomUUID()}`);
  await store.appendToStream(a, 'no_stream', [counted(1), counted(2)], {
    metadata: testMetadata(),
  });
  await store.appendToStreams(
    [
      { streamId: b, expected: 'no_stream', events: [counted(1), counted(2), counted(3)] },
      { streamId: c, expected: 'no_stream', events: [counted(1), counted(2)] },
    ],
    { metadata: testMetadata() },
  );
  await store.appendToStream(a, 2, [counted(3), counted(4), counted(5)], {
    metadata: testMetadata(),
  });
  return { a, b, c };
}

/** One checkpoint over the whole log, once no transaction can still commit into it. */
async function checkpointEverything(): Promise<void> {
  await waitForLogHorizon(dataSource);
  const written = await writeAuditCheckpoint(dataSource, signer);
  if (typeof written !== 'object') throw new Error(`no checkpoint: ${written}`);
}

const locate = async (streamId: string, version: number): Promise<Located> =>
  (
    await dataSource.query<Located[]>(
      `SELECT stream_id, stream_version, global_position::text AS global_position,
              transaction_id::text AS transaction_id
         FROM es_events WHERE stream_id = $1 AND stream_version = $2`,
      [streamId, version],
    )
  )[0];

const verify = (streamId?: string): Promise<LogVerification> =>
  verifyEventLog(dataSource, signer, { streamId, pageSize: 4 });

describe('the hash chain written by the append', () => {
  it('chains each event to the one before it in its stream, within and across appends', async () => {
    const { a } = await seedLog();
    const rows = await dataSource.query<{ previous_hash: Buffer | null; event_hash: Buffer }[]>(
      `SELECT previous_hash, event_hash FROM es_events WHERE stream_id = $1 ORDER BY stream_version`,
      [a],
    );
    expect(rows).toHaveLength(5);
    expect(rows[0].previous_hash).toBeNull();
    for (let i = 1; i < rows.length; i++)
      expect(rows[i].previous_hash).toEqual(rows[i - 1].event_hash);
    expect(new Set(rows.map((row) => row.event_hash.toString('hex'))).size).toBe(5);
  });

  it('verifies an untouched log, its checkpoints and each stream', async () => {
    const { a, b } = await seedLog();
    await checkpointEverything();
    await store.appendToStream(b, 3, [counted(4)], { metadata: testMetadata() });

    expect(await verify()).toEqual({ verified: true, events: 11, checkpoints: 1 });
    expect(await verify(a)).toEqual({ verified: true, events: 5, checkpoints: 0 });
  });

  it('checkpoints only below the oldest transaction in flight', async () => {
    const { a } = await seedLog();
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(`SELECT pg_current_xact_id()`);
      await store.appendToStream(a, 5, [counted(6)], { metadata: testMetadata() });
      const written = await writeAuditCheckpoint(dataSource, signer);
      const covered = typeof written === 'object' ? written.events : 0;
      expect(covered).toBeLessThanOrEqual(10);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    await checkpointEverything();
    expect(await verify()).toMatchObject({ verified: true, events: 11 });
  });
});

describe('tampering with the rows is found at the event it touched', () => {
  it("an UPDATE of an event's data: content changed, at that event", async () => {
    const { b } = await seedLog();
    await checkpointEverything();
    const target = await locate(b, 2);
    await dataSource.query(
      `UPDATE es_events SET data = jsonb_set(data, '{n}', '200') WHERE global_position = $1`,
      [target.global_position],
    );

    const result = await verify();

    expect(result.verified).toBe(false);
    expect(result.firstBrokenAt).toMatchObject({
      problem: 'content-changed',
      streamId: b,
      streamVersion: 2,
      globalPosition: target.global_position,
    });
    expect((await verify(b)).firstBrokenAt).toMatchObject({ problem: 'content-changed' });
  });

  it('an UPDATE of the data and its hash together: the chain breaks at the next event', async () => {
    const { a } = await seedLog();
    const target = await locate(a, 3);
    await dataSource.query(
      `UPDATE es_events SET data = '{"n":300}',
              event_hash = es_event_hash(previous_hash, stream_id, stream_version, event_id, type,
                                         schema_version, '{"n":300}', metadata, occurred_at)
        WHERE global_position = $1`,
      [target.global_position],
    );

    expect((await verify()).firstBrokenAt).toMatchObject({
      problem: 'chain-broken',
      streamId: a,
      streamVersion: 4,
    });
  });

  it('a DELETE of a middle event: its successor misses its predecessor', async () => {
    const { a } = await seedLog();
    await checkpointEverything();
    const removed = await locate(a, 3);
    await dataSource.query(`DELETE FROM es_events WHERE global_position = $1`, [
      removed.global_position,
    ]);

    expect((await verify()).firstBrokenAt).toMatchObject({
      problem: 'missing-predecessor',
      streamId: a,
      streamVersion: 4,
    });
    expect((await verify(a)).firstBrokenAt).toMatchObject({ problem: 'missing-predecessor' });
  });

  it("a DELETE of a stream's last event: the chain cannot tell, the checkpoint does", async () => {
    const { c } = await seedLog();
    await checkpointEverything();
    const removed = await locate(c, 2);
    await dataSource.query(`DELETE FROM es_events WHERE global_position = $1`, [
      removed.global_position,
    ]);

    expect(await verify(c)).toEqual({ verified: true, events: 1, checkpoints: 0 });
    const result = await verify();
    expect(result.verified).toBe(false);
    expect(result.firstBrokenAt).toMatchObject({ problem: 'checkpoint-mismatch', checkpoint: 1 });
    const broken = result.firstBrokenAt!;
    expect(BigInt(broken.afterPosition!)).toBeLessThan(BigInt(removed.global_position));
    expect(BigInt(broken.globalPosition!)).toBeGreaterThanOrEqual(BigInt(removed.global_position));
  });

  it('an INSERT of a forged event without a hash: unexpected event, at that event', async () => {
    const { b } = await seedLog();
    await checkpointEverything();
    await dataSource.query(
      `INSERT INTO es_events (event_id, stream_id, stream_version, type, data, metadata, occurred_at)
       VALUES (gen_random_uuid(), $1, 4, 'Counted', '{"n":4}', '{}', now())`,
      [b],
    );

    expect((await verify()).firstBrokenAt).toMatchObject({
      problem: 'unexpected-event',
      streamId: b,
      streamVersion: 4,
    });
  });

  it('an INSERT of a forged event chained correctly into the signed past: checkpoint mismatch', async () => {
    const { b } = await seedLog();
    await checkpointEverything();
    const head = await locate(b, 3);
    // Placed in the log's order inside the signed range, with the chain computed as an append
    // would (the algorithm is public; only the checkpoint's key is secret).
    await dataSource.query(
      `INSERT INTO es_events (transaction_id, event_id, stream_id, stream_version, type, data,
                              metadata, occurred_at, previous_hash, event_hash)
       SELECT $2::xid8, id, $1, 4, 'Counted', '{"n":4}', '{}', '2026-01-01Z', h.event_hash,
              es_event_hash(h.event_hash, $1, 4, id, 'Counted', 1, '{"n":4}', '{}', '2026-01-01Z')
         FROM gen_random_uuid() AS id,
              (SELECT event_hash FROM es_events WHERE stream_id = $1 AND stream_version = 3) h`,
      [b, head.transaction_id],
    );

    expect(await verify(b)).toMatchObject({ verified: true, events: 4 });
    expect((await verify()).firstBrokenAt).toMatchObject({
      problem: 'checkpoint-mismatch',
      checkpoint: 1,
    });
  });

  it('two events of a stream swapped (their versions): content changed, at the earlier in the log', async () => {
    const { a } = await seedLog();
    const [second, fourth] = [await locate(a, 2), await locate(a, 4)];
    // Through a free version: the unique (stream_id, stream_version) index is not deferred.
    for (const [from, to] of [
      [2, 1_000],
      [4, 2],
      [1_000, 4],
    ])
      await dataSource.query(
        `UPDATE es_events SET stream_version = $3 WHERE stream_id = $1 AND stream_version = $2`,
        [a, from, to],
      );

    expect((await verify()).firstBrokenAt).toMatchObject({
      problem: 'content-changed',
      streamId: a,
      streamVersion: 4,
      globalPosition: second.global_position,
    });
    expect(second.global_position).not.toEqual(fourth.global_position);
  });

  /** Swaps the global positions of two events (through a free one: it is the primary key). */
  async function swapPositions(first: Located, second: Located): Promise<void> {
    for (const [from, to] of [
      [first.global_position, '-1'],
      [second.global_position, first.global_position],
      ['-1', second.global_position],
    ])
      await dataSource.query(
        `UPDATE es_events SET global_position = $2::bigint WHERE global_position = $1::bigint`,
        [from, to],
      );
  }

  it("two streams' events swapped in the log's order, each stream's kept: checkpoint mismatch", async () => {
    const { b, c } = await seedLog();
    await checkpointEverything();
    // Written by one transaction: b's last event, then c's first.
    await swapPositions(await locate(b, 3), await locate(c, 1));

    expect(await verify(b)).toMatchObject({ verified: true });
    expect(await verify(c)).toMatchObject({ verified: true });
    expect((await verify()).firstBrokenAt).toMatchObject({
      problem: 'checkpoint-mismatch',
      checkpoint: 1,
    });
  });

  it("an event moved after its successor in the log's order: out of order, at the successor", async () => {
    const { a } = await seedLog();
    const second = await locate(a, 2);
    await swapPositions(await locate(a, 1), second);

    expect((await verify()).firstBrokenAt).toMatchObject({
      problem: 'out-of-order',
      streamId: a,
      streamVersion: 2,
      globalPosition: (BigInt(second.global_position) - 1n).toString(),
    });
  });

  it('a checkpoint not signed with the key: bad signature', async () => {
    await seedLog();
    await checkpointEverything();
    await dataSource.query(`UPDATE es_audit_checkpoints SET signature = $1`, [randomBytes(32)]);

    expect((await verify()).firstBrokenAt).toMatchObject({
      problem: 'bad-signature',
      checkpoint: 1,
    });
    const otherKey = new CheckpointSigner(randomBytes(32));
    expect((await verifyEventLog(dataSource, otherKey)).firstBrokenAt).toMatchObject({
      problem: 'bad-signature',
    });
  });
});

describe('a legitimate rewrite re-chains and signs again', () => {
  it('verifies after the rewrite and records it', async () => {
    const { a, b } = await seedLog();
    await checkpointEverything();
    await dataSource.query(
      `UPDATE es_events SET data = jsonb_set(data, '{note}', '"sealed"') WHERE stream_id = $1`,
      [b],
    );
    await dataSource.query(`UPDATE es_events SET stream_id = $2 WHERE stream_id = $1`, [
      a,
      `renamed-${a}`,
    ]);
    expect((await verify()).verified).toBe(false);

    const result = await rechainEventLog(dataSource, { reason: 'test rewrite', signer });

    expect(result).toEqual({ events: 8, checkpointsResigned: 1 });
    expect(await verify()).toEqual({ verified: true, events: 10, checkpoints: 1 });
    expect(
      await dataSource.query(`SELECT reason, events::int AS events FROM es_audit_rechains`),
    ).toEqual([{ reason: 'test rewrite', events: 8 }]);
    expect(await rechainEventLog(dataSource, { reason: 'again', signer })).toEqual({
      events: 0,
      checkpointsResigned: 0,
    });
  });

  it('refuses without the key, and when the hashes were tampered with before', async () => {
    const { b } = await seedLog();
    await checkpointEverything();
    await dataSource.query(`UPDATE es_events SET data = '{"n":0}' WHERE stream_id = $1`, [b]);
    await expect(rechainEventLog(dataSource, { reason: 'no key' })).rejects.toBeInstanceOf(
      SigningKeyRequiredError,
    );
    await dataSource.query(`DELETE FROM es_events WHERE stream_id = $1 AND stream_version = 3`, [
      b,
    ]);
    await expect(
      rechainEventLog(dataSource, { reason: 'after a deletion', signer }),
    ).rejects.toBeInstanceOf(CheckpointsAlreadyBrokenError);
    expect(await dataSource.query(`SELECT 1 FROM es_audit_rechains`)).toEqual([]);
  });
});
