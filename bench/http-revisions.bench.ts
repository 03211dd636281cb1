/**
 * HTTP deposits through the whole app, this build against another revision's build, with
 * every app process alive for the whole run and loaded one at a time in short windows: the
 * way to tell a small regression from the drift of a machine whose speed wanders by ±20 % over
 * minutes (two runs of http-deposits minutes apart compare that drift as much as the code).
 *
 * Three app processes, each dist/src/main.js as production starts it (authentication on, the
 * tokens of 512 tellers in turn, rate limits beyond reach; projections, outbox relay and
 * process managers running; no AMQP_URL; LOG_LEVEL=error), each on a fresh database of its
 * own on BENCH_URL's server (a database, not a schema: the commit wake-ups of a revision that
 * does not name its schema would wake the other processes during its windows), seeded through the API with BENCH_REV_ACCOUNTS accounts and settled by a
 * BENCH_REV_SETTLE_SECONDS load of deposits, then vacuumed:
 *   - base: the build in BENCH_REV_BASE (the root of another checkout, built: its
 *     dist/src/main.js), e.g. a git worktree of the previous revision
 *     (bench/compare-revisions.sh makes one and builds it);
 *   - this: this build;
 *   - control: this build again, in another process: what two identical processes differ by
 *     on this machine, the floor under the comparison.
 * Then RUNS cycles: in each, every process in turn (alternating order) gets a warm-up of
 * BENCH_REV_WARMUP_SECONDS and a measured window of BENCH_REV_SECONDS of as many deposits as
 * it answers (BENCH_REV_CONNECTIONS connections, POST /accounts/:id/deposits, each request
 * the next seeded account), then is drained of its backlog before the next window.
 *
 * Reported per process, medians over the cycles: 2xx req/s, p50 and p99, the app's CPU per
 * request and its own PostgreSQL backends' CPU per request (from /proc); and for `this` and
 * `control`, the median over the cycles of each window's ratio to its own cycle's `base`
 * window, with the range. Correctness: no non-2xx or connection error; every deposit answered
 * 2xx is in its event log exactly once.
 *
 *   BENCH_REV_BASE=<checkout> npm run bench -- http-revisions
 *   BENCH_REV_SECONDS=8 BENCH_REV_WARMUP_SECONDS=2 BENCH_REV_CONNECTIONS=32 BENCH_REV_POOL=16
 *   BENCH_REV_ACCOUNTS=1000 BENCH_REV_SETTLE_SECONDS=10 RUNS=8 BENCH_REV_RELAY=on by default
 *   (about 8 minutes on 2 cores).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { seedAccounts, waitForBacklog } from './http/ledgerline-client';
import { snapshotUsage, usageBetween } from './http/proc-usage';
import { backendsOf } from './http/server-backends';
import { ServerProcess, startServer } from './http/start-server';
import { runTaggedLoad, TaggedLoadResult } from './http/tagged-load';
import { openBenchAuth } from './support/bench-auth';
import { BENCH_URL, median } from './support/bench-database';
import { cleanUp } from './support/clean-up';
import { positiveInteger } from './support/env-settings';

const SECONDS = positiveInteger('BENCH_REV_SECONDS', 8);
const WARM_UP_SECONDS = positiveInteger('BENCH_REV_WARMUP_SECONDS', 2);
const CONNECTIONS = positiveInteger('BENCH_REV_CONNECTIONS', 32);
const POOL_SIZE = positiveInteger('BENCH_REV_POOL', 16);
const ACCOUNTS = positiveInteger('BENCH_REV_ACCOUNTS', 1000);
const SETTLE_SECONDS = positiveInteger('BENCH_REV_SETTLE_SECONDS', 10);
const RUNS = positiveInteger('RUNS', 8);
const OPENING_BALANCE = 1_000_000;
const REFERENCE_TAIL = 'invoice 2026-11-14, counterparty DE89 3704 0044 0532 0130 00';
const THIS_MAIN = join(__dirname, '..', 'src', 'main.js');
/**
 * BENCH_REV_RELAY=off: no outbox relay in any process (outbox rows are still written with
 * every append): compares the request path and the projections alone, when one revision's
 * relay has a problem of its own that would swamp the comparison.
 */
const RELAY = process.env.BENCH_REV_RELAY !== 'off';

type Key = 'base' | 'this' | 'control';

/** One app process under comparison, on a database of its own. */
interface Contender {
  readonly key: Key;
  readonly letter: string;
  /** Connected to its database, for the checks. */
  readonly database: Client;
  readonly server: ServerProcess;
  readonly accounts: readonly string[];
  readonly answeredRefs: string[];
  rotation: number;
  loads: number;
}

/** One measured window. */
interface Window {
  readonly load: TaggedLoadResult;
  readonly appUsPerRequest: number;
  readonly pgUsPerRequest: number;
}

const round = (value: number, digits = 0) => Number(value.toFixed(digits));

function baseMain(): string {
  const base = process.env.BENCH_REV_BASE;
  if (!base) throw new Error('BENCH_REV_BASE: the root of the other revision, built');
  const main = join(resolve(base), 'dist', 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build that checkout first`);
  return main;
}

async function main(): Promise<void> {
  const opened: (() => Promise<unknown>)[] = [];
  const failures: string[] = [];
  try {
    const scripts: Record<Key, string> = {
      base: baseMain(),
      this: THIS_MAIN,
      control: THIS_MAIN,
    };
    const admin = new Client({ connectionString: BENCH_URL });
    await admin.connect();
    opened.push(() => admin.end());
    const auth = await openBenchAuth();
    opened.push(() => auth.remove());
    const tellers = await auth.principals('teller');
    const runId = randomBytes(3).toString('hex');

    const load = async (contender: Contender, tag: string, seconds: number) => {
      contender.loads++;
      const outcome = await runTaggedLoad({
        url: contender.server.baseUrl,
        connections: CONNECTIONS,
        seconds,
        tag,
        headers: tellers,
        build: (ref) => ({
          path: `/accounts/${contender.accounts[contender.rotation++ % contender.accounts.length]}/deposits`,
          body: JSON.stringify({
            amount: 100 + (contender.rotation % 900),
            reference: `${ref} ${REFERENCE_TAIL}`,
            channel: 'online',
          }),
        }),
      });
      contender.answeredRefs.push(...outcome.answered);
      const { non2xx, errors, timeouts } = outcome.result;
      if (non2xx + errors + timeouts > 0)
        failures.push(
          `${contender.key} ${tag}: ${non2xx} non-2xx, ${errors} errors, ${timeouts} timeouts; ` +
            `first: ${outcome.firstFailure ?? '-'}`,
        );
      return outcome;
    };

    const contenders: Contender[] = [];
    for (const key of ['base', 'this', 'control'] as const) {
      const name = `bench_rev_${runId}_${key}`;
      await admin.query(`CREATE DATABASE ${name}`);
      opened.push(() => admin.query(`DROP DATABASE ${name} WITH (FORCE)`));
      const url = new URL(BENCH_URL);
      url.pathname = `/${name}`;
      const database = new Client({ connectionString: url.toString() });
      await database.connect();
      opened.push(() => database.end());
      const server = await startServer({
        name: `app-${key}`,
        script: scripts[key],
        readyPath: '/health',
        env: {
          PATH: process.env.PATH ?? '',
          NO_COLOR: '1',
          DATABASE_URL: url.toString(),
          DATABASE_POOL_SIZE: String(POOL_SIZE),
          PII_MASTER_KEY: randomBytes(32).toString('base64'),
          LOG_LEVEL: 'error',
          ...(RELAY ? {} : { OUTBOX_RELAY: 'off' }),
          ...auth.env,
        },
      });
      opened.push(() => server.stop());
      const contender: Contender = {
        key,
        letter: key[0],
        database,
        server,
        accounts: await seedAccounts(server.baseUrl, tellers, ACCOUNTS, OPENING_BALANCE),
        answeredRefs: [],
        rotation: 0,
        loads: 0,
      };
      contenders.push(contender);
      await load(contender, `${contender.letter}s`, SETTLE_SECONDS);
      await waitForBacklog(server.baseUrl, auth.admin, undefined, RELAY);
      // Seeding wrote most rows: their vacuum and statistics must not land in a window.
      await database.query('VACUUM (ANALYZE)');
    }
    console.log(
      `base: ${scripts.base}\n3 app processes, each on its own database with ${ACCOUNTS} accounts, ` +
        `settled by ${SETTLE_SECONDS} s of deposits; ${RUNS} cycles of ${WARM_UP_SECONDS} s ` +
        `warm-up + ${SECONDS} s per process, one loaded at a time; ${CONNECTIONS} connections, ` +
        `pools of ${POOL_SIZE}${RELAY ? '' : '; NO OUTBOX RELAY (BENCH_REV_RELAY=off)'}`,
    );

    const windows: Record<Key, Window[]> = { base: [], this: [], control: [] };
    for (let run = 1; run <= RUNS; run++) {
      const order = run % 2 === 1 ? [...contenders] : [...contenders].reverse();
      const line: string[] = [];
      for (const contender of order) {
        const { server } = contender;
        await load(contender, `${contender.letter}${run}w`, WARM_UP_SECONDS);
        const backends = await backendsOf(admin, server);
        const before = snapshotUsage({ app: server.pid });
        const measured = await load(contender, `${contender.letter}${run}m`, SECONDS);
        const usage = usageBetween(before, snapshotUsage({ app: server.pid }), { app: backends });
        await waitForBacklog(server.baseUrl, auth.admin, undefined, RELAY);
        // % of one core ÷ requests per second = CPU seconds per request (×10^4 for µs).
        const perRequest = (percent: number) => (10_000 * percent) / measured.okPerSecond;
        windows[contender.key].push({
          load: measured,
          appUsPerRequest: perRequest(usage.percent.app),
          pgUsPerRequest: perRequest(usage.percent['pg:app']),
        });
        line.push(`${contender.key} ${Math.round(measured.okPerSecond)} req/s`);
      }
      console.log(`cycle ${run}: ${line.join(', ')}`);
    }

    for (const contender of contenders)
      failures.push(
        ...(await checkEventLog(contender)).map((problem) => `${contender.key}: ${problem}`),
      );
    report(windows);
    if (failures.length > 0) throw new Error(`INVALID RUN:\n  ${failures.join('\n  ')}`);
  } finally {
    await cleanUp(opened);
  }
}

function report(windows: Record<Key, Window[]>): void {
  const metrics: [string, (w: Window) => number][] = [
    ['req/s', (w) => w.load.okPerSecond],
    ['p50 ms', (w) => w.load.p50Ms],
    ['p99 ms', (w) => w.load.p99Ms],
    ['app CPU µs/req', (w) => w.appUsPerRequest],
    ['its PostgreSQL µs/req', (w) => w.pgUsPerRequest],
  ];
  console.log(`\nHTTP deposits, medians of ${RUNS} cycles of ${SECONDS} s:`);
  console.table(
    (['base', 'this', 'control'] as const).map((key): Record<string, string | number> => ({
      process: key,
      ...Object.fromEntries(
        metrics.map(([name, pick]) => [name, round(median(windows[key].map(pick)), 1)]),
      ),
    })),
  );
  console.log(
    "Each window against its own cycle's base window (median over the cycles, and the range):",
  );
  console.table(
    (['this', 'control'] as const).map((key): Record<string, string> => ({
      'process ÷ base': key,
      ...Object.fromEntries(
        metrics.map(([name, pick]) => {
          const ratios = windows[key].map((w, index) => pick(w) / pick(windows.base[index]));
          const spread = `${round(Math.min(...ratios), 2)}-${round(Math.max(...ratios), 2)}`;
          return [name, `${round(median(ratios), 2)} (${spread})`];
        }),
      ),
    })),
  );
}

/** Every deposit answered 2xx is in the process's event log exactly once. */
async function checkEventLog(contender: Contender): Promise<string[]> {
  const { rows } = await contender.database.query<{ ref: string; copies: number }>(
    `SELECT split_part(data->>'reference', ' ', 1) AS ref, count(*)::int AS copies
       FROM es_events
      WHERE type = 'MoneyDeposited' AND data->>'reference' <> 'opening balance'
      GROUP BY 1`,
  );
  const stored = new Map(rows.map((row) => [row.ref, row.copies]));
  const missing = contender.answeredRefs.filter((ref) => !stored.has(ref)).length;
  const duplicated = rows.filter((row) => row.copies > 1).length;
  const answered = new Set(contender.answeredRefs);
  const unanswered = rows.filter((row) => !answered.has(row.ref)).length;
  const problems: string[] = [];
  if (missing + duplicated > 0) problems.push(`${missing} missing, ${duplicated} duplicated`);
  // A request in flight when a load's time is up is committed unanswered: one per connection.
  if (unanswered > CONNECTIONS * contender.loads)
    problems.push(`${unanswered} stored deposits nobody was answered for`);
  return problems;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
