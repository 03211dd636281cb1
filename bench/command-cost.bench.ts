/**
 * What one deposit through the CommandBus costs this process and the database, for a lone
 * writer and for 16 writers on one account: ok/s, this process's CPU per command, and the
 * database's transactions and inserted rows per command (pg_stat_database) and the WAL it
 * wrote and flushed per command (pg_stat_wal: the whole server's, so nothing else may run), over fixed
 * windows after a warm-up. Long windows of one tree at a time: made to compare two
 * revisions, with bench/compare-revisions.sh (which alternates them), where the hot-stream
 * benchmark's short runs are dominated by noise.
 *
 *   npm run bench -- command-cost
 *   bench/compare-revisions.sh <revision> command-cost        (ROUNDS=4 for more pairs)
 *   BENCH_COST_MS=8000 (a window), BENCH_COST_WINDOWS=3 per writer count, BENCH_COST_WRITERS=1,16.
 */
import 'reflect-metadata';
import { Client } from 'pg';
import { BENCH_URL, median, openBenchSchema } from './support/bench-database';
import { openLedgerlineHotStream } from './contention/ledgerline-hot-stream';

const WINDOW_MS = Number(process.env.BENCH_COST_MS ?? 8_000);
const WINDOWS = Number(process.env.BENCH_COST_WINDOWS ?? 3);
const WRITER_COUNTS = (process.env.BENCH_COST_WRITERS ?? '1,16').split(',').map(Number);
const WARM_UP = 200;

interface DatabaseCounters {
  readonly commits: number;
  readonly inserted: number;
  readonly walRecords: number;
  readonly walBytes: number;
  /** WAL flushes to disk (fdatasync calls; 0 where the sync method is not counted). */
  readonly walSyncs: number;
}

async function counters(admin: Client): Promise<DatabaseCounters> {
  // A fresh read of the statistics, not the snapshot this session took before.
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await admin.query<Record<keyof DatabaseCounters, string>>(
    `SELECT d.xact_commit AS "commits", d.tup_inserted AS "inserted", w.wal_records AS "walRecords",
            w.wal_bytes AS "walBytes", w.wal_sync AS "walSyncs"
       FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()`,
  );
  const row = rows[0];
  return {
    commits: Number(row.commits),
    inserted: Number(row.inserted),
    walRecords: Number(row.walRecords),
    walBytes: Number(row.walBytes),
    walSyncs: Number(row.walSyncs),
  };
}

interface WindowResult {
  readonly okPerSecond: number;
  readonly cpuMicrosPerCommand: number;
  readonly commitsPerCommand: number;
  readonly insertsPerCommand: number;
  readonly walRecordsPerCommand: number;
  readonly walBytesPerCommand: number;
  readonly walSyncsPerCommand: number;
}

async function main(): Promise<void> {
  const bench = await openBenchSchema('command_cost');
  const hot = await openLedgerlineHotStream(BENCH_URL, bench.schema, 10, bench.dataSource);
  const admin = new Client({ connectionString: BENCH_URL });
  await admin.connect();
  try {
    const warm = await hot.openAccount();
    for (let i = 0; i < WARM_UP; i++) await hot.deposit(warm, 1);
    const table: Record<string, string | number>[] = [];
    for (const writers of WRITER_COUNTS) {
      const windows: WindowResult[] = [];
      for (let w = 0; w < WINDOWS; w++) {
        const account = await hot.openAccount();
        // The statistics collector reports a backend's counters when it goes idle.
        await new Promise((resolve) => setTimeout(resolve, 700));
        const before = await counters(admin);
        const cpu = process.cpuUsage();
        const started = performance.now();
        let ok = 0;
        await Promise.all(
          Array.from({ length: writers }, async () => {
            while (performance.now() - started < WINDOW_MS) {
              await hot.deposit(account, 1);
              ok++;
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        const used = process.cpuUsage(cpu);
        await new Promise((resolve) => setTimeout(resolve, 700));
        const after = await counters(admin);
        windows.push({
          okPerSecond: ok / seconds,
          cpuMicrosPerCommand: (used.user + used.system) / ok,
          commitsPerCommand: (after.commits - before.commits) / ok,
          insertsPerCommand: (after.inserted - before.inserted) / ok,
          walRecordsPerCommand: (after.walRecords - before.walRecords) / ok,
          walBytesPerCommand: (after.walBytes - before.walBytes) / ok,
          walSyncsPerCommand: (after.walSyncs - before.walSyncs) / ok,
        });
      }
      const mid = (pick: (result: WindowResult) => number): number => median(windows.map(pick));
      table.push({
        writers,
        'ok/s': Math.round(mid((r) => r.okPerSecond)),
        'ok/s (windows)': windows.map((r) => Math.round(r.okPerSecond)).join(' '),
        'app CPU µs/command': Math.round(mid((r) => r.cpuMicrosPerCommand)),
        'transactions/command': Number(mid((r) => r.commitsPerCommand).toFixed(3)),
        'rows inserted/command': Number(mid((r) => r.insertsPerCommand).toFixed(2)),
        'WAL records/command': Number(mid((r) => r.walRecordsPerCommand).toFixed(1)),
        'WAL bytes/command': Math.round(mid((r) => r.walBytesPerCommand)),
        'WAL flushes/command': Number(mid((r) => r.walSyncsPerCommand).toFixed(3)),
      });
    }
    console.log(
      `Deposits through the CommandBus to one account, median of ${WINDOWS} windows of ${WINDOW_MS} ms:`,
    );
    console.table(table);
  } finally {
    await admin.end();
    await hot.close();
    await bench.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
