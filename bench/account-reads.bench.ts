/**
 * Does reading an account cost the same however long its history? `GET /accounts/{id}` (the
 * account folded from its stream: version and balance now) through the whole app, started as
 * in production (as in http-deposits: authentication on, 512 tellers in turn, projections,
 * relay and process managers running, the access log at info into a log sink), on a fresh
 * schema of BENCH_URL, for two accounts opened through the API: one of 10 events and one of
 * BENCH_READS_LONG (10 000) events, every deposit made through the API as well (so the app
 * writes its snapshots as it does in production).
 *
 * - Warm: autocannon GETs of one account for BENCH_READS_SECONDS (5) at BENCH_READS_CONNECTIONS
 *   (16), the two accounts in turn, RUNS (3) times, alternating which goes first; req/s, mean,
 *   p50 and p99 latency and the app's CPU per read (/proc). Every answer must be a 200.
 * - Cold: the app restarted on the same schema (its state cache empty) RUNS times; after a read
 *   of a third account (which pays the first request's own costs: connections, compilation),
 *   the first GET of each account, timed, alternating which goes first.
 * The version and balance a GET returns must be those of the deposits answered 2xx (never
 * stale): checked for every cold read, and for each account before and after the warm runs.
 * Verdict: the long account's mean latency (warm) and first read (cold) within 2x of the short
 * one's (autocannon keeps latencies in whole milliseconds, too coarse a p50 to divide).
 *   npm run bench -- account-reads
 *   BENCH_READS_LONG=10000 BENCH_READS_SECONDS=5 BENCH_READS_CONNECTIONS=16 RUNS=3
 * The schema is dropped at the end, even on failure.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { benchServerEnv, createBenchSchema, startLedgerlineApp } from './http/ledgerline-app';
import { seedAccounts } from './http/ledgerline-client';
import { cpuMicrosPer, snapshotUsage } from './http/proc-usage';
import { ServerProcess } from './http/start-server';
import { AuthHeaders, openBenchAuth, Principals } from './support/bench-auth';
import { BENCH_URL, median } from './support/bench-database';
import { cleanUp } from './support/clean-up';
import { positiveInteger } from './support/env-settings';
import { verdict } from './support/goal-verdict';

const LONG = positiveInteger('BENCH_READS_LONG', 10_000);
const SHORT = 10;
const SECONDS = positiveInteger('BENCH_READS_SECONDS', 5);
const CONNECTIONS = positiveInteger('BENCH_READS_CONNECTIONS', 16);
const RUNS = positiveInteger('RUNS', 3);
const POOL_SIZE = 16;
/** Deposits sent at once while an account's history is being made. */
const DEPOSIT_CONCURRENCY = 16;
const GOAL_WITHIN = 2;
/** seedAccounts' opening deposit: the account's events are then AccountOpened and it. */
const OPENING_BALANCE = 1;
const SEEDED_EVENTS = 2;

interface AccountView {
  readonly version: number;
  readonly balance: number;
}

interface Account {
  readonly label: 'short' | 'long';
  readonly id: string;
  readonly events: number;
  /** The balance the answered deposits add up to. */
  readonly balance: number;
}

async function getAccount(baseUrl: string, auth: AuthHeaders, id: string): Promise<AccountView> {
  const response = await fetch(`${baseUrl}/accounts/${id}`, { headers: auth });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET /accounts/${id}: ${response.status} ${text}`);
  return JSON.parse(text) as AccountView;
}

/** The account's view must be its whole history: a stale answer fails the benchmark. */
function checkView(account: Account, view: AccountView, when: string): void {
  if (view.version !== account.events || view.balance !== account.balance) {
    throw new Error(
      `${when}: the ${account.label} account answered version ${view.version}, balance ` +
        `${view.balance}; its answered deposits make version ${account.events}, balance ` +
        `${account.balance}`,
    );
  }
}

/** Deposits of 1 through the API until the account holds `events` events; all must succeed. */
async function grow(
  baseUrl: string,
  tellers: Principals,
  label: Account['label'],
  id: string,
  events: number,
): Promise<Account> {
  const deposits = events - SEEDED_EVENTS;
  let next = 0;
  const worker = async () => {
    while (next < deposits) {
      const n = next++;
      const response = await fetch(`${baseUrl}/accounts/${id}/deposits`, {
        method: 'POST',
        headers: { ...tellers(), 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 1, reference: `reads-${label}-${n}` }),
      });
      if (!response.ok) throw new Error(`deposit ${n} to the ${label} account: ${response.status}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: DEPOSIT_CONCURRENCY }, worker));
  return { label, id, events, balance: OPENING_BALANCE + deposits };
}

interface WarmRun {
  readonly perSecond: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The app's CPU per answered read, µs. */
  readonly appUsPerRead: number;
}

/** GETs of one account for SECONDS, each with the next teller's token; only 200s count. */
async function warmReads(app: ServerProcess, tellers: Principals, id: string): Promise<WarmRun> {
  const before = snapshotUsage({ app: app.pid });
  let failed = 0;
  const result = await autocannon({
    url: app.baseUrl,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'GET',
        path: `/accounts/${id}`,
        setupRequest: (request) => ({ ...request, headers: { ...request.headers, ...tellers() } }),
        onResponse: (status) => {
          if (status !== 200) failed++;
        },
      },
    ],
  });
  const after = snapshotUsage({ app: app.pid });
  if (failed > 0 || result.errors > 0)
    throw new Error(`GET /accounts/${id}: ${failed} non-200 answers, ${result.errors} errors`);
  const ok = result['2xx'];
  return {
    perSecond: ok / result.duration,
    meanMs: result.latency.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    appUsPerRead: cpuMicrosPer(before, after, ok).app,
  };
}

/** The first read of each account after a fresh start of the app (an empty state cache). */
async function coldReads(
  start: () => Promise<ServerProcess>,
  tellers: Principals,
  accounts: readonly Account[],
  warmUpId: string,
): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(accounts.map((account) => [account.label, []]));
  for (let round = 0; round < RUNS; round++) {
    const app = await start();
    try {
      // The first request after a start pays for more than its account: not one of the two.
      await getAccount(app.baseUrl, tellers(), warmUpId);
      const order = round % 2 ? [...accounts].reverse() : accounts;
      for (const account of order) {
        const started = performance.now();
        const view = await getAccount(app.baseUrl, tellers(), account.id);
        times.get(account.label)?.push(performance.now() - started);
        checkView(account, view, `cold read ${round + 1}`);
      }
    } finally {
      await app.stop();
    }
  }
  return times;
}

const ms = (value: number) => value.toFixed(2);

async function main(): Promise<void> {
  const opened: (() => Promise<unknown>)[] = [];
  try {
    const admin = new Client({ connectionString: BENCH_URL });
    await admin.connect();
    opened.push(() => admin.end());
    const schema = await createBenchSchema(admin, 'reads');
    opened.push(() => admin.query(`DROP SCHEMA ${schema} CASCADE`));
    const auth = await openBenchAuth();
    opened.push(() => auth.remove());
    const tellers = await auth.principals('teller');
    // One key for every start: the app refuses a schema whose data keys another key sealed.
    const { PII_MASTER_KEY } = benchServerEnv();
    const start = () =>
      startLedgerlineApp({ auth, schema, poolSize: POOL_SIZE, env: { PII_MASTER_KEY } });

    let app = await start();
    opened.push(() => app.stop());
    const [shortId, longId, warmUpId] = await seedAccounts(
      app.baseUrl,
      tellers,
      3,
      OPENING_BALANCE,
    );
    const growing = performance.now();
    const accounts: Account[] = [
      await grow(app.baseUrl, tellers, 'short', shortId, SHORT),
      await grow(app.baseUrl, tellers, 'long', longId, LONG),
    ];
    console.log(
      `${SHORT}- and ${LONG}-event accounts made through the API in ` +
        `${((performance.now() - growing) / 1000).toFixed(1)} s`,
    );
    for (const account of accounts)
      checkView(
        account,
        await getAccount(app.baseUrl, tellers(), account.id),
        'after the deposits',
      );

    const warm = new Map<string, WarmRun[]>(accounts.map((account) => [account.label, []]));
    for (let run = 0; run < RUNS; run++) {
      const order = run % 2 ? [...accounts].reverse() : accounts;
      for (const account of order)
        warm.get(account.label)?.push(await warmReads(app, tellers, account.id));
    }
    for (const account of accounts)
      checkView(account, await getAccount(app.baseUrl, tellers(), account.id), 'after the reads');
    await app.stop();

    const cold = await coldReads(async () => (app = await start()), tellers, accounts, warmUpId);

    const warmOf = (label: string) => warm.get(label) ?? [];
    const med = (label: string, pick: (run: WarmRun) => number) => median(warmOf(label).map(pick));
    console.log(
      `\nGET /accounts/{id}, ${CONNECTIONS} connections, median of ${RUNS} runs of ${SECONDS} s ` +
        '(warm; every answer a 200), and the first read after each of ' +
        `${RUNS} restarts (cold); each cold read, and each account before and after the warm ` +
        'runs, checked against the answered deposits:',
    );
    console.table(
      accounts.map((account) => ({
        account: `${account.events} events`,
        'warm req/s': Math.round(med(account.label, (run) => run.perSecond)),
        'warm mean ms': med(account.label, (run) => run.meanMs).toFixed(2),
        'warm p50 ms': med(account.label, (run) => run.p50Ms),
        'warm p99 ms': med(account.label, (run) => run.p99Ms),
        'app µs/read': Math.round(med(account.label, (run) => run.appUsPerRead)),
        'cold first read ms': ms(median(cold.get(account.label) ?? [])),
        'cold runs ms': (cold.get(account.label) ?? []).map(ms).join(', '),
      })),
    );
    const warmRatio = med('long', (run) => run.meanMs) / med('short', (run) => run.meanMs);
    const cpuRatio =
      med('long', (run) => run.appUsPerRead) / med('short', (run) => run.appUsPerRead);
    const coldRatio = median(cold.get('long') ?? []) / median(cold.get('short') ?? []);
    console.log(
      `goal ${verdict(warmRatio, undefined, GOAL_WITHIN)}: ${LONG}-event account's ÷ ` +
        `${SHORT}-event account's, mean latency, warm (the app's CPU per read: x${cpuRatio.toFixed(2)})`,
    );
    console.log(
      `goal ${verdict(coldRatio, undefined, GOAL_WITHIN)}: ${LONG}-event account's first read ` +
        `÷ ${SHORT}-event account's, after a restart (snapshot and its tail)`,
    );
  } finally {
    await cleanUp(opened);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
