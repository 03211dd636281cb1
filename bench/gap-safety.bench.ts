/**
 * The cost of our gap-safety technique: appends commit concurrently and readers
 * order the log by (transaction id, global position), seeing only transactions older than
 * every one in flight, with a first-write guard on the append (append.sql.ts,
 * read-all.sql.ts); against the common alternative, a global advisory lock that serialises
 * every append until its commit, so global positions commit in order. At 1, 8 and 32 writers,
 * one event per call to a new stream ('no_stream'), the full append path (an outbox row per
 * event and the command record), in the same run:
 *   (a) ours: PostgresEventStore.appendToStream;
 *   (b) runInTransaction + SELECT pg_advisory_xact_lock(const) + store.appendInTransaction;
 *   (c) the same as (b) without the lock: the transaction wrapper's own cost, so (c)/(b) is the
 *       lock's cost alone;
 *   (d) diagnostic, BENCH_GAP_NOTIFY_DIAGNOSTIC=1 (default): (a) with the per-statement NOTIFY
 *       trigger on es_events that migration 0012 dropped, re-created for the run. PostgreSQL
 *       serialises the commits of transactions that NOTIFY (PreCommit_Notify takes a
 *       cluster-wide lock and holds it until the commit record is flushed), so that trigger
 *       was a global commit lock of its own; (a)/(d) shows what moving the NOTIFY after the
 *       commit (PostgresCommitNotifier) gained.
 * Each run starts from empty tables and is checked: as many events, outbox rows and command
 * records as acknowledged appends, each on its own stream at version 1. Then, for context,
 * the read side: one pass over the events of one run page by page with readAll, beside a
 * plain keyset read by global_position (what the lock would allow readers to use).
 *
 *   npm run bench -- gap-safety
 *   BENCH_GAP_WRITERS=1,8,32 BENCH_GAP_CALLS=2000 BENCH_GAP_MAX_MS=4000 BENCH_GAP_PAGE=500
 *   RUNS=3 by default (calls and time bound each run, whichever ends first); database
 *   BENCH_DATABASE_URL (bench-database.ts). About 2 minutes on 2 cores. The schema is
 *   dropped at the end.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { eventStoreMigrations } from '@ledgerline/event-sourcing/postgres';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { BENCH_URL, median, openBenchSchema } from './support/bench-database';
import { LoadResult, medianRun, round, runLoad } from './support/load-driver';
import { cleanUp } from './support/clean-up';
import { APPEND_VARIANTS, AppendVariant, gapSafetyAppender } from './contention/gap-safety-appends';
import { positionPass, readAllPass, ReadPass } from './contention/log-read-passes';

const WRITERS = (process.env.BENCH_GAP_WRITERS ?? '1,8,32').split(',').map(Number);
const CALLS = Number(process.env.BENCH_GAP_CALLS ?? 2_000);
const MAX_MS = Number(process.env.BENCH_GAP_MAX_MS ?? 4_000);
const PAGE = Number(process.env.BENCH_GAP_PAGE ?? 500);
const RUNS = Number(process.env.RUNS ?? 3);
const NOTIFY_DIAGNOSTIC = (process.env.BENCH_GAP_NOTIFY_DIAGNOSTIC ?? '1') !== '0';
const WARM_UP_CALLS = 200;
const READ_PASSES = 3;

if (![...WRITERS, CALLS, MAX_MS, PAGE, RUNS].every((n) => Number.isInteger(n) && n > 0))
  throw new Error('BENCH_GAP_WRITERS (a list), _CALLS, _MAX_MS, _PAGE and RUNS must be positive');

interface Variant {
  readonly key: string;
  readonly label: string;
  readonly append: AppendVariant;
  /** Whether the run re-creates the old per-append NOTIFY trigger (variant d). */
  readonly notifyInAppend: boolean;
}

const VARIANTS: readonly Variant[] = [
  ...APPEND_VARIANTS.map(({ key, label }) => ({
    key,
    label,
    append: key,
    notifyInAppend: false,
  })),
  ...(NOTIFY_DIAGNOSTIC
    ? [
        {
          key: 'notifying',
          label: '(d) = (a) + the old NOTIFY trigger',
          append: 'store' as const,
          notifyInAppend: true,
        },
      ]
    : []),
];

/** Empties what an append writes, so every run starts from the same tables. */
async function emptyTables(dataSource: DataSource): Promise<void> {
  await dataSource.query('TRUNCATE es_events, es_outbox, es_commands');
}

/** Throws unless the tables hold exactly `ok` one-event streams, outbox rows and commands. */
async function verify(dataSource: DataSource, label: string, ok: number): Promise<void> {
  const [counts] = await dataSource.query<
    { events: number; streams: number; first: number; outbox: number; commands: number }[]
  >(
    `SELECT (SELECT count(*)::int FROM es_events) AS events,
            (SELECT count(DISTINCT stream_id)::int FROM es_events) AS streams,
            (SELECT count(*)::int FROM es_events WHERE stream_version = 1) AS first,
            (SELECT count(*)::int FROM es_outbox) AS outbox,
            (SELECT count(*)::int FROM es_commands) AS commands`,
  );
  if (Object.values(counts).some((count) => count !== ok))
    throw new Error(`${label}: ${ok} appends acknowledged, tables hold ${JSON.stringify(counts)}`);
}

/** Re-creates (or drops again) the trigger of migration 0003 that migration 0012 dropped. */
async function setNotifyTrigger(dataSource: DataSource, on: boolean): Promise<void> {
  const Trigger = eventStoreMigrations.find(
    (migration) => migration.name === 'EventNotifyTrigger1732300000003',
  );
  if (!Trigger) throw new Error('migration 0003 (the NOTIFY trigger) is not in the library');
  const queryRunner = dataSource.createQueryRunner();
  try {
    await (on ? new Trigger().up(queryRunner) : new Trigger().down(queryRunner));
  } finally {
    await queryRunner.release();
  }
}

async function main(): Promise<void> {
  const opened: (() => Promise<unknown>)[] = [];
  try {
    const bench = await openBenchSchema('gap_safety');
    opened.push(() => bench.drop());
    // A pool per writer (openBenchSchema's has 4), plus one for the checks between runs.
    const dataSource = await new DataSource(
      typeOrmOptions({ url: BENCH_URL, schema: bench.schema, poolSize: Math.max(...WRITERS) + 1 }),
    ).initialize();
    opened.push(() => dataSource.destroy());
    const appender = gapSafetyAppender(dataSource);

    const runVariant = async (variant: Variant, writers: number, calls: number) => {
      await emptyTables(dataSource);
      if (variant.notifyInAppend) await setNotifyTrigger(dataSource, true);
      try {
        const load = await runLoad({
          workers: writers,
          calls,
          maxMs: MAX_MS,
          operation: (call) => appender.append(variant.append, call),
        });
        await verify(dataSource, `${variant.label} at ${writers} writers`, load.ok);
        return load;
      } finally {
        if (variant.notifyInAppend) await setNotifyTrigger(dataSource, false);
      }
    };

    // Warm-up (not counted): JIT, pool connections, plans.
    for (const variant of VARIANTS) await runVariant(variant, Math.max(...WRITERS), WARM_UP_CALLS);

    console.log(
      `1 event per call to a new stream, up to ${CALLS} calls or ${MAX_MS} ms per run, ${RUNS} runs, ` +
        `writers ${WRITERS.join(', ')}`,
    );
    const results = new Map<string, LoadResult[]>();
    const key = (variant: Variant, writers: number) => `${variant.key}@${writers}`;
    for (let run = 1; run <= RUNS; run++) {
      const line: string[] = [];
      for (const writers of WRITERS) {
        const order = (run + writers) % 2 ? VARIANTS : [...VARIANTS].reverse();
        for (const variant of order) {
          const load = await runVariant(variant, writers, CALLS);
          results.set(key(variant, writers), [...(results.get(key(variant, writers)) ?? []), load]);
          line.push(`${variant.key}@${writers} ${Math.round(load.perSecond)}`);
        }
      }
      console.log(`run ${run} (events/s): ${line.join(', ')}`);
    }

    const mid = (variant: Variant, writers: number) =>
      medianRun(results.get(key(variant, writers)) ?? []);
    const failed = (variant: Variant, writers: number) =>
      (results.get(key(variant, writers)) ?? []).reduce((sum, load) => sum + load.failed, 0);
    console.log(
      `\nGap-safety cost: 1 event per call to new streams through the full append path ` +
        `(outbox row + command record), median run of ${RUNS}; every run's tables checked:`,
    );
    console.table(
      WRITERS.flatMap((writers) =>
        VARIANTS.map((variant) => {
          const load = mid(variant, writers);
          return {
            writers,
            variant: variant.label,
            'events/s': Math.round(load.perSecond),
            'failed (all runs)': failed(variant, writers),
            'p50 ms': round(load.p50Ms, 2),
            'p99 ms': round(load.p99Ms, 2),
            'ratio to (b)': round(load.perSecond / mid(VARIANTS[1], writers).perSecond, 2),
          };
        }),
      ),
    );
    for (const [name, loads] of results) {
      const withError = loads.find((load) => load.firstError !== undefined);
      if (withError) console.log(`first failure of ${name}:`, withError.firstError);
    }
    const [store, locked, wrapped] = VARIANTS;
    for (const writers of WRITERS) {
      const ratio = mid(store, writers).perSecond / mid(locked, writers).perSecond;
      const lockCost = mid(wrapped, writers).perSecond / mid(locked, writers).perSecond;
      const notifying = VARIANTS.find((variant) => variant.notifyInAppend);
      const notifyCost = notifying
        ? `; the NOTIFY after the commit instead of the old trigger gains x${(mid(store, writers).perSecond / mid(notifying, writers).perSecond).toFixed(2)}`
        : '';
      console.log(
        `${writers} writers: ratio (a)/(b) ours/advisory lock x${ratio.toFixed(2)}; ` +
          `the lock alone (c)/(b) x${lockCost.toFixed(2)}${notifyCost}`,
      );
    }
    const failures = VARIANTS.flatMap((variant) => WRITERS.map((w) => failed(variant, w)));
    const totalFailed = failures.reduce((sum, n) => sum + n, 0);
    console.log(
      totalFailed === 0
        ? 'no append failed in any run'
        : `WARNING: ${totalFailed} appends failed (see above)`,
    );

    // The read side, for context: the log of one full run of (a) at the most writers.
    const writers = Math.max(...WRITERS);
    const filled = await runVariant(store, writers, CALLS);
    await dataSource.query('ANALYZE es_events');
    const passes: { gapSafe: ReadPass[]; byPosition: ReadPass[] } = { gapSafe: [], byPosition: [] };
    for (let i = 0; i < READ_PASSES; i++) {
      passes.gapSafe.push(await readAllPass(appender.store, filled.ok, PAGE));
      passes.byPosition.push(await positionPass(dataSource, filled.ok, PAGE));
    }
    const ms = (list: ReadPass[]) => median(list.map((pass) => pass.ms));
    console.log(
      `read side: ${filled.ok} events (written by ${writers} writers) in pages of ${PAGE}, median of ` +
        `${READ_PASSES} passes: readAll ${ms(passes.gapSafe).toFixed(1)} ms ` +
        `(${Math.round(filled.ok / (ms(passes.gapSafe) / 1000))} events/s), keyset by global_position ` +
        `${ms(passes.byPosition).toFixed(1)} ms; every event once, in order`,
    );
  } finally {
    await cleanUp(opened);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
