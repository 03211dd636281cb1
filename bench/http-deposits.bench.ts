/**
 * HTTP deposits through the whole app vs the conventional design a bank's developer compares
 * it with (the CRUD baseline: a balance row updated under a row lock) and vs the bare Nest
 * INSERT endpoint, side by side in one run, under autocannon (in this process; HTTP/1.1
 * keep-alive, no pipelining).
 *
 * The three servers run as child processes on fresh schemas (created and dropped here) of
 * BENCH_URL, with pg pools of the same size:
 *   - our app, dist/src/main.js exactly as production starts it (helmet, JSON body limit,
 *     validation pipe, problem+json, Swagger; authentication: every request carries the bearer
 *     token of one of 512 tellers in turn (support/bench-auth.ts), verified against the local
 *     issuer's key in a key file of the benchmark's own, and counted by the rate limiter, whose
 *     limits are set beyond reach; projections,
 *     outbox relay and process managers running; no AMQP_URL, so integration messages are
 *     delivered in process; logging at info, one JSON access line per request, into a pipe
 *     that a log sink empties (http/log-sink.ts); metrics on);
 *   - the CRUD baseline, dist/bench/http/crud-baseline.server.js: NestFactory.create on the
 *     same adapter (Express), a global ValidationPipe with the app's options and a DTO with the
 *     constraints of the app's deposit body; POST /accounts/:id/deposits is one transaction of
 *     six round trips: BEGIN, SELECT … FOR UPDATE the account row, UPDATE its balance, INSERT a
 *     ledger entry (unique reference), INSERT an outbox row (the app's integration message for
 *     a deposit), COMMIT. No authentication, no relay for its outbox, no logging;
 *   - the bare server, dist/bench/http/bare-nest-insert.server.js: NestFactory.create on the
 *     same adapter, POST /events doing one INSERT of the ~300-byte JSON body.
 * The requests to the CRUD baseline and to the bare server carry the same Authorization header
 * as the app's (the same bytes on the wire); they ignore it.
 * Variants, each a 2 s warm-up (not counted) then the measured window, in alternating order:
 *   - deposits: POST /accounts/{id}/deposits, each request the next of the seeded accounts;
 *   - withdrawals: POST /accounts/{id}/withdrawals, amounts the opening balance covers;
 *   - bare: POST /events;
 *   - crud: POST /accounts/{id}/deposits on the CRUD baseline, the same requests as deposits.
 * Before the runs, BENCH_HTTP_ACCOUNTS accounts are opened through the API (customers, accounts,
 * an opening deposit), and the same account ids on the CRUD baseline through its own (an
 * account, an opening deposit); after each app variant the benchmark waits until the
 * projections and the outbox have caught up, so the next variant does not pay for its backlog.
 *
 * Reported: medians of RUNS runs of 2xx req/s, p50 and p99 (autocannon, ms), the non-2xx and
 * connection errors (must be 0); each variant's req/s and p99 ÷ those of the CRUD baseline and
 * of the bare endpoint, and a verdict per goal: deposits req/s ÷ CRUD req/s ≥ 1.0, deposits
 * p99 ÷ CRUD p99 ≤ 1.5, deposits req/s ÷ bare req/s ≥ 0.5. Then where the CPU went in each
 * measured window, from /proc, as % of one core and per answered request: the server under
 * load, the PostgreSQL backends of its own connections, all `postgres` processes (the
 * machine's other work included), this process (autocannon); and the server's write system
 * calls per request (about one per database round trip, plus the HTTP response).
 * The app's bodies are 100-120 bytes (its DTOs reject unknown fields); it stores each as an
 * event of about 400 bytes of JSON (data and metadata). The bare body is the ~260-byte deposit payload.
 * Correctness: every request carries a unique reference; each one answered 2xx must be in the
 * database exactly once (an event for the app, a ledger entry for the CRUD baseline, a row for
 * the bare server); a request committed without an answer can only be one in flight when a
 * run's time was up (at most one per connection per run), and the event counts by type must
 * add up. The CRUD baseline's books are checked after seeding, after each of its runs and at
 * the end: each account's balance is the sum of its ledger entries, and each entry has exactly
 * one outbox message, of its account, amount and version.
 *
 *   npm run bench -- http-deposits
 *   BENCH_HTTP_SECONDS=10 BENCH_HTTP_WARMUP_SECONDS=2 BENCH_HTTP_CONNECTIONS=32 BENCH_HTTP_POOL=16
 *   BENCH_HTTP_ACCOUNTS=1000 RUNS=3 by default (about 3 minutes on 2 cores);
 *   BENCH_HTTP_ASYNC_WORK=off (diagnosis only, not the goal's set-up) starts the app with
 *   PROJECTIONS, OUTBOX_RELAY and PROCESS_MANAGERS off, to see what the request path alone costs;
 *   BENCH_HTTP_PROFILE=1 also runs the servers under `node --cpu-prof` (slower: the figures
 *   are not comparable) and prints where each spent its CPU in the measured windows;
 *   BENCH_HTTP_PROFILE_DIR=<dir> keeps the profiles in a new folder in <dir> (default: a temporary
 *   folder, deleted at the end).
 * Needs the build: dist/src/main.js and dist/bench/http (npm run bench builds both).
 */
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { depositData } from './support/event-payload';
import { BENCH_URL, median } from './support/bench-database';
import {
  findProfile,
  printCategoryComparison,
  printProfileSummary,
  summariseProfile,
  TimeWindow,
} from './http/cpu-profile-summary';
import { depositRequest, REFERENCE_TAIL } from './http/deposit-request';
import { seedAccounts, waitForBacklog } from './http/ledgerline-client';
import { snapshotUsage, UsageBetween, usageBetween } from './http/proc-usage';
import { crudInvariants, seedCrudAccounts } from './http/crud-books';
import { backendsOf } from './http/server-backends';
import { benchServerEnv, createBenchSchema, startLedgerlineApp } from './http/ledgerline-app';
import { ServerProcess, startServer } from './http/start-server';
import { runTaggedLoad, TaggedLoadResult } from './http/tagged-load';
import { openBenchAuth } from './support/bench-auth';
import { cleanUp } from './support/clean-up';
import { positiveInteger } from './support/env-settings';
import { verdict } from './support/goal-verdict';

const SECONDS = positiveInteger('BENCH_HTTP_SECONDS', 10);
const WARM_UP_SECONDS = positiveInteger('BENCH_HTTP_WARMUP_SECONDS', 2);
const CONNECTIONS = positiveInteger('BENCH_HTTP_CONNECTIONS', 32);
const POOL_SIZE = positiveInteger('BENCH_HTTP_POOL', 16);
const ACCOUNTS = positiveInteger('BENCH_HTTP_ACCOUNTS', 1000);
const RUNS = positiveInteger('RUNS', 3);
const PROFILE = process.env.BENCH_HTTP_PROFILE === '1';
/** Diagnosis only: `off` runs the app without its background work, to see the request path alone. */
const ASYNC_WORK = process.env.BENCH_HTTP_ASYNC_WORK !== 'off';
/** Opening balance of each account: far more than all withdrawals of a run can take. */
const OPENING_BALANCE = 1_000_000_000;
const MAX_WITHDRAWAL = 500;

const BARE = join(__dirname, 'http', 'bare-nest-insert.server.js');
const CRUD = join(__dirname, 'http', 'crud-baseline.server.js');

type VariantKey = 'deposits' | 'withdrawals' | 'bare' | 'crud';
type ServerKey = 'app' | 'bare' | 'crud';
interface Variant {
  readonly key: VariantKey;
  readonly label: string;
  readonly server: ServerKey;
  /**
   * Event type written per request (app), or none (bare: a row of bare_events; crud: a ledger
   * entry and an outbox row).
   */
  readonly eventType?: 'MoneyDeposited' | 'MoneyWithdrawn';
}
const VARIANTS: readonly Variant[] = [
  {
    key: 'deposits',
    label: 'app POST /accounts/:id/deposits',
    server: 'app',
    eventType: 'MoneyDeposited',
  },
  {
    key: 'withdrawals',
    label: 'app POST /accounts/:id/withdrawals',
    server: 'app',
    eventType: 'MoneyWithdrawn',
  },
  { key: 'bare', label: 'bare Nest POST /events (1 INSERT)', server: 'bare' },
  {
    key: 'crud',
    label: 'CRUD POST /accounts/:id/deposits (row lock)',
    server: 'crud',
  },
];

/** The goals: Ledgerline's deposits against the conventional design, and against the floor. */
const GOAL_RATE_VS_CRUD = 1.0;
const GOAL_P99_VS_CRUD = 1.5;
const GOAL_RATE_VS_BARE = 0.5;

/** What one measured window gave. */
interface Measured {
  readonly load: TaggedLoadResult;
  readonly usage: UsageBetween;
  readonly settleSeconds?: number;
}

const round = (value: number, digits = 0) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const opened: (() => Promise<unknown>)[] = [];
  const failures: string[] = [];
  try {
    const admin = new Client({ connectionString: BENCH_URL });
    await admin.connect();
    opened.push(() => admin.end());
    const appSchema = await createBenchSchema(admin, 'app');
    opened.push(() => admin.query(`DROP SCHEMA ${appSchema} CASCADE`));
    const bareSchema = await createBenchSchema(admin, 'bare');
    opened.push(() => admin.query(`DROP SCHEMA ${bareSchema} CASCADE`));
    const crudSchema = await createBenchSchema(admin, 'crud');
    opened.push(() => admin.query(`DROP SCHEMA ${crudSchema} CASCADE`));
    const auth = await openBenchAuth();
    opened.push(() => auth.remove());
    const tellers = await auth.principals('teller');

    // A fresh folder each time: the summary expects one profile per server in it.
    const keptProfiles = process.env.BENCH_HTTP_PROFILE_DIR;
    const profileDir = PROFILE
      ? mkdtempSync(join(keptProfiles ?? tmpdir(), 'll-http-prof-'))
      : undefined;
    if (profileDir && !keptProfiles) {
      opened.push(() => rm(profileDir, { recursive: true, force: true }));
    }
    const profileArgs = (name: string) =>
      profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : [];
    const baseEnv = benchServerEnv();
    const servers: Record<ServerKey, ServerProcess> = {
      app: await startLedgerlineApp({
        auth,
        schema: appSchema,
        poolSize: POOL_SIZE,
        nodeArgs: profileArgs('app'),
        env: ASYNC_WORK ? {} : { PROJECTIONS: 'off', OUTBOX_RELAY: 'off', PROCESS_MANAGERS: 'off' },
      }),
      bare: await startServer({
        name: 'bare',
        script: BARE,
        nodeArgs: profileArgs('bare'),
        env: { ...baseEnv, DATABASE_SCHEMA: bareSchema, DATABASE_POOL_SIZE: String(POOL_SIZE) },
      }),
      crud: await startServer({
        name: 'crud',
        script: CRUD,
        nodeArgs: profileArgs('crud'),
        env: { ...baseEnv, DATABASE_SCHEMA: crudSchema, DATABASE_POOL_SIZE: String(POOL_SIZE) },
      }),
    };
    // Stopped in the clean-up, or earlier (a profile is only written at exit).
    opened.push(() => servers.app.stop());
    opened.push(() => servers.bare.stop());
    opened.push(() => servers.crud.stop());
    const pids = { app: servers.app.pid, bare: servers.bare.pid, crud: servers.crud.pid };

    const seeding = Date.now();
    const accounts = await seedAccounts(servers.app.baseUrl, tellers, ACCOUNTS, OPENING_BALANCE);
    if (ASYNC_WORK) await waitForBacklog(servers.app.baseUrl, auth.admin);
    console.log(
      `seeded ${accounts.length} accounts through the API in ${((Date.now() - seeding) / 1000).toFixed(1)} s`,
    );
    // The same account ids on the CRUD baseline, with the same opening balance.
    await seedCrudAccounts(servers.crud.baseUrl, accounts, OPENING_BALANCE);
    const seededBooks = await crudInvariants(admin, crudSchema, accounts.length);
    failures.push(...seededBooks.map((problem) => `crud after seeding: ${problem}`));

    let rotation = 0;
    const nextAccount = () => accounts[rotation++ % accounts.length];
    // The account first: the amount is taken from the rotation it advanced.
    const deposit = (ref: string) => depositRequest(nextAccount(), 100 + (rotation % 900), ref);
    const bodies: Record<VariantKey, (ref: string) => { path: string; body: string }> = {
      // The app and the CRUD baseline get the same requests.
      deposits: deposit,
      crud: deposit,
      withdrawals: (ref) => ({
        path: `/accounts/${nextAccount()}/withdrawals`,
        body: JSON.stringify({
          amount: 1 + (rotation % MAX_WITHDRAWAL),
          reference: `${ref} ${REFERENCE_TAIL}`,
        }),
      }),
      bare: (ref) => ({
        path: '/events',
        body: JSON.stringify({
          ...depositData(nextAccount(), 100 + (rotation % 900)),
          reference: ref,
        }),
      }),
    };
    console.log(
      `bodies: deposit (app and CRUD) ${bodies.deposits('d9m-99999').body.length} B, withdrawal ` +
        `${bodies.withdrawals('w9m-99999').body.length} B, bare ${bodies.bare('b9m-99999').body.length} B; ` +
        `${CONNECTIONS} connections, ${WARM_UP_SECONDS} s warm-up + ${SECONDS} s, pools of ${POOL_SIZE}, ` +
        `${RUNS} runs${PROFILE ? ', PROFILING (figures not comparable)' : ''}` +
        (ASYNC_WORK
          ? ''
          : ', APP WITHOUT PROJECTIONS/RELAY/PROCESS MANAGERS (diagnosis, not production)'),
    );

    /** References answered 2xx, by variant, over every autocannon run (warm-ups included). */
    const answered: Record<VariantKey, string[]> = {
      deposits: [],
      withdrawals: [],
      bare: [],
      crud: [],
    };
    let loadRuns = 0;
    const measured: Record<VariantKey, Measured[]> = {
      deposits: [],
      withdrawals: [],
      bare: [],
      crud: [],
    };
    const windows: Record<VariantKey, TimeWindow[]> = {
      deposits: [],
      withdrawals: [],
      bare: [],
      crud: [],
    };
    const nowUs = () => Number(process.hrtime.bigint() / 1000n);

    for (let run = 1; run <= RUNS; run++) {
      const order = run % 2 === 1 ? [...VARIANTS] : [...VARIANTS].reverse();
      const line: string[] = [];
      for (const variant of order) {
        const server = servers[variant.server];
        const load = (tag: string, seconds: number) => {
          loadRuns++;
          return runTaggedLoad({
            url: server.baseUrl,
            connections: CONNECTIONS,
            seconds,
            tag,
            headers: tellers,
            build: bodies[variant.key],
          });
        };
        const letter = variant.key[0];
        const warmUp = await load(`${letter}${run}w`, WARM_UP_SECONDS);
        const backends = {
          app: await backendsOf(admin, servers.app),
          bare: await backendsOf(admin, servers.bare),
          crud: await backendsOf(admin, servers.crud),
        };
        const startUs = nowUs();
        const before = snapshotUsage(pids);
        const result = await load(`${letter}${run}m`, SECONDS);
        const after = snapshotUsage(pids);
        windows[variant.key].push({ startUs, endUs: nowUs() });
        answered[variant.key].push(...warmUp.answered, ...result.answered);
        for (const [phase, outcome] of [
          ['warm-up', warmUp],
          ['run', result],
        ] as const) {
          const { non2xx, errors, timeouts } = outcome.result;
          if (non2xx + errors + timeouts > 0) {
            failures.push(
              `${variant.key} run ${run} ${phase}: ${non2xx} non-2xx ${JSON.stringify(outcome.failures)}, ` +
                `${errors} errors, ${timeouts} timeouts; first: ${outcome.firstFailure ?? '-'}`,
            );
          }
        }
        const settleSeconds =
          variant.server === 'app' && ASYNC_WORK
            ? await waitForBacklog(server.baseUrl, auth.admin)
            : undefined;
        measured[variant.key].push({
          load: result,
          usage: usageBetween(before, after, backends),
          settleSeconds,
        });
        // The baseline's books must balance after every run, as the app's events must add up.
        const ledger =
          variant.server === 'crud'
            ? await crudInvariants(admin, crudSchema, accounts.length)
            : undefined;
        if (ledger) failures.push(...ledger.map((problem) => `crud run ${run}: ${problem}`));
        line.push(
          `${variant.key} ${Math.round(result.okPerSecond)} req/s p99 ${result.p99Ms} ms` +
            (settleSeconds === undefined ? '' : ` (backlog ${settleSeconds.toFixed(1)} s)`) +
            (ledger === undefined ? '' : ` (ledger ${ledger.length === 0 ? 'balanced' : 'WRONG'})`),
        );
      }
      console.log(`run ${run}: ${line.join(', ')}`);
    }

    const checks = await checkDatabase(
      admin,
      { app: appSchema, bare: bareSchema, crud: crudSchema },
      answered,
      accounts.length,
    );
    const cutLimit = CONNECTIONS * loadRuns;

    // Stop the servers now: their profiles are written as they exit.
    await servers.app.stop();
    await servers.bare.stop();
    await servers.crud.stop();

    const medianOf = (key: VariantKey, pick: (m: Measured) => number) =>
      median(measured[key].map(pick));
    const bareRate = medianOf('bare', (m) => m.load.okPerSecond);
    const bareP99 = medianOf('bare', (m) => m.load.p99Ms);
    const crudRate = medianOf('crud', (m) => m.load.okPerSecond);
    const crudP99 = medianOf('crud', (m) => m.load.p99Ms);
    console.log(
      `\nHTTP writes, median of ${RUNS} runs of ${SECONDS} s (after ${WARM_UP_SECONDS} s warm-up), ` +
        `${CONNECTIONS} connections, pools of ${POOL_SIZE}; autocannon latencies:`,
    );
    console.table(
      VARIANTS.map((variant) => {
        const rate = medianOf(variant.key, (m) => m.load.okPerSecond);
        const p99 = medianOf(variant.key, (m) => m.load.p99Ms);
        const runs = measured[variant.key];
        return {
          variant: variant.label,
          'req/s (2xx)': Math.round(rate),
          'p50 ms': medianOf(variant.key, (m) => m.load.p50Ms),
          'p99 ms': p99,
          'non-2xx': runs.reduce((sum, m) => sum + m.load.result.non2xx, 0),
          errors: runs.reduce((sum, m) => sum + m.load.result.errors, 0),
          'req/s ÷ CRUD': round(rate / crudRate, 2),
          'p99 ÷ CRUD': round(p99 / crudP99, 2),
          'req/s ÷ bare': round(rate / bareRate, 2),
          'p99 ÷ bare': round(p99 / bareP99, 2),
        };
      }),
    );
    console.log(
      `Where the CPU went in the measured windows (medians), in % of one core (the machine has ` +
        `${cpus().length * 100}%) and per request; "all postgres" includes whatever else the ` +
        'machine runs, "its backends" only the connections of the server under load:',
    );
    console.table(
      VARIANTS.map((variant) => {
        const perRequest = (m: Measured, percent: number) => (10 * percent) / m.load.okPerSecond; // ms of CPU per answered request
        const server = variant.server;
        return {
          variant: variant.key,
          'server %': Math.round(medianOf(variant.key, (m) => m.usage.percent[server])),
          'server ms/req': round(
            medianOf(variant.key, (m) => perRequest(m, m.usage.percent[server])),
            2,
          ),
          'server writes/req': round(
            medianOf(variant.key, (m) => m.usage.writeCalls[server] / m.load.result['2xx']),
            1,
          ),
          'its backends %': Math.round(
            medianOf(variant.key, (m) => m.usage.percent[`pg:${server}`]),
          ),
          'its backends ms/req': round(
            medianOf(variant.key, (m) => perRequest(m, m.usage.percent[`pg:${server}`])),
            2,
          ),
          'all postgres %': Math.round(medianOf(variant.key, (m) => m.usage.percent.postgres)),
          'autocannon %': Math.round(medianOf(variant.key, (m) => m.usage.percent.bench)),
        };
      }),
    );
    if (ASYNC_WORK) {
      const settle = [...measured.deposits, ...measured.withdrawals].map(
        (m) => m.settleSeconds ?? 0,
      );
      console.log(
        `after an app variant the projections and outbox needed ${median(settle).toFixed(1)} s ` +
          `(median; max ${Math.max(...settle).toFixed(1)} s) to catch up`,
      );
    }

    console.log(
      '\nEvery 2xx answer committed exactly once (all autocannon runs, warm-ups included):',
    );
    console.table(checks.rows);
    for (const row of checks.rows) {
      if (row['answered, not in DB'] > 0 || row.duplicated > 0) {
        failures.push(`${row.variant}: ${JSON.stringify(row)}`);
      }
      if (row['in DB, unanswered'] > cutLimit) {
        failures.push(`${row.variant}: more unanswered commits than requests in flight at stops`);
      }
    }
    failures.push(...checks.problems);

    const depositRate = medianOf('deposits', (m) => m.load.okPerSecond);
    const depositP99 = medianOf('deposits', (m) => m.load.p99Ms);
    const setUp = ASYNC_WORK ? '' : " [diagnosis set-up, not the goal's]";
    for (const goal of [
      {
        name: 'deposits req/s ÷ CRUD req/s',
        ratio: depositRate / crudRate,
        atLeast: GOAL_RATE_VS_CRUD,
      },
      { name: 'deposits p99 ÷ CRUD p99', ratio: depositP99 / crudP99, atMost: GOAL_P99_VS_CRUD },
      {
        name: 'deposits req/s ÷ bare req/s',
        ratio: depositRate / bareRate,
        atLeast: GOAL_RATE_VS_BARE,
      },
    ]) {
      console.log(`goal ${verdict(goal.ratio, goal.atLeast, goal.atMost)}: ${goal.name}${setUp}`);
    }

    if (profileDir) {
      const summaries = VARIANTS.map((variant) => {
        const server = servers[variant.server];
        return summariseProfile({
          title: variant.key,
          file: findProfile(join(profileDir, server.name)),
          windows: windows[variant.key],
          spawnedAtUs: server.spawnedAtUs,
          requests: measured[variant.key].reduce((sum, m) => sum + m.load.result['2xx'], 0),
        });
      });
      for (const summary of summaries) printProfileSummary(summary);
      printCategoryComparison(summaries, summaries[VARIANTS.findIndex((v) => v.key === 'bare')]);
    }

    if (failures.length > 0) {
      throw new Error(`INVALID RUN:\n  ${failures.join('\n  ')}`);
    }
  } finally {
    await cleanUp(opened);
  }
}

interface CheckRow {
  variant: string;
  '2xx answered': number;
  'in DB': number;
  'answered, not in DB': number;
  duplicated: number;
  'in DB, unanswered': number;
}

/**
 * Compares the references answered 2xx with those in the database: each answered one present
 * exactly once; the unanswered ones present can only be requests cut off at a run's end.
 * Also checks the totals by event type: the opening deposits plus the tagged ones; and the
 * CRUD baseline's books (see crudInvariants) with its opening deposits.
 */
async function checkDatabase(
  admin: Client,
  schemas: Readonly<Record<ServerKey, string>>,
  answered: Record<VariantKey, string[]>,
  openingDeposits: number,
): Promise<{ rows: CheckRow[]; problems: string[] }> {
  const problems: string[] = [];
  const stored: Record<VariantKey, string[]> = {
    deposits: [],
    withdrawals: [],
    bare: [],
    crud: [],
  };
  const events = await admin.query<{ type: string; ref: string | null }>(
    `SELECT type, split_part(data->>'reference', ' ', 1) AS ref FROM ${schemas.app}.es_events
      WHERE type IN ('MoneyDeposited', 'MoneyWithdrawn')`,
  );
  let untagged = 0;
  for (const { type, ref } of events.rows) {
    if (ref && /^[dw]\d+[wm]-\d+$/.test(ref)) {
      stored[type === 'MoneyDeposited' ? 'deposits' : 'withdrawals'].push(ref);
    } else if (type === 'MoneyDeposited' && ref === 'opening') untagged++;
    else problems.push(`unexpected ${type} with reference ${ref}`);
  }
  if (untagged !== openingDeposits) {
    problems.push(`${untagged} opening deposits in the DB, ${openingDeposits} answered`);
  }
  const rows = await admin.query<{ ref: string }>(
    `SELECT data->>'reference' AS ref FROM ${schemas.bare}.bare_events`,
  );
  stored.bare = rows.rows.map((row) => row.ref);

  const entries = await admin.query<{ ref: string | null }>(
    `SELECT split_part(reference, ' ', 1) AS ref FROM ${schemas.crud}.ledger_entries`,
  );
  let openings = 0;
  for (const { ref } of entries.rows) {
    if (ref && /^c\d+[wm]-\d+$/.test(ref)) stored.crud.push(ref);
    else if (ref === 'opening') openings++;
    else problems.push(`unexpected CRUD ledger entry with reference ${ref}`);
  }
  if (openings !== openingDeposits) {
    problems.push(`${openings} CRUD opening deposits in the DB, ${openingDeposits} answered`);
  }
  const books = await crudInvariants(admin, schemas.crud, openingDeposits);
  problems.push(...books.map((problem) => `crud at the end: ${problem}`));

  const result = (Object.keys(stored) as VariantKey[]).map((key) => {
    const counts = new Map<string, number>();
    for (const ref of stored[key]) counts.set(ref, (counts.get(ref) ?? 0) + 1);
    const answeredSet = new Set(answered[key]);
    return {
      variant: key,
      '2xx answered': answered[key].length,
      'in DB': stored[key].length,
      'answered, not in DB': answered[key].filter((ref) => !counts.has(ref)).length,
      duplicated: [...counts.values()].filter((n) => n > 1).length,
      'in DB, unanswered': [...counts.keys()].filter((ref) => !answeredSet.has(ref)).length,
    };
  });
  return { rows: result, problems };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
