/**
 * Append throughput: our full append path against the raw `pg`
 * limit and against Emmett, in the same run, at 1, 16 and 64 concurrent writers, with 1 and
 * 10 events per call. Every call creates a new stream (expected version: no stream).
 * - ours: PostgresEventStore.appendToStream with the accounts' outbox mapper (one outbox row
 *   per event) and a command record (id and result), exactly what a command commits;
 * - raw pg: a checked-out pg client; 1 event: BEGIN, INSERT, COMMIT (the baseline);
 *   10 events: one multi-row INSERT (the baseline; one statement is atomic);
 * - Emmett: appendToStream with expectedStreamVersion 0n;
 * - ours unchained: ours, on a schema whose es_event_hash answers a constant instead of the
 *   SHA-256 (the same statement and plan otherwise): the difference is the tamper-evidence hash
 *   chain's cost per append (`chain cost`). BENCH_APPEND_CHAIN=0 leaves this variant out.
 * Each variant gets a pool of as many connections as writers. Runs RUNS times, alternating
 * the order, and prints medians and ratios, and the CPU each median run took per event in this
 * process and in PostgreSQL (/proc), and the transactions that wrote and WAL flushes per 1 000
 * events (transaction ids assigned, pg_stat_wal). Every run checks the rows it wrote.
 *   npm run bench -- append     BENCH_APPEND_RUNS=3 BENCH_APPEND_CALLS=6000 BENCH_APPEND_WRITERS=1,16,64
 * BENCH_APPEND_IN_FLIGHT=4 (diagnosis): the store's group commit with that many batches in flight.
 * Our store sends the app's after-commit NOTIFY as in production, from a session of its own
 * (not one of the writers' connections); BENCH_NOTIFY=0 leaves it out, to see its share.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { EventUpcasters } from '@ledgerline/event-sourcing';
import { PostgresCommitNotifier, PostgresEventStore } from '@ledgerline/event-sourcing/postgres';
import { accountIntegrationEvents } from '../src/accounts/integration/account-integration-events';
import { accountUpcasters } from '../src/accounts/domain/account.upcasters';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { cpuMicrosPer, snapshotUsage } from './http/proc-usage';
import { openEmmett } from './peers/emmett';
import { BENCH_URL, openBenchSchema } from './support/bench-database';
import { depositData, depositMetadata } from './support/event-payload';
import { LoadResult, medianRun, round, runLoad } from './support/load-driver';

const RUNS = Number(process.env.BENCH_APPEND_RUNS ?? 3);
const CALLS = Number(process.env.BENCH_APPEND_CALLS ?? 6_000);
const WRITERS = (process.env.BENCH_APPEND_WRITERS ?? '1,16,64').split(',').map(Number);
const BATCHES = [1, 10] as const;
/** Diagnosis: the store's group commit with this many batches in flight instead of its default. */
const IN_FLIGHT =
  process.env.BENCH_APPEND_IN_FLIGHT === undefined
    ? undefined
    : Number(process.env.BENCH_APPEND_IN_FLIGHT);

type Variant = 'ours' | 'ours unchained' | 'raw pg' | 'emmett';
const CHAIN = process.env.BENCH_APPEND_CHAIN !== '0';
interface Setup {
  /** One append of `batch` events to a new stream. */
  append(call: number): Promise<void>;
  /** Events stored, to check against what succeeded. */
  count(): Promise<number>;
  close(): Promise<void>;
}

const RAW_TABLE = `
CREATE TABLE raw_events (
  global_position bigserial PRIMARY KEY,
  stream_id text NOT NULL,
  stream_version integer NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, stream_version))`;

function events(
  streamId: string,
  batch: number,
): { type: string; data: Record<string, string | number> }[] {
  return Array.from({ length: batch }, (_, index) => ({
    type: 'MoneyDeposited',
    schemaVersion: 2,
    data: depositData(streamId, index + 1),
  }));
}

/** es_event_hash answering a constant: every event still gets a hash, none is computed. */
const unchainedHash = (schema: string) => `
CREATE OR REPLACE FUNCTION ${schema}.es_event_hash(previous bytea, stream_id text,
  stream_version integer, event_id uuid, type text, schema_version integer, data jsonb,
  metadata jsonb, occurred_at timestamptz)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT '\\x00'::bytea $$`;

async function oursSetup(writers: number, batch: number, chained = true): Promise<Setup> {
  const bench = await openBenchSchema('append');
  if (!chained) await bench.dataSource.query(unchainedHash(bench.schema));
  const dataSource = await new DataSource(
    typeOrmOptions({ url: BENCH_URL, schema: bench.schema, poolSize: writers }),
  ).initialize();
  // The app's notifier: its own session, not one of the writers' pooled connections.
  const notifier = new PostgresCommitNotifier(dataSource, undefined, {
    connectionString: BENCH_URL,
    options: `-c search_path=${bench.schema}`,
  });
  const store = new PostgresEventStore(dataSource, {
    ...(IN_FLIGHT === undefined ? {} : { groupCommit: { maxInFlight: IN_FLIGHT, maxBatch: 64 } }),
    outbox: accountIntegrationEvents,
    upcasters: new EventUpcasters(accountUpcasters),
    notifyCommits: process.env.BENCH_NOTIFY !== '0',
    commitNotifier: notifier,
  });
  return {
    async append() {
      const id = randomUUID();
      const metadata = depositMetadata();
      await store.appendToStream(`account-${id}`, 'no_stream', events(id, batch), {
        metadata,
        command: {
          id: metadata.commandId,
          result: (done) => ({
            version: done.nextExpectedVersion,
            balance: 1,
            position: done.lastPosition.globalPosition.toString(),
          }),
        },
      });
    },
    async count() {
      const [row] = await dataSource.query<{ events: number; outbox: number; commands: number }[]>(
        `SELECT (SELECT count(*) FROM es_events)::int AS events, (SELECT count(*) FROM es_outbox)::int AS outbox,
                (SELECT count(*) FROM es_commands)::int AS commands`,
      );
      if (row.outbox !== row.events || row.commands * batch !== row.events)
        throw new Error(
          `ours: ${row.events} events, ${row.outbox} outbox rows, ${row.commands} commands`,
        );
      return row.events;
    },
    async close() {
      await notifier.close();
      await dataSource.destroy();
      await bench.drop();
    },
  };
}

async function rawSetup(writers: number, batch: number): Promise<Setup> {
  const bench = await openBenchSchema('append_raw');
  await bench.dataSource.query(RAW_TABLE);
  const pool = new Pool({
    connectionString: BENCH_URL,
    max: writers,
    options: `-c search_path=${bench.schema}`,
  });
  const insert = (rows: number) =>
    `INSERT INTO raw_events (stream_id, stream_version, type, data, metadata) VALUES ${Array.from(
      { length: rows },
      (_, i) => `($1, ${i + 1}, 'MoneyDeposited', $${i + 3}::jsonb, $2::jsonb)`,
    ).join(', ')}`;
  const sql = insert(batch);
  return {
    async append() {
      const id = randomUUID();
      const values = [
        `account-${id}`,
        JSON.stringify(depositMetadata()),
        ...events(id, batch).map((event) => JSON.stringify(event.data)),
      ];
      const client = await pool.connect();
      try {
        if (batch === 1) {
          await client.query('BEGIN');
          await client.query(sql, values);
          await client.query('COMMIT');
        } else {
          await client.query(sql, values);
        }
      } finally {
        client.release();
      }
    },
    async count() {
      const [row] = await bench.dataSource.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM raw_events',
      );
      return row.n;
    },
    async close() {
      await pool.end();
      await bench.drop();
    },
  };
}

async function emmettSetup(writers: number, batch: number): Promise<Setup> {
  const emmett = await openEmmett(writers);
  return {
    async append() {
      const id = randomUUID();
      await emmett.store.appendToStream(
        `account-${id}`,
        events(id, batch).map((event) => ({
          type: event.type,
          data: event.data,
          metadata: depositMetadata(),
        })),
        { expectedStreamVersion: 0n },
      );
    },
    async count() {
      const { rows } = await emmett.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM emt_messages',
      );
      return rows[0].n;
    },
    close: () => emmett.close(),
  };
}

const SETUPS: Record<Variant, (writers: number, batch: number) => Promise<Setup>> = {
  ours: oursSetup,
  'ours unchained': (writers, batch) => oursSetup(writers, batch, false),
  'raw pg': rawSetup,
  emmett: emmettSetup,
};

/**
 * A measured run, and the CPU it took per event stored: this process's (the writers' client
 * side: the store's code, or Emmett's, and `pg`) and PostgreSQL's (all its processes: the
 * writers' sessions, the WAL writer, the checkpointer; the machine runs nothing else).
 */
interface Measured extends LoadResult {
  readonly clientUsPerEvent: number;
  readonly postgresUsPerEvent: number;
  /** Transactions that wrote (transaction ids assigned, the whole server), per 1 000 events. */
  readonly commitsPerKiloEvent: number;
  /** WAL flushes to disk (`pg_stat_wal.wal_sync`, the whole server), per 1 000 events stored. */
  readonly walSyncsPerKiloEvent: number;
}

/**
 * The server's cumulative counters: transaction ids assigned (every transaction that writes
 * takes one; the whole server, so Emmett's database, dropped at the end of its run, counts
 * too), WAL flushes.
 */
interface ServerCounters {
  readonly commits: number;
  readonly walSyncs: number;
}

/**
 * A session of its own reads the counters. Sessions publish their WAL counts when idle or at
 * exit, so a run's are read after its pool closed: they cover its warm-up too, and are divided
 * by every event the run stored.
 */
let statistics: Pool | undefined;
async function serverCounters(): Promise<ServerCounters> {
  statistics ??= new Pool({ connectionString: BENCH_URL, max: 1 });
  const { rows } = await statistics.query<{ commits: string; wal_syncs: string }>(
    `SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS commits,
            (SELECT wal_sync FROM pg_stat_wal) AS wal_syncs`,
  );
  return { commits: Number(rows[0].commits), walSyncs: Number(rows[0].wal_syncs) };
}

async function measure(variant: Variant, writers: number, batch: number): Promise<Measured> {
  const setup = await SETUPS[variant](writers, batch);
  const countersBefore = await serverCounters();
  let measured: Omit<Measured, 'commitsPerKiloEvent' | 'walSyncsPerKiloEvent'>;
  let storedInAll: number;
  try {
    const initial = await setup.count();
    const calls = Math.max(200, Math.round(CALLS / batch));
    // Warm the pool and the plans; not counted.
    await runLoad({
      workers: writers,
      calls: Math.min(writers * 4, calls),
      operation: () => setup.append(0),
    });
    const before = await setup.count();
    const usageBefore = snapshotUsage({});
    const result = await runLoad({
      workers: writers,
      calls,
      operation: (call) => setup.append(call),
    });
    const usageAfter = snapshotUsage({});
    const stored = (await setup.count()) - before;
    if (result.failed > 0)
      throw new Error(`${variant}: ${result.failed} appends failed: ${String(result.firstError)}`);
    if (stored !== result.ok * batch)
      throw new Error(
        `${variant}: ${result.ok} appends of ${batch} succeeded but ${stored} events are stored`,
      );
    const cpu = cpuMicrosPer(usageBefore, usageAfter, stored);
    measured = {
      ...result,
      clientUsPerEvent: cpu.bench,
      postgresUsPerEvent: cpu.postgres,
    };
    storedInAll = (await setup.count()) - initial;
  } finally {
    await setup.close();
  }
  // A session publishes its counts when it ends; the pool has closed, the server may not yet.
  await sleep(1_500);
  const countersAfter = await serverCounters();
  const perKiloEvent = (count: number) => (count * 1000) / storedInAll;
  return {
    ...measured,
    commitsPerKiloEvent: perKiloEvent(countersAfter.commits - countersBefore.commits),
    walSyncsPerKiloEvent: perKiloEvent(countersAfter.walSyncs - countersBefore.walSyncs),
  };
}

async function main(): Promise<void> {
  const variants: Variant[] = CHAIN
    ? ['ours', 'ours unchained', 'raw pg', 'emmett']
    : ['ours', 'raw pg', 'emmett'];
  const rows: Record<string, string | number>[] = [];
  const goals: string[] = [];
  const cpuRows: Record<string, string | number>[] = [];
  const commitRows: Record<string, string | number>[] = [];
  for (const batch of BATCHES)
    for (const writers of WRITERS) {
      const results = new Map<Variant, Measured[]>(variants.map((v) => [v, []]));
      for (let run = 0; run < RUNS; run++) {
        const order = run % 2 ? [...variants].reverse() : variants;
        for (const variant of order)
          results.get(variant)!.push(await measure(variant, writers, batch));
      }
      const med = (v: Variant) => medianRun(results.get(v)!);
      const eps = (v: Variant) => med(v).perSecond * batch;
      rows.push({
        'events/call': batch,
        writers,
        'ours ev/s': round(eps('ours')),
        'raw pg ev/s': round(eps('raw pg')),
        'emmett ev/s': round(eps('emmett')),
        'ours/raw': round(eps('ours') / eps('raw pg'), 2),
        'ours/emmett': round(eps('ours') / eps('emmett'), 2),
        ...(CHAIN
          ? {
              'unchained ev/s': round(eps('ours unchained')),
              // The share of an append's time the hash chain takes, and its latency at p50.
              'chain cost': `${round((1 - eps('ours') / eps('ours unchained')) * 100, 1)} %`,
              'chain p50 ms': round(med('ours').p50Ms - med('ours unchained').p50Ms, 2),
            }
          : {}),
        'ours p50/p99 ms': `${round(med('ours').p50Ms, 1)} / ${round(med('ours').p99Ms, 1)}`,
        'raw p50/p99 ms': `${round(med('raw pg').p50Ms, 1)} / ${round(med('raw pg').p99Ms, 1)}`,
        'emmett p50/p99 ms': `${round(med('emmett').p50Ms, 1)} / ${round(med('emmett').p99Ms, 1)}`,
      });
      // Where each side's time goes: CPU per event on the client and in PostgreSQL, median runs.
      cpuRows.push({
        'events/call': batch,
        writers,
        ...Object.fromEntries(
          (['ours', 'raw pg', 'emmett'] as const).flatMap((v) => [
            [`${v} client µs/ev`, round(med(v).clientUsPerEvent)],
            [`${v} postgres µs/ev`, round(med(v).postgresUsPerEvent)],
          ]),
        ),
      });
      commitRows.push({
        'events/call': batch,
        writers,
        ...Object.fromEntries(
          (['ours', 'raw pg', 'emmett'] as const).flatMap((v) => [
            [`${v} write transactions`, round(med(v).commitsPerKiloEvent)],
            [`${v} WAL flushes`, round(med(v).walSyncsPerKiloEvent)],
          ]),
        ),
      });
      const vsEmmett = eps('ours') / eps('emmett');
      // Per run, paired in the order they ran: the goal asks for every run, not the median.
      const perRun = results
        .get('ours')!
        .map((ours, i) => ours.perSecond / results.get('emmett')![i].perSecond);
      const runs = perRun.map((r) => `x${r.toFixed(2)}`).join(', ');
      if (writers === 16 && batch === 1) {
        const lowest = Math.min(...perRun);
        goals.push(
          `goal (1 event, 16 writers, ≥ 2.5x Emmett in every run): ${lowest >= 2.5 ? 'MET' : 'MISSED'}: ` +
            `runs ${runs}, median x${vsEmmett.toFixed(2)}`,
        );
      }
      if (writers === 16 && batch === 10) {
        goals.push(
          `goal (10 events, 16 writers, ≥ 2x Emmett): ${vsEmmett >= 2 ? 'MET' : 'MISSED'}: x${vsEmmett.toFixed(2)} (runs ${runs})`,
        );
      }
      if (writers === 1) {
        goals.push(
          `goal (a lone writer, ${batch} event${batch > 1 ? 's' : ''} per call, no slower than Emmett): ` +
            `${vsEmmett >= 1 ? 'MET' : 'MISSED'}: x${vsEmmett.toFixed(2)} (runs ${runs}), ` +
            `p50 ${round(med('ours').p50Ms, 1)} ms against ${round(med('emmett').p50Ms, 1)} ms`,
        );
      }
    }
  console.log(
    `\nAppend to new streams, median of ${RUNS} runs (each of up to ${CALLS} events), every run checked:`,
  );
  console.table(rows);
  console.log(
    "CPU per event stored (median runs): the writers' process and all of PostgreSQL, in µs",
  );
  console.table(cpuRows);
  console.log(
    'Per 1 000 events stored (median runs): transactions that wrote (transaction ids assigned) ' +
      'and WAL flushes to disk (pg_stat_wal.wal_sync); the whole server',
  );
  console.table(commitRows);
  for (const line of goals) console.log(line);
  await statistics?.end();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
