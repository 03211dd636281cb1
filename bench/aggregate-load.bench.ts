/**
 * AggregateRepository.load of one account stream of 1 000 and one of 10 000 events, without
 * a snapshot (the whole stream folded) and with one, in the same run:
 * - no snapshot: a repository built without a SnapshotPolicy;
 * - snapshot at head: the snapshot is at the stream's last version (no event after it);
 * - snapshot 99 behind: the worst case under the accounts policy (every 100 events).
 * Every load is checked to give the state of the full fold. Prints medians of LOADS loads.
 * The performance goal compares the 10 000-event loads with a snapshot against the load of a
 * 10-event account (no snapshot: the policy writes the first at 100), through the same
 * snapshot-aware repository, timed in the same rounds.
 *
 * Then what sealing personal data costs, on the same database in the same run: customer streams
 * (a CustomerRegistered, then BENCH_PII_CHANGES CustomerContactDetailsChanged), appended one
 * event per append and folded with the customer aggregate, through the plain PostgresEventStore
 * and through ProtectedEventStore(that store, PersonalDataProtection(DataKeyStore(dataSource,
 * a random master key), customerPersonalFields)); and account streams (an AccountOpened, then
 * BENCH_PII_DEPOSITS MoneyDeposited) through both, whose event types are not covered. Each
 * round appends BENCH_PII_STREAMS streams per store (plain and protected in turn, alternating
 * which goes first) and loads each: plain; protected with the key in the cache (warm, the
 * common case); protected through a fresh DataKeyStore per load (cold: the master key already
 * checked, untimed, so the load pays the key's reads and unwrap). Every load is checked
 * against the fold of the events as given, and the stored data against its form (sealed or
 * plain). Prints medians over BENCH_PII_RUNS rounds (after one warm-up round) of each round's
 * mean µs per append and per load, and the ratio protected ÷ plain. No timed assertion.
 *   npm run bench -- aggregate       BENCH_LOADS=20 BENCH_PII_RUNS=5 BENCH_PII_STREAMS=40
 *                                    BENCH_PII_CHANGES=4 BENCH_PII_DEPOSITS=20 by default
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { DataSource } from 'typeorm';
import {
  AggregateRepository,
  EventStore,
  EventUpcasters,
  JsonValue,
  NewEvent,
  ProtectedEventStore,
} from '@ledgerline/event-sourcing';
import { PostgresEventStore } from '@ledgerline/event-sourcing/postgres';
import { accountUpcasters } from '../src/accounts/domain/account.upcasters';
import { accountSnapshots } from '../src/accounts/domain/account.snapshots';
import { AccountState, accountAggregate } from '../src/accounts/domain/account.state';
import { AccountEvent } from '../src/accounts/domain/account.events';
import { customerPersonalFields } from '../src/customers/domain/customer.personal-data';
import { CustomerEvent } from '../src/customers/domain/customer.events';
import { CustomerState, customerAggregate } from '../src/customers/domain/customer.state';
import { DataKeyStore } from '../src/personal-data/data-key-store';
import { PersonalDataProtection } from '../src/personal-data/personal-data-protection';
import { depositMetadata } from './support/event-payload';
import { median, openBenchSchema } from './support/bench-database';
import { positiveInteger } from './support/env-settings';

const LOADS = Number(process.env.BENCH_LOADS ?? 20);
const LENGTHS = [1_000, 10_000] as const;
/** The short account of the goal: younger than the first snapshot. */
const SHORT = 10;
const WARM_UP = 3;
/** The most events a snapshot can lag behind its stream under the accounts policy. */
const WORST_LAG = accountSnapshots.every - 1;

const PII_RUNS = positiveInteger('BENCH_PII_RUNS', 5);
const PII_STREAMS = positiveInteger('BENCH_PII_STREAMS', 40);
const CONTACT_CHANGES = positiveInteger('BENCH_PII_CHANGES', 4);
const DEPOSITS = positiveInteger('BENCH_PII_DEPOSITS', 20);

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
      `goal (within 2x of a ${SHORT}-event account): snapshot at head ${vsShort('head') <= 2 ? 'MET' : 'MISSED'} ` +
        `(x${vsShort('head').toFixed(2)}); worst case, ${WORST_LAG} behind: ${vsShort('lagging') <= 2 ? 'MET' : 'MISSED'} (x${vsShort('lagging').toFixed(2)})`,
    );
    await measurePersonalDataCost(dataSource, store);
  } finally {
    await bench.drop();
  }
}

type Kind = 'customer' | 'account';
type StoreVariant = 'plain' | 'protected';
type LoadVariant = 'plain' | 'warm' | 'cold';

/** One stream's events as given: the first (it creates the stream) and the rest. */
function streamEvents(kind: Kind, id: string): NewEvent[] {
  if (kind === 'customer') {
    const events: NewEvent[] = [
      {
        type: 'CustomerRegistered',
        data: {
          customerId: id,
          name: 'Ada Lovelace',
          email: `ada-${id.slice(0, 8)}@example.com`,
          documentNumber: `AB${id.slice(0, 8).toUpperCase()}`,
        },
      },
    ];
    for (let n = 1; n <= CONTACT_CHANGES; n++)
      events.push({
        type: 'CustomerContactDetailsChanged',
        data: {
          customerId: id,
          name: `Ada King ${n}`,
          email: `ada-${n}-${id.slice(0, 8)}@example.com`,
        },
      });
    return events;
  }
  const events: NewEvent[] = [
    { type: 'AccountOpened', data: { accountId: id, customerId: randomUUID(), currency: 'EUR' } },
  ];
  for (let n = 1; n <= DEPOSITS; n++)
    events.push({
      type: 'MoneyDeposited',
      schemaVersion: 2,
      data: { accountId: id, amount: 100 + n, reference: `bench deposit ${n}`, channel: 'online' },
    });
  return events;
}

/** The state the aggregate folds from the events as given. */
function foldGiven(kind: Kind, events: readonly NewEvent[]): CustomerState | AccountState {
  if (kind === 'customer')
    return events.reduce(
      (state, event) => customerAggregate.evolve(state, event as unknown as CustomerEvent),
      customerAggregate.initialState(),
    );
  return events.reduce(
    (state, event) => accountAggregate.evolve(state, event as unknown as AccountEvent),
    accountAggregate.initialState(),
  );
}

/** What one round measured: mean µs per append and per load, and key reads per cold load. */
interface PiiRound {
  readonly firstAppend: Record<StoreVariant, number>;
  readonly laterAppend: Record<StoreVariant, number>;
  readonly load: Record<LoadVariant, number>;
  readonly keyReadsPerColdLoad: number;
}

const mean = (values: readonly number[]) =>
  values.reduce((sum, value) => sum + value, 0) / values.length;

/**
 * Plain PostgresEventStore vs ProtectedEventStore on it, for customer streams (personal data
 * sealed) and account streams (not covered: passed untouched), in the same rounds.
 */
async function measurePersonalDataCost(dataSource: DataSource, store: EventStore): Promise<void> {
  const master = randomBytes(32);
  // Counts the key store's queries (a cold load's key reads); everything else is the DataSource's.
  let keyQueries = 0;
  const counted = new Proxy(dataSource, {
    get(target, property) {
      if (property === 'query')
        return (...args: Parameters<DataSource['query']>) => {
          keyQueries++;
          return target.query(...args);
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  const protectedThrough = (keys: DataKeyStore): EventStore =>
    new ProtectedEventStore(store, new PersonalDataProtection(keys, customerPersonalFields));
  const warmKeys = new DataKeyStore(counted, master);
  await warmKeys.verifyMasterKey();
  const stores: Record<StoreVariant, EventStore> = {
    plain: store,
    protected: protectedThrough(warmKeys),
  };
  const repository = (kind: Kind, eventStore: EventStore) =>
    kind === 'customer'
      ? new AggregateRepository(eventStore, customerAggregate)
      : new AggregateRepository(eventStore, accountAggregate);

  const rounds: Record<Kind, PiiRound[]> = { customer: [], account: [] };
  for (let run = 0; run <= PII_RUNS; run++) {
    for (const kind of ['customer', 'account'] as const) {
      const appends: Record<'first' | 'later', Record<StoreVariant, number[]>> = {
        first: { plain: [], protected: [] },
        later: { plain: [], protected: [] },
      };
      const streams: { variant: StoreVariant; streamId: string; events: NewEvent[] }[] = [];
      for (let index = 0; index < PII_STREAMS; index++) {
        const order: StoreVariant[] = index % 2 ? ['protected', 'plain'] : ['plain', 'protected'];
        for (const variant of order) {
          const id = randomUUID();
          const streamId = `${kind}-${id}`;
          const events = streamEvents(kind, id);
          for (const [position, event] of events.entries()) {
            const started = performance.now();
            await stores[variant].appendToStream(streamId, position, [event], {
              metadata: depositMetadata(),
            });
            const us = 1000 * (performance.now() - started);
            appends[position === 0 ? 'first' : 'later'][variant].push(us);
          }
          streams.push({ variant, streamId, events });
        }
      }
      await checkStoredForm(dataSource, kind, streams);

      const loads: Record<LoadVariant, number[]> = { plain: [], warm: [], cold: [] };
      let keyReads = 0;
      for (const [index, { variant, streamId, events }] of streams.entries()) {
        const expected = { state: foldGiven(kind, events), version: events.length };
        const variants: LoadVariant[] = variant === 'plain' ? ['plain'] : ['warm', 'cold'];
        for (const loadVariant of index % 4 >= 2 ? [...variants].reverse() : variants) {
          let eventStore = stores[variant];
          if (loadVariant === 'cold') {
            const coldKeys = new DataKeyStore(counted, master);
            await coldKeys.verifyMasterKey();
            eventStore = protectedThrough(coldKeys);
          }
          const queriesBefore = keyQueries;
          const started = performance.now();
          const loaded = await repository(kind, eventStore).load(streamId);
          const us = 1000 * (performance.now() - started);
          if (loadVariant === 'cold') keyReads += keyQueries - queriesBefore;
          if (
            loaded.version !== expected.version ||
            !isDeepStrictEqual(loaded.state, expected.state)
          )
            throw new Error(`${streamId} (${loadVariant}): not the fold of the events as given`);
          loads[loadVariant].push(us);
        }
      }
      if (run === 0) continue; // the warm-up round
      rounds[kind].push({
        firstAppend: { plain: mean(appends.first.plain), protected: mean(appends.first.protected) },
        laterAppend: { plain: mean(appends.later.plain), protected: mean(appends.later.protected) },
        load: { plain: mean(loads.plain), warm: mean(loads.warm), cold: mean(loads.cold) },
        keyReadsPerColdLoad: keyReads / loads.cold.length,
      });
    }
  }

  const fixed = (value: number, digits = 0) => Number(value.toFixed(digits));
  console.log(
    `\nPersonal data sealing: plain PostgresEventStore vs ProtectedEventStore on it, same database, ` +
      `same rounds; medians of ${PII_RUNS} rounds (after 1 warm-up round) of each round's mean over ` +
      `${PII_STREAMS} streams per store; customer streams: 1 CustomerRegistered + ${CONTACT_CHANGES} ` +
      `CustomerContactDetailsChanged (sealed: 3 and 2 fields), account streams: 1 AccountOpened + ` +
      `${DEPOSITS} MoneyDeposited (not covered); one event per append; every load checked against ` +
      'the fold of the events as given:',
  );
  const rows = (['customer', 'account'] as const).flatMap((kind) => {
    const of = (pick: (round: PiiRound) => number) => median(rounds[kind].map(pick));
    const first = kind === 'customer' ? 'CustomerRegistered' : 'AccountOpened';
    const later = kind === 'customer' ? 'CustomerContactDetailsChanged' : 'MoneyDeposited';
    const length = 1 + (kind === 'customer' ? CONTACT_CHANGES : DEPOSITS);
    const row = (what: string, plain: number, warm: number, cold?: number) => ({
      measured: what,
      'plain µs': fixed(plain),
      'protected µs': fixed(warm),
      'protected ÷ plain': fixed(warm / plain, 2),
      'cold key µs': cold === undefined ? '' : fixed(cold),
      'cold ÷ plain': cold === undefined ? '' : fixed(cold / plain, 2),
    });
    return [
      row(
        `${kind}: append ${first}${kind === 'customer' ? ' (creates the key)' : ''}`,
        of((r) => r.firstAppend.plain),
        of((r) => r.firstAppend.protected),
      ),
      row(
        `${kind}: append ${later}`,
        of((r) => r.laterAppend.plain),
        of((r) => r.laterAppend.protected),
      ),
      row(
        `${kind}: load (${length} events)`,
        of((r) => r.load.plain),
        of((r) => r.load.warm),
        of((r) => r.load.cold),
      ),
    ];
  });
  console.table(rows);
  const keyReads = median(rounds.customer.map((r) => r.keyReadsPerColdLoad));
  console.log(
    `a cold load of a customer stream made ${fixed(keyReads, 1)} key reads (median of the rounds' ` +
      `means; its ${1 + CONTACT_CHANGES} events are revealed concurrently, each missing the cache); ` +
      `of an account stream ${fixed(median(rounds.account.map((r) => r.keyReadsPerColdLoad)), 1)}`,
  );
}

/** The protected customer streams hold sealed personal fields; every other stream plain ones. */
async function checkStoredForm(
  dataSource: DataSource,
  kind: Kind,
  streams: readonly { variant: StoreVariant; streamId: string }[],
): Promise<void> {
  const rows = await dataSource.query<{ stream_id: string; sealed: number; total: number }[]>(
    `SELECT stream_id,
            count(*) FILTER (WHERE data->>'name' LIKE 'pii:v1:%'
                                OR data->>'reference' LIKE 'pii:v1:%')::int AS sealed,
            count(*)::int AS total
       FROM es_events WHERE stream_id = ANY($1::text[]) GROUP BY stream_id`,
    [streams.map((stream) => stream.streamId)],
  );
  const byStream = new Map(rows.map((row) => [row.stream_id, row]));
  for (const { variant, streamId } of streams) {
    const row = byStream.get(streamId);
    const sealedExpected = kind === 'customer' && variant === 'protected' ? row?.total : 0;
    if (!row || row.sealed !== sealedExpected)
      throw new Error(`${streamId} (${variant}): ${row?.sealed} of ${row?.total} events sealed`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
