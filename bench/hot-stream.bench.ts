/**
 * Hot-stream contention: BENCH_HOT_WRITERS concurrent writers appending
 * one deposit each per call to ONE stream, retrying on version conflicts, in the same run:
 *   - ours: DepositMoneyCommand through the app's CommandBus and real handler (see
 *     contention/ledgerline-hot-stream.ts), one fresh account per run;
 *   - Emmett: aggregateStream for the current version, then appendToStream with that
 *     expectedStreamVersion, retry at once on ExpectedVersionConflictError (anchors §2 (d));
 *   - raw pg: one connection per writer, BEGIN; SELECT max(version); INSERT version+1; COMMIT,
 *     retry at once on a unique violation (anchors §1, "conflicts keep the client").
 * After each run the stream must hold exactly the acknowledged events, versions 1..n with no
 * gap (ours: AccountOpened + the deposits), and the balance must be the sum of the
 * acknowledged deposits (ours also: one outbox row per event). Prints medians of RUNS runs
 * (the variants' order alternates), ok/s ratios and the verdict on an earlier goal (>= 10x Emmett, no
 * failed request), then where one command's time goes on our side.
 *
 *   npm run bench -- hot-stream
 *   BENCH_HOT_WRITERS=16 BENCH_HOT_CALLS=2000 BENCH_HOT_MAX_MS=8000 RUNS=3 by default (calls and
 *   time bound each run, whichever ends first); database BENCH_DATABASE_URL (bench-database.ts).
 *   About 1.5 minutes on 2 cores. The schema and Emmett's database are dropped at the end.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { BENCH_URL, openBenchSchema } from './support/bench-database';
import { LoadResult, medianRun, round, runLoad } from './support/load-driver';
import { cleanUp } from './support/clean-up';
import { ConflictCounter } from './contention/conflict-retry';
import { openEmmettHotStream } from './contention/emmett-hot-stream';
import { openLedgerlineHotStream } from './contention/ledgerline-hot-stream';
import { openRawHotStream } from './contention/raw-hot-stream';
import { assertContiguous } from './contention/stream-check';

const WRITERS = Number(process.env.BENCH_HOT_WRITERS ?? 16);
const CALLS = Number(process.env.BENCH_HOT_CALLS ?? 2_000);
const MAX_MS = Number(process.env.BENCH_HOT_MAX_MS ?? 8_000);
const RUNS = Number(process.env.RUNS ?? 3);
const WARM_UP_CALLS = 100;
const GOAL_VS_EMMETT = 10;
/** The single-writer comparison and the read-cost samples of the breakdown. */
const SOLO_MAX_MS = 3_000;
const READ_SAMPLES = 50;

if (![WRITERS, CALLS, MAX_MS, RUNS].every((n) => Number.isInteger(n) && n > 0))
  throw new Error('BENCH_HOT_WRITERS, BENCH_HOT_CALLS, BENCH_HOT_MAX_MS and RUNS must be positive');

/** One contender: a fresh stream per run, one append per call, a check of what it holds. */
interface Side {
  readonly name: string;
  fresh(): Promise<string>;
  append(worker: number, stream: string, amount: number): Promise<void>;
  conflicts(): number;
  /** Throws unless `stream` holds exactly the `ok` acknowledged appends summing to `sum`. */
  verify(stream: string, ok: number, sum: number): Promise<void>;
}

interface SideRun {
  readonly load: LoadResult;
  readonly conflicts: number;
}

/** Deposits of 1..1000 minor units, so a lost or doubled one changes the sum. */
const amountOf = (call: number) => 1 + (call % 1_000);

async function runSide(
  side: Side,
  writers: number,
  calls: number,
  maxMs: number,
): Promise<SideRun> {
  const stream = await side.fresh();
  const conflictsBefore = side.conflicts();
  let sum = 0;
  const load = await runLoad({
    workers: writers,
    calls,
    maxMs,
    operation: async (call, worker) => {
      await side.append(worker, stream, amountOf(call));
      sum += amountOf(call);
    },
  });
  await side.verify(stream, load.ok, sum);
  return { load, conflicts: side.conflicts() - conflictsBefore };
}

async function main(): Promise<void> {
  const opened: (() => Promise<unknown>)[] = [];
  try {
    const bench = await openBenchSchema('hot_stream');
    opened.push(() => bench.drop());
    const ours = await openLedgerlineHotStream(BENCH_URL, bench.schema, WRITERS, bench.dataSource);
    opened.push(() => ours.close());
    const emmett = await openEmmettHotStream(WRITERS);
    opened.push(() => emmett.close());
    const raw = await openRawHotStream(BENCH_URL, bench.schema, WRITERS);
    opened.push(() => raw.close());

    const emmettCounter: ConflictCounter = { conflicts: 0 };
    const rawCounter: ConflictCounter = { conflicts: 0 };
    const sides: Side[] = [
      {
        name: 'ours: DepositMoneyCommand via CommandBus',
        fresh: () => ours.openAccount(),
        append: async (_worker, accountId, amount) => {
          await ours.deposit(accountId, amount);
        },
        conflicts: () => ours.conflicts(),
        async verify(accountId, ok, sum) {
          const seen = await ours.inspect(accountId);
          assertContiguous('ours', seen, ok + 1); // AccountOpened is version 1
          if (seen.deposits !== ok || seen.balance !== sum || seen.outboxRows !== ok + 1)
            throw new Error(
              `ours: ${seen.deposits} deposits, balance ${seen.balance}, ${seen.outboxRows} outbox ` +
                `rows; expected ${ok}, ${sum}, ${ok + 1}`,
            );
        },
      },
      {
        name: 'Emmett: aggregateStream + appendToStream',
        fresh: () => Promise.resolve(`bench-${randomUUID()}`),
        append: (_worker, stream, amount) => emmett.append(stream, amount, emmettCounter),
        conflicts: () => emmettCounter.conflicts,
        async verify(stream, ok, sum) {
          const seen = await emmett.inspect(stream);
          assertContiguous('Emmett', seen, ok);
          if (seen.balance !== sum)
            throw new Error(`Emmett: balance ${seen.balance}, expected ${sum}`);
        },
      },
      {
        name: 'raw pg: BEGIN; SELECT max; INSERT; COMMIT',
        fresh: () => Promise.resolve(`bench-${randomUUID()}`),
        append: (worker, stream, amount) => raw.append(worker, stream, amount, rawCounter),
        conflicts: () => rawCounter.conflicts,
        verify: async (stream, ok) => assertContiguous('raw pg', await raw.shape(stream), ok),
      },
    ];

    // Warm-up (not counted): JIT, pools, plans; checked like the timed runs.
    for (const side of sides) await runSide(side, WRITERS, WARM_UP_CALLS, MAX_MS);

    console.log(
      `${WRITERS} writers on one stream, up to ${CALLS} calls or ${MAX_MS} ms per run, ${RUNS} runs`,
    );
    const runs = new Map<string, SideRun[]>(sides.map((side) => [side.name, []]));
    for (let run = 1; run <= RUNS; run++) {
      const order = run % 2 ? sides : [...sides].reverse();
      const line: string[] = [];
      for (const side of order) {
        const result = await runSide(side, WRITERS, CALLS, MAX_MS);
        runs.get(side.name)!.push(result);
        line.push(
          `${side.name.split(':')[0]} ${Math.round(result.load.perSecond)} ok/s` +
            (result.load.failed ? ` (${result.load.failed} failed)` : ''),
        );
      }
      console.log(`run ${run}: ${line.join(', ')}`);
    }

    const summary = sides.map((side) => {
      const all = runs.get(side.name)!;
      const mid = medianRun(all.map((run) => run.load));
      const conflicts = all.find((run) => run.load === mid)!.conflicts;
      return {
        side,
        mid,
        conflicts,
        failedInAllRuns: all.reduce((sum, run) => sum + run.load.failed, 0),
        firstError: all.find((run) => run.load.firstError !== undefined)?.load.firstError,
      };
    });
    const [oursRow, emmettRow, rawRow] = summary;
    console.log(
      `\nHot stream: ${WRITERS} writers on one stream, median run of ${RUNS} (by ok/s); every ` +
        `stream checked: exactly the acknowledged events, versions without gaps, balance = sum:`,
    );
    console.table(
      summary.map(({ side, mid, conflicts, failedInAllRuns }) => ({
        variant: side.name,
        'ok/s': Math.round(mid.perSecond),
        ok: mid.ok,
        'failed (all runs)': failedInAllRuns,
        'conflicts/success': round(conflicts / Math.max(1, mid.ok), 2),
        'p50 ms': round(mid.p50Ms, 1),
        'p99 ms': round(mid.p99Ms, 1),
        'ratio to Emmett': round(mid.perSecond / emmettRow.mid.perSecond, 2),
      })),
    );
    for (const row of summary)
      if (row.firstError !== undefined)
        console.log(`first failure of ${row.side.name}:`, row.firstError);
    const vsEmmett = oursRow.mid.perSecond / emmettRow.mid.perSecond;
    const vsRaw = oursRow.mid.perSecond / rawRow.mid.perSecond;
    console.log(`ratio ours/Emmett ${vsEmmett.toFixed(2)}, ours/raw pg ${vsRaw.toFixed(2)}`);
    if (oursRow.failedInAllRuns > 0)
      console.log(
        `earlier goal (≥ 10x Emmett, no request failing) MISSED: ${oursRow.failedInAllRuns} of our requests failed`,
      );
    else if (vsEmmett >= GOAL_VS_EMMETT)
      console.log(
        `earlier goal (≥ 10x Emmett, no request failing) MET: ratio ${vsEmmett.toFixed(2)} ≥ ${GOAL_VS_EMMETT}, no request failed`,
      );
    else
      console.log(
        `earlier goal (≥ 10x Emmett) MISSED by ${((1 - vsEmmett / GOAL_VS_EMMETT) * 100).toFixed(0)}%: ratio ` +
          `${vsEmmett.toFixed(2)} < ${GOAL_VS_EMMETT} (no request failed)`,
      );

    // Why ours scales with writers: one writer waits for each command's commit; 16 writers
    // queue on the stream, and the executor decides the queued commands together and commits
    // them as one append. A command is decided on the state this process committed last, so
    // the load and the repeat check below are paid only by a stream's first command here (or
    // after another process wrote it), not by every command.
    const solo = await runSide(sides[0], 1, CALLS, SOLO_MAX_MS);
    const hot = await ours.openAccount();
    for (let i = 0; i < CALLS / 2; i++) await ours.deposit(hot, amountOf(i)); // a long stream
    const reads = await ours.readCosts(hot, READ_SAMPLES);
    console.log(
      `ours, 1 writer: ${Math.round(solo.load.perSecond)} ok/s (p50 ${round(solo.load.p50Ms, 2)} ms); ` +
        `${WRITERS} writers: ${Math.round(oursRow.mid.perSecond)} ok/s, ` +
        `x${(oursRow.mid.perSecond / solo.load.perSecond).toFixed(1)} from committing the queued ` +
        `commands of the stream together. A cold command would add (median of ${READ_SAMPLES}, ` +
        `stream of ${CALLS / 2 + 1} events): snapshot + tail load ${reads.loadMs.toFixed(2)} ms, ` +
        `repeat lookup ${reads.findCommandMs.toFixed(2)} ms`,
    );
  } finally {
    await cleanUp(opened);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
