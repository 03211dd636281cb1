/**
 * Do deposits keep their throughput over a long run? The whole app, started as in production
 * (as in http-deposits: authentication on with 512 tellers in turn, projections, outbox relay
 * and process managers on, access log at info) with RabbitMQ on (a fresh exchange
 * `bench.drift.<hex>` and a queue bound to `#` that takes every message, as a consumer would),
 * on a fresh schema of BENCH_URL, takes deposits from autocannon (32 connections, closed loop,
 * each request the next of the seeded accounts) for BENCH_DRIFT_SECONDS without a pause,
 * measured in consecutive windows of BENCH_DRIFT_WINDOW_SECONDS (a new autocannon run per
 * window: reopening its connections takes milliseconds).
 *
 * Per window: answered deposits/s and p99; CPU per answered deposit of the app process and of
 * all `postgres` processes (/proc; the machine's other database work included, and the whole
 * machine's busy share to tell); from PostgreSQL, for the tables of the app's schema: size
 * (pg_total_relation_size), live and dead tuples, vacuum and analyze counts (manual and auto),
 * and the buffers each table and index was accessed for (pg_statio_*) per deposit: the work
 * the database does per deposit, which grows when a scan walks more of a table or an index
 * than it did; the sequential scans per deposit and the rows each returned (a statement that
 * reads a whole table costs more as it grows); the outbox's pending messages and the
 * projections' lag at the window's end; the app's database sessions seen, and how many are new
 * (a new connection plans its prepared statements anew, on the tables as they are then).
 * Where each statement spends the time of the app's sessions: pg_stat_statements if the server
 * has it in shared_preload_libraries (changing that needs a restart, which a benchmark does
 * not do), and always a sampling profile of pg_stat_activity every BENCH_DRIFT_SAMPLE_MS
 * (the app's sessions only, told by their application_name): µs of session time per deposit,
 * by statement and by wait event.
 *
 * Verdict: the last minute's deposits/s ÷ the first minute's (the windows within the first
 * and the last 60 s), goal within 0.9-1.1. Correctness: every deposit answered 2xx is one event in the
 * store, and at the end the projections and the relay catch up.
 *
 *   npm run bench -- deposit-drift            (about 6-7 minutes with the defaults; part of npm run bench)
 *   BENCH_DRIFT_SECONDS=300 BENCH_DRIFT_WINDOW_SECONDS=30 BENCH_DRIFT_WARMUP_SECONDS=5
 *   BENCH_DRIFT_CONNECTIONS=32 BENCH_DRIFT_POOL=16 BENCH_DRIFT_ACCOUNTS=1000
 *   BENCH_DRIFT_SAMPLE_MS=100; broker BENCH_AMQP_URL (see support/bench-broker.ts).
 *   DATABASE_ANALYZE=off: the app keeps no statistics itself (by default it does where the
 *   server's autovacuum is off), to see what the server's own statistics make of the run.
 *   BENCH_DRIFT_ANALYZE=1 (diagnosis only, not the goal's set-up): ANALYZE the schema's tables
 *   before the first window and between windows, as autovacuum's autoanalyze would on a server
 *   that runs it: fresh statistics, and the plans the sessions cached for those tables remade.
 * The schema, the exchanges and their queues are deleted at the end, even on failure.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { Client } from 'pg';
import {
  ActivityProfile,
  IDLE_IN_TRANSACTION,
  startActivitySampler,
} from './drift/activity-sampler';
import { SchemaSnapshot, snapshotSchema } from './drift/schema-statistics';
import { openStatementStatistics, StatementFigures } from './drift/statement-statistics';
import { openBrokerScope } from './freshness/broker-scope';
import { cpuBetween, readCpu } from './freshness/cpu-usage';
import { depositRequest } from './http/deposit-request';
import { createBenchSchema, startLedgerlineApp } from './http/ledgerline-app';
import {
  projectionViews,
  seedAccounts,
  waitForBacklog,
  waitForBroker,
} from './http/ledgerline-client';
import { snapshotUsage, usageBetween } from './http/proc-usage';
import { runTaggedLoad, TaggedLoadResult } from './http/tagged-load';
import { openBenchAuth } from './support/bench-auth';
import { BENCH_AMQP_URL } from './support/bench-broker';
import { BENCH_URL } from './support/bench-database';
import { cleanUp } from './support/clean-up';
import { positiveInteger } from './support/env-settings';
import { verdict } from './support/goal-verdict';

const SECONDS = positiveInteger('BENCH_DRIFT_SECONDS', 300);
const WINDOW_SECONDS = positiveInteger('BENCH_DRIFT_WINDOW_SECONDS', 30);
const WARM_UP_SECONDS = positiveInteger('BENCH_DRIFT_WARMUP_SECONDS', 5);
const CONNECTIONS = positiveInteger('BENCH_DRIFT_CONNECTIONS', 32);
const POOL_SIZE = positiveInteger('BENCH_DRIFT_POOL', 16);
const ACCOUNTS = positiveInteger('BENCH_DRIFT_ACCOUNTS', 1000);
const SAMPLE_MS = positiveInteger('BENCH_DRIFT_SAMPLE_MS', 100);
/** Diagnosis only: the schema's statistics kept fresh between windows by the benchmark. */
const ANALYZE_BETWEEN = process.env.BENCH_DRIFT_ANALYZE === '1';
const DIAGNOSIS = " [diagnosis set-up (BENCH_DRIFT_ANALYZE=1), not the goal's]";
/**
 * The goal: the last minute's deposits/s within 10 % of the first minute's, either way. A last
 * minute much faster than the first is no steadier than one much slower: the first minute was
 * then the slow one, and a slowdown later in the run would hide behind it.
 */
const GOAL_LAST_VS_FIRST = { atLeast: 0.9, atMost: 1.1 };
const GOAL_SPAN_SECONDS = 60;
/** Deposits only: any opening balance will do. */
const OPENING_BALANCE = 1_000;
/** Rows shown in the summary's tables of relations and statements. */
const TOP = 8;

/** What one window measured. */
interface Window {
  readonly index: number;
  readonly startS: number;
  readonly endS: number;
  readonly load: TaggedLoadResult;
  readonly appPercent: number;
  readonly postgresPercent: number;
  readonly machinePercent: number | undefined;
  readonly before: SchemaSnapshot;
  readonly after: SchemaSnapshot;
  readonly activity: ActivityProfile;
  /** pg_stat_statements' deltas by queryid, when the server has it. */
  readonly statements: ReadonlyMap<string, StatementFigures> | undefined;
  readonly outboxPending: number;
  readonly projectionLag: number;
}

const round = (value: number, digits = 0) => Number(value.toFixed(digits));
const deposits = (window: Window) => window.load.result['2xx'];
/** ms of CPU per answered deposit from a share of one core over the window. */
const cpuMsPerDeposit = (window: Window, percent: number) =>
  (10 * percent) / window.load.okPerSecond;

/** Buffers each relation (table: heap and TOAST; index) was accessed for in the window. */
function buffersByRelation(window: Window): Map<string, number> {
  const result = new Map<string, number>();
  for (const [name, after] of window.after.tables) {
    result.set(name, after.heapBuffers - (window.before.tables.get(name)?.heapBuffers ?? 0));
  }
  for (const [name, after] of window.after.indexes) {
    result.set(`${name} (index)`, after.buffers - (window.before.indexes.get(name)?.buffers ?? 0));
  }
  return result;
}

/**
 * Rows the window's scans read, by relation: those a table's sequential scans returned (every
 * row visible to them, before any filter), an index's entries returned by its scans.
 */
function rowsReadByRelation(window: Window): Map<string, number> {
  const result = new Map<string, number>();
  for (const [name, after] of window.after.tables) {
    const before = window.before.tables.get(name);
    result.set(`${name} (seq scans)`, after.seqTuplesRead - (before?.seqTuplesRead ?? 0));
  }
  for (const [name, after] of window.after.indexes) {
    result.set(
      `${name} (index)`,
      after.entriesRead - (window.before.indexes.get(name)?.entriesRead ?? 0),
    );
  }
  return result;
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

/**
 * µs of the app's sessions' time per deposit from a number of samples: each sample stands for
 * the window's time divided by the samples taken in it.
 */
const sampledMicrosPerDeposit = (window: Window, samples: number) =>
  (((samples * window.activity.seconds) / Math.max(1, window.activity.ticks)) * 1e6) /
  deposits(window);

async function main(): Promise<void> {
  const opened: (() => Promise<unknown>)[] = [];
  const failures: string[] = [];
  try {
    const admin = new Client({ connectionString: BENCH_URL });
    await admin.connect();
    opened.push(() => admin.end());
    const schema = await createBenchSchema(admin, 'drift');
    opened.push(() => admin.query(`DROP SCHEMA ${schema} CASCADE`));
    const auth = await openBenchAuth();
    opened.push(() => auth.remove());
    const tellers = await auth.principals('teller');
    // Deleted after the app has stopped (pushed first, so it runs last): else the app's
    // consumer channel declares its queue again.
    const broker = await openBrokerScope(BENCH_AMQP_URL, 'drift');
    opened.push(() => broker.delete());
    // The sampler tells the app's sessions from any other session of the database by it.
    const applicationName = `bench-drift-${randomBytes(3).toString('hex')}`;
    const app = await startLedgerlineApp({
      auth,
      schema,
      poolSize: POOL_SIZE,
      env: {
        AMQP_URL: BENCH_AMQP_URL,
        AMQP_EXCHANGE: broker.exchange,
        DATABASE_APPLICATION_NAME: applicationName,
      },
    });
    opened.push(() => app.stop());
    await waitForBroker(app.baseUrl, auth.admin);

    const settings = await admin.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings
        WHERE name IN ('autovacuum', 'autovacuum_naptime', 'autovacuum_vacuum_scale_factor',
                       'autovacuum_vacuum_insert_scale_factor', 'shared_buffers', 'server_version')
        ORDER BY name`,
    );
    console.log(
      `PostgreSQL: ${settings.rows.map((row) => `${row.name}=${row.setting}`).join(', ')}; ` +
        `the app's DATABASE_ANALYZE=${process.env.DATABASE_ANALYZE ?? 'auto'}`,
    );
    const statementStatistics = await openStatementStatistics(admin);
    if (typeof statementStatistics === 'string') {
      console.log(`${statementStatistics}: the sampling profile of pg_stat_activity stands in`);
    } else {
      opened.push(() => statementStatistics.close());
    }

    const seeding = Date.now();
    const accounts = await seedAccounts(app.baseUrl, tellers, ACCOUNTS, OPENING_BALANCE);
    await waitForBacklog(app.baseUrl, auth.admin);
    console.log(
      `seeded ${accounts.length} accounts through the API in ${((Date.now() - seeding) / 1000).toFixed(1)} s; ` +
        `${CONNECTIONS} connections, pool of ${POOL_SIZE}, ${WARM_UP_SECONDS} s warm-up, then ` +
        `${SECONDS} s of deposits in windows of ${WINDOW_SECONDS} s, pg_stat_activity sampled ` +
        `every ${SAMPLE_MS} ms; ${cpus().length} cores` +
        (ANALYZE_BETWEEN ? `; the schema ANALYZEd between windows${DIAGNOSIS}` : ''),
    );

    let rotation = 0;
    const answered: string[] = [];
    let loads = 0;
    const load = (tag: string, seconds: number) => {
      loads++;
      return runTaggedLoad({
        url: app.baseUrl,
        connections: CONNECTIONS,
        seconds,
        tag,
        headers: tellers,
        // The account is taken first, then the amount from the rotation it advanced.
        build: (ref) =>
          depositRequest(accounts[rotation++ % accounts.length], 100 + (rotation % 900), ref),
      });
    };
    const checkLoad = (what: string, outcome: TaggedLoadResult) => {
      answered.push(...outcome.answered);
      const { non2xx, errors, timeouts } = outcome.result;
      if (non2xx + errors + timeouts > 0) {
        failures.push(
          `${what}: ${non2xx} non-2xx ${JSON.stringify(outcome.failures)}, ${errors} errors, ` +
            `${timeouts} timeouts; first: ${outcome.firstFailure ?? '-'}`,
        );
      }
    };
    checkLoad('warm-up', await load('dw', WARM_UP_SECONDS));

    const samplerClient = new Client({ connectionString: BENCH_URL });
    await samplerClient.connect();
    opened.push(() => samplerClient.end());
    const sampler = startActivitySampler(samplerClient, applicationName, SAMPLE_MS);
    opened.push(() => sampler.stop());

    if (ANALYZE_BETWEEN) await analyzeSchema(admin, schema);
    const windows: Window[] = [];
    const runStarted = Date.now();
    let statementsBefore =
      typeof statementStatistics === 'string' ? undefined : await statementStatistics.snapshot();
    let schemaBefore = await snapshotSchema(admin, schema);
    let usageBefore = snapshotUsage({ app: app.pid });
    let cpuBefore = readCpu(app.pid);
    sampler.take(); // what it sampled so far belongs to no window
    for (let index = 1; (index - 1) * WINDOW_SECONDS < SECONDS; index++) {
      const startS = (Date.now() - runStarted) / 1000;
      const seconds = Math.min(WINDOW_SECONDS, SECONDS - (index - 1) * WINDOW_SECONDS);
      const outcome = await load(`d${index}`, seconds);
      // Read right away: the next window's load starts when these have been taken.
      const usageAfter = snapshotUsage({ app: app.pid });
      const cpuAfter = readCpu(app.pid);
      const activity = sampler.take();
      const endS = (Date.now() - runStarted) / 1000;
      const schemaAfter = await snapshotSchema(admin, schema);
      const statementsAfter =
        typeof statementStatistics === 'string' ? undefined : await statementStatistics.snapshot();
      const pending = await admin.query<{ pending: number }>(
        `SELECT count(*)::int AS pending FROM ${schema}.es_outbox WHERE status <> 'published'`,
      );
      const lag = sum(
        (await projectionViews(app.baseUrl, auth.admin)).map((view) => view.lag.events),
      );
      checkLoad(`window ${index}`, outcome);
      const usage = usageBetween(usageBefore, usageAfter);
      const window: Window = {
        index,
        startS,
        endS,
        load: outcome,
        appPercent: usage.percent.app,
        postgresPercent: usage.percent.postgres,
        machinePercent: cpuBetween(cpuBefore, cpuAfter, cpus().length)?.machinePercent,
        before: schemaBefore,
        after: schemaAfter,
        activity,
        statements:
          statementsBefore && statementsAfter
            ? statementDeltas(statementsBefore, statementsAfter)
            : undefined,
        outboxPending: pending.rows[0].pending,
        projectionLag: lag,
      };
      windows.push(window);
      printWindow(window);
      // Its reads of the tables belong to no window.
      if (ANALYZE_BETWEEN) await analyzeSchema(admin, schema);
      schemaBefore = ANALYZE_BETWEEN ? await snapshotSchema(admin, schema) : schemaAfter;
      statementsBefore = statementsAfter;
      usageBefore = snapshotUsage({ app: app.pid });
      cpuBefore = readCpu(app.pid);
    }
    await sampler.stop();

    const settleSeconds = await waitForBacklog(app.baseUrl, auth.admin);
    failures.push(...(await checkEvents(admin, schema, answered, CONNECTIONS * loads)));
    printSummary(windows, settleSeconds);
    if (failures.length > 0) throw new Error(`INVALID RUN:\n  ${failures.join('\n  ')}`);
  } finally {
    await cleanUp(opened);
  }
}

/** ANALYZE every table of `schema` (one statement); prints how long it took. */
async function analyzeSchema(admin: Client, schema: string): Promise<void> {
  const { rows } = await admin.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, relname) AS name FROM pg_stat_user_tables
      WHERE schemaname = $1`,
    [schema],
  );
  const started = Date.now();
  await admin.query(`ANALYZE ${rows.map((row) => row.name).join(', ')}`);
  console.log(`ANALYZE of ${rows.length} tables: ${Date.now() - started} ms`);
}

function statementDeltas(
  before: ReadonlyMap<string, StatementFigures>,
  after: ReadonlyMap<string, StatementFigures>,
): Map<string, StatementFigures> {
  const result = new Map<string, StatementFigures>();
  for (const [id, figures] of after) {
    const earlier = before.get(id);
    const calls = figures.calls - (earlier?.calls ?? 0);
    if (calls <= 0) continue;
    result.set(id, {
      query: figures.query,
      calls,
      totalMs: figures.totalMs - (earlier?.totalMs ?? 0),
      buffers: figures.buffers - (earlier?.buffers ?? 0),
    });
  }
  return result;
}

/** The `count` largest entries of `map` by value. */
const largest = <K>(map: ReadonlyMap<K, number>, count: number) =>
  [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);

/** One window as it ends: its figures and where the database's sessions spent its time. */
function printWindow(window: Window): void {
  const buffers = sum(buffersByRelation(window).values()) / deposits(window);
  console.log(
    `\nwindow ${window.index} (${window.startS.toFixed(0)}-${window.endS.toFixed(0)} s): ` +
      `${Math.round(window.load.okPerSecond)} deposits/s, p99 ${window.load.p99Ms} ms; CPU per ` +
      `deposit: app ${cpuMsPerDeposit(window, window.appPercent).toFixed(2)} ms, PostgreSQL ` +
      `${cpuMsPerDeposit(window, window.postgresPercent).toFixed(2)} ms; ${buffers.toFixed(0)} ` +
      `buffers per deposit; outbox pending ${window.outboxPending}, projections' lag ` +
      `${window.projectionLag} events`,
  );
  const { ticks } = window.activity;
  const sampled = largest(window.activity.statements, 5)
    .map(
      ([statement, samples]) =>
        `  ${sampledMicrosPerDeposit(window, samples).toFixed(0).padStart(5)} µs/deposit ` +
        `(${(samples / ticks).toFixed(2)} sessions) ${statement}`,
    )
    .join('\n');
  const waits = largest(window.activity.waits, 5)
    .map(([wait, samples]) => `${wait} ${(samples / ticks).toFixed(2)}`)
    .join(', ');
  console.log(`sessions' time by statement (${ticks} samples):\n${sampled}`);
  console.log(`  active sessions by wait: ${waits}`);
  if (window.statements) {
    const top = largest(
      new Map([...window.statements.values()].map((s) => [s.query, s.totalMs])),
      5,
    );
    console.log(
      'pg_stat_statements, by total time:\n' +
        top
          .map(
            ([query, ms]) =>
              `  ${((ms * 1000) / deposits(window)).toFixed(0).padStart(5)} µs/deposit ${query}`,
          )
          .join('\n'),
    );
  }
}

function printSummary(windows: readonly Window[], settleSeconds: number): void {
  const label = (window: Window) => `w${window.index}`;
  console.log(
    `\nDeposits over ${SECONDS} s in windows of ${WINDOW_SECONDS} s (${CONNECTIONS} connections); ` +
      'CPU in ms per answered deposit; buffers: shared buffers the tables and indexes of the ' +
      `app's schema were accessed for, per deposit; dead: dead tuples of the schema at the end; ` +
      "sessions: the app's database sessions seen (new: not seen in an earlier window):",
  );
  console.table(
    windows.map((window) => {
      const buffers = sum(buffersByRelation(window).values());
      return {
        window: label(window),
        's (end)': Math.round(window.endS),
        'deposits/s': Math.round(window.load.okPerSecond),
        'p99 ms': window.load.p99Ms,
        'app ms': round(cpuMsPerDeposit(window, window.appPercent), 2),
        'postgres ms': round(cpuMsPerDeposit(window, window.postgresPercent), 2),
        'postgres %': Math.round(window.postgresPercent),
        'machine %': window.machinePercent === undefined ? '-' : Math.round(window.machinePercent),
        'buffers/dep': Math.round(buffers / deposits(window)),
        'schema MB': round(
          sum([...window.after.tables.values()].map((t) => t.totalBytes)) / 2 ** 20,
          1,
        ),
        dead: sum([...window.after.tables.values()].map((t) => t.dead)),
        'outbox pending': window.outboxPending,
        'sessions (new)': `${window.activity.sessions} (${window.activity.newSessions})`,
      };
    }),
  );

  printPerDeposit(
    'Buffers accessed per deposit, by relation (the most accessed):',
    windows,
    windows.map(buffersByRelation),
  );
  printPerDeposit(
    'Rows read per deposit, by relation: tuples of sequential scans, entries of index scans:',
    windows,
    windows.map(rowsReadByRelation),
  );

  // A statement that reads a whole table on every call costs more as the table grows.
  const scannedTables = [...windows[windows.length - 1].after.tables.values()]
    .filter(
      (table) =>
        table.seqTuplesRead > (windows[0].before.tables.get(table.table)?.seqTuplesRead ?? 0),
    )
    .map((table) => table.table);
  console.log(
    'Sequential scans of the tables that had any with rows, per 100 deposits, and the rows each ' +
      'returned before its filter (every row visible to it: the whole table, dead versions not counted):',
  );
  console.table(
    scannedTables.flatMap((name) => {
      const scans: Record<string, string | number> = { table: name, figure: 'scans/100 dep' };
      const rows: Record<string, string | number> = { table: '', figure: 'rows/scan' };
      for (const window of windows) {
        const after = window.after.tables.get(name);
        const before = window.before.tables.get(name);
        const count = (after?.seqScans ?? 0) - (before?.seqScans ?? 0);
        const read = (after?.seqTuplesRead ?? 0) - (before?.seqTuplesRead ?? 0);
        scans[label(window)] = round((100 * count) / deposits(window), 1);
        rows[label(window)] = count > 0 ? Math.round(read / count) : '-';
      }
      return [scans, rows];
    }),
  );

  // Tables that changed in the run: the event store's, the read models', the process managers'.
  const last = windows[windows.length - 1];
  const first = windows[0];
  const changed = [...last.after.tables.values()]
    .filter((table) => {
      const start = first.before.tables.get(table.table);
      return (
        table.inserted + table.updated + table.deleted >
        (start ? start.inserted + start.updated + start.deleted : 0)
      );
    })
    .sort((a, b) => b.totalBytes - a.totalBytes)
    .map((table) => table.table);
  console.log(
    'Tables written in the run: size (MB) and dead tuples at the end of each window; live ' +
      'tuples, updates (HOT) and vacuums/analyzes (auto) in the run:',
  );
  console.table(
    changed.flatMap((name) => {
      const size: Record<string, string | number> = { table: name, figure: 'MB' };
      const dead: Record<string, string | number> = { table: '', figure: 'dead' };
      for (const window of windows) {
        const figures = window.after.tables.get(name);
        size[label(window)] = round((figures?.totalBytes ?? 0) / 2 ** 20, 1);
        dead[label(window)] = figures?.dead ?? 0;
      }
      const end = last.after.tables.get(name);
      const start = first.before.tables.get(name);
      if (end) {
        size.live = end.live;
        size['upd (HOT)'] =
          `${end.updated - (start?.updated ?? 0)} (${end.hotUpdated - (start?.hotUpdated ?? 0)})`;
        size['vac/an (auto)'] =
          `${end.vacuums + end.autovacuums}/${end.analyzes + end.autoanalyzes} ` +
          `(${end.autovacuums}/${end.autoanalyzes})`;
      }
      return [size, dead];
    }),
  );

  const sampledStatements = largest(
    sumMaps(windows.map((window) => window.activity.statements)),
    TOP,
  ).map(([statement]) => statement);
  console.log(
    `Time of the app's database sessions per deposit, µs, by statement (pg_stat_activity ` +
      `sampled every ${SAMPLE_MS} ms; ${IDLE_IN_TRANSACTION}: the app's time inside a transaction):`,
  );
  console.table(
    sampledStatements.map((statement) => {
      const row: Record<string, string | number> = { statement: statement.slice(0, 70) };
      for (const window of windows) {
        row[label(window)] = Math.round(
          sampledMicrosPerDeposit(window, window.activity.statements.get(statement) ?? 0),
        );
      }
      return row;
    }),
  );
  if (windows.every((window) => window.statements)) {
    const byQuery = (window: Window) =>
      sumMaps([new Map([...(window.statements?.values() ?? [])].map((s) => [s.query, s.totalMs]))]);
    const queries = largest(sumMaps(windows.map(byQuery)), TOP).map(([query]) => query);
    console.log('pg_stat_statements: execution time per deposit, µs:');
    console.table(
      queries.map((query) => {
        const row: Record<string, string | number> = { statement: query.slice(0, 70) };
        for (const window of windows) {
          row[label(window)] = Math.round(
            ((byQuery(window).get(query) ?? 0) * 1000) / deposits(window),
          );
        }
        return row;
      }),
    );
  }
  console.log(
    `after the run the projections and the relay caught up in ${settleSeconds.toFixed(1)} s`,
  );

  const rateOver = (chosen: readonly Window[]) =>
    sum(chosen.map(deposits)) / sum(chosen.map((window) => window.load.result.duration));
  const total = windows[windows.length - 1].endS;
  const firstMinute = windows.filter((window) => window.startS < GOAL_SPAN_SECONDS);
  const lastMinute = windows.filter((window) => window.endS > total - GOAL_SPAN_SECONDS);
  const ratio = rateOver(lastMinute) / rateOver(firstMinute);
  console.log(
    `goal ${verdict(ratio, GOAL_LAST_VS_FIRST.atLeast, GOAL_LAST_VS_FIRST.atMost)}: ` +
      `last minute's deposits/s (${Math.round(rateOver(lastMinute))}, ` +
      `${lastMinute.map(label).join('+')}) ÷ first minute's (${Math.round(rateOver(firstMinute))}, ` +
      `${firstMinute.map(label).join('+')}); windows: ` +
      windows.map((window) => Math.round(window.load.okPerSecond)).join(', ') +
      ' deposits/s' +
      (ANALYZE_BETWEEN ? DIAGNOSIS : '') +
      (total < 2 * GOAL_SPAN_SECONDS ? ' (a run under 2 minutes: the minutes overlap)' : ''),
  );
}

/**
 * A table of `counts` (one map per window, by relation) per deposit of each window: the TOP
 * relations by their highest figure.
 */
function printPerDeposit(
  title: string,
  windows: readonly Window[],
  counts: readonly ReadonlyMap<string, number>[],
): void {
  const perDeposit = counts.map(
    (map, index) =>
      new Map([...map].map(([name, count]) => [name, count / deposits(windows[index])])),
  );
  const names = new Set(perDeposit.flatMap((map) => [...map.keys()]));
  const highest = new Map(
    [...names].map((name) => [name, Math.max(...perDeposit.map((map) => map.get(name) ?? 0))]),
  );
  console.log(title);
  console.table(
    largest(highest, TOP).map(([name]) => {
      const row: Record<string, string | number> = { relation: name };
      windows.forEach((window, index) => {
        row[`w${window.index}`] = round(perDeposit[index].get(name) ?? 0, 1);
      });
      return row;
    }),
  );
}

function sumMaps(maps: readonly ReadonlyMap<string, number>[]): Map<string, number> {
  const total = new Map<string, number>();
  for (const map of maps) {
    for (const [key, value] of map) total.set(key, (total.get(key) ?? 0) + value);
  }
  return total;
}

/**
 * Every reference answered 2xx is one MoneyDeposited event; an event without an answer can
 * only be a request in flight when a load's time was up (at most `cutLimit`).
 */
async function checkEvents(
  admin: Client,
  schema: string,
  answered: readonly string[],
  cutLimit: number,
): Promise<string[]> {
  const { rows } = await admin.query<{ ref: string }>(
    `SELECT split_part(data->>'reference', ' ', 1) AS ref FROM ${schema}.es_events
      WHERE type = 'MoneyDeposited' AND data->>'reference' ~ '^d(w|[0-9]+)-[0-9]+ '`,
  );
  const counts = new Map<string, number>();
  for (const { ref } of rows) counts.set(ref, (counts.get(ref) ?? 0) + 1);
  const answeredSet = new Set(answered);
  const missing = answered.filter((ref) => !counts.has(ref)).length;
  const duplicated = [...counts.values()].filter((count) => count > 1).length;
  const unanswered = [...counts.keys()].filter((ref) => !answeredSet.has(ref)).length;
  console.log(
    `\n${answered.length} deposits answered 2xx, ${rows.length} in the store: ${missing} ` +
      `missing, ${duplicated} duplicated, ${unanswered} committed without an answer`,
  );
  const problems: string[] = [];
  if (missing > 0) problems.push(`${missing} answered deposits are not in the store`);
  if (duplicated > 0) problems.push(`${duplicated} deposits are in the store more than once`);
  if (unanswered > cutLimit) {
    problems.push(`${unanswered} unanswered deposits committed, more than were in flight`);
  }
  return problems;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
