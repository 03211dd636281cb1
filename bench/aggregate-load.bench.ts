/**
 * AggregateRepository.load of one account stream of 1 000 and one of 10 000 events, without
 * a snapshot (the whole stream folded) and with one (issue 7, acceptance 1), in the same run:
 * - no snapshot: a repository built without a SnapshotPolicy;
 * - snapshot at head: the snapshot is at the stream's last version (no event after it);
 * - snapshot 99 behind: the worst case under the accounts policy (every 100 events).
 * Every load is checked to give the state of the full fold. Prints medians of LOADS loads.
 * Goal 4 of issue 8 compares the 10 000-event loads with a snapshot against the load of a
 * 10-event account (no snapshot: the policy writes the first at 100), through the same
 * snapshot-aware repository, timed in the same rounds.
 *   npm run bench -- aggregate       BENCH_LOADS=20 by default
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { DataSource } from 'typeorm';
import {
  AggregateRepository,
  EventUpcasters,
  JsonValue,
  PostgresEventStore,
} from '@ledgerline/event-sourcing';
import { accountUpcasters } from '../src/accounts/domain/account.upcasters';
import { accountSnapshots } from '../src/accounts/domain/account.snapshots';
import { AccountState, accountAggregate } from '../src/accounts/domain/account.state';
import { AccountEvent } from '../src/accounts/domain/account.events';
import { median, openBenchSchema } from './support/bench-database';

const LOADS = Number(process.env.BENCH_LOADS ?? 20);
const LENGTHS = [1_000, 10_000] as const;
/** The short account of goal 4: younger than the first snapshot. */
const SHORT = 10;
const WARM_UP = 3;
/** The most events a snapshot can lag behind its stream under the accounts policy. */
const WORST_LAG = accountSnapshots.every - 1;

type AccountRepository = AggregateRepository<AccountState, AccountEvent>;
type Variant = 'none' | 'head' | 'lagging';

/** One stream: AccountOpened then MoneyDeposited (schema version 1, upcast on read). */
async function seedStream(dataSource: DataSource, length: number): Promise<string> {
  const [{ id }] = await dataSource.query<{ id: string }[]>('SELECT gen_random_uuid() AS id');
  await dataSource.query(
    `INSERT INTO es_events (event_id, stream_id, stream_version, type, data, metadata, occurred_at)
     SELECT gen_random_uuid(), 'account-' || $1, v,
            CASE WHEN v = 1 THEN 'AccountOpened' ELSE 'MoneyDeposited' END,
            CASE WHEN v = 1 THEN jsonb_build_object('accountId', $1::text, 'customerId', gen_random_uuid(), 'currency', 'EUR')
                 ELSE jsonb_build_object('accountId', $1::text, 'amount', v, 'reference', 'bench') END,
            jsonb_build_object('commandId', gen_random_uuid(), 'correlationId', 'bench', 'causationId', 'bench',
                               'actor', 'bench', 'occurredAt', '2026-11-01T10:00:00.000Z'),
            '2026-11-01T10:00:00Z'
       FROM generate_series(1, $2::int) v`,
    [id, length],
  );
  return `account-${id}`;
}

/** Puts the snapshot of `streamId` at `version` (replacing any), in the current schema. */
async function putSnapshot(
  dataSource: DataSource,
  plain: AccountRepository,
  streamId: string,
  version: number,
): Promise<void> {
  const { state } = await plain.load(streamId, { toVersion: version });
  const json: JsonValue = accountSnapshots.toJson(state);
  await dataSource.query(
    `INSERT INTO es_snapshots (stream_id, stream_version, schema_version, state)
     VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT (stream_id) DO UPDATE
        SET stream_version = EXCLUDED.stream_version, schema_version = EXCLUDED.schema_version,
            state = EXCLUDED.state, created_at = now()`,
    [streamId, version, accountSnapshots.schemaVersion, JSON.stringify(json)],
  );
}

async function timeLoad(
  repository: AccountRepository,
  streamId: string,
  expected: { state: AccountState; version: number },
  snapshotVersion: number,
): Promise<number> {
  const started = performance.now();
  const loaded = await repository.load(streamId);
  const ms = performance.now() - started;
  if (loaded.version !== expected.version || !isDeepStrictEqual(loaded.state, expected.state))
    throw new Error(`${streamId}: the load did not give the state of the full fold`);
  if (loaded.snapshotVersion !== snapshotVersion)
    throw new Error(
      `${streamId}: started from snapshot ${loaded.snapshotVersion}, expected ${snapshotVersion}`,
    );
  return ms;
}

async function main(): Promise<void> {
  const bench = await openBenchSchema('aggregate_load');
  try {
    const { dataSource } = bench;
    const store = new PostgresEventStore(dataSource, {
      upcasters: new EventUpcasters(accountUpcasters),
    });
    const plain: AccountRepository = new AggregateRepository(store, accountAggregate);
    const snapshotted: AccountRepository = new AggregateRepository(
      store,
      accountAggregate,
      accountSnapshots,
      ({ streamId, reason }) => {
        throw new Error(`snapshot of ${streamId} ignored (${reason})`);
      },
    );
    console.log(`seeding account streams of ${LENGTHS.join(' and ')} events...`);
    const streams: { length: number; streamId: string }[] = [];
    for (const length of LENGTHS)
      streams.push({ length, streamId: await seedStream(dataSource, length) });
    await dataSource.query('ANALYZE es_events');

    const tenEventStream = await seedStream(dataSource, SHORT);
    const shortTimes: number[] = [];
    const expected = new Map<string, { state: AccountState; version: number }>();
    for (const { length, streamId } of [...streams, { length: SHORT, streamId: tenEventStream }]) {
      const full = await plain.load(streamId);
      if (full.version !== length) throw new Error(`${streamId} has ${full.version} events`);
      expected.set(streamId, { state: full.state, version: full.version });
    }
    const medians = new Map<string, number>();
    const key = (length: number, variant: Variant) => `${length}:${variant}`;
    // One variant at a time, over both streams, alternating which goes first: the with-snapshot
    // loads are not timed right after a full fold's garbage, and 1k and 10k get the same
    // conditions. The snapshot a variant needs is put in place first (`plain` never reads it).
    const variants: [Variant, AccountRepository, (length: number) => number][] = [
      ['none', plain, () => 0],
      ['head', snapshotted, (length) => length],
      ['lagging', snapshotted, (length) => length - WORST_LAG],
    ];
    for (const [variant, repository, snapshotAt] of variants) {
      if (variant !== 'none')
        for (const { length, streamId } of streams)
          await putSnapshot(dataSource, plain, streamId, snapshotAt(length));
      const times = new Map<number, number[]>(LENGTHS.map((length) => [length, []]));
      for (let run = 1 - WARM_UP; run <= LOADS; run++) {
        const order = run % 2 ? streams : [...streams].reverse();
        for (const { length, streamId } of order) {
          const ms = await timeLoad(
            repository,
            streamId,
            expected.get(streamId)!,
            snapshotAt(length),
          );
          if (run >= 1) times.get(length)!.push(ms);
        }
        if (variant !== 'none') {
          const ms = await timeLoad(snapshotted, tenEventStream, expected.get(tenEventStream)!, 0);
          if (run >= 1) shortTimes.push(ms);
        }
      }
      for (const length of LENGTHS) medians.set(key(length, variant), median(times.get(length)!));
    }

    const ms = (length: number, variant: Variant) => medians.get(key(length, variant)) ?? NaN;
    const fixed = (value: number) => Number(value.toFixed(2));
    console.log(
      `\nAggregateRepository.load of one account stream, median of ${LOADS} loads each (after ${WARM_UP} warm-up loads); every load checked against the full fold:`,
    );
    console.table(
      LENGTHS.map((length) => ({
        events: length,
        'no snapshot ms': fixed(ms(length, 'none')),
        'snapshot at head ms': fixed(ms(length, 'head')),
        [`snapshot ${WORST_LAG} behind ms`]: fixed(ms(length, 'lagging')),
        'speed-up (head)': fixed(ms(length, 'none') / ms(length, 'head')),
        [`speed-up (${WORST_LAG} behind)`]: fixed(ms(length, 'none') / ms(length, 'lagging')),
      })),
    );
    const [short, long] = LENGTHS;
    const growth = (variant: Variant) => ms(long, variant) / ms(short, variant);
    console.log(
      `${long} vs ${short} events (x${long / short} longer): no snapshot x${growth('none').toFixed(2)}, ` +
        `snapshot at head x${growth('head').toFixed(2)}, snapshot ${WORST_LAG} behind x${growth('lagging').toFixed(2)}`,
    );
    // Loads of a few ms vary by tenths of a ms; "grows" means far beyond that noise.
    const grows = (['head', 'lagging'] as const).some((variant) => growth(variant) > 1.5);
    console.log(
      grows
        ? `WARNING: the with-snapshot load time grew with the stream's length`
        : `the with-snapshot load time does not grow with the stream's length (ratio ≤ 1.5 for x${long / short} the events)`,
    );
    const tenEvents = median(shortTimes);
    const vsShort = (variant: Variant) => ms(long, variant) / tenEvents;
    console.log(
      `a ${SHORT}-event account (no snapshot yet) loads in ${tenEvents.toFixed(2)} ms (median of ${shortTimes.length}); ` +
        `the ${long}-event account with a snapshot at its head takes x${vsShort('head').toFixed(2)} that, ` +
        `with one ${WORST_LAG} events behind x${vsShort('lagging').toFixed(2)}`,
    );
    console.log(
      `goal 4 (within 2x of a ${SHORT}-event account): snapshot at head ${vsShort('head') <= 2 ? 'met' : 'MISSED'} ` +
        `(x${vsShort('head').toFixed(2)}); worst case, ${WORST_LAG} behind: ${vsShort('lagging') <= 2 ? 'met' : 'MISSED'} (x${vsShort('lagging').toFixed(2)})`,
    );
  } finally {
    await bench.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
