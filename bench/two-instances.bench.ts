/**
 * Two app instances on one PostgreSQL and one RabbitMQ against one instance, on this machine:
 * HTTP deposits through the whole app, for the scaling documentation. On one machine the two
 * instances share its cores with PostgreSQL and with the load driver, so the figure says what
 * the coordination between instances costs (appends racing on accounts, projection leases,
 * relay claims), not what a second machine would add.
 *
 * Two processes of the built app, dist/src/main.js exactly as production starts it and as
 * http-deposits does (helmet, validation, problem+json, Swagger, metrics; authentication: each
 * request carries the bearer token of one of 512 tellers in turn, support/bench-auth.ts, and is
 * counted by the rate limiter, whose limits are set beyond reach; projections, outbox relay and
 * process managers running; logging at info into a log sink), and beyond http-deposits a broker: AMQP_URL
 * (BENCH_AMQP_URL, else TEST_AMQP_URL, else the local RabbitMQ) and a fresh exchange
 * `bench.two-instances.<hex>`, so the relay publishes with confirms and the consumers consume as
 * in production. Both instances share one fresh schema of BENCH_URL, the exchange, the key file
 * of the tokens and the personal-data master key; each has a pg pool of BENCH_HTTP_POOL (so two
 * instances hold twice the connections, as two instances in production do). Instance A starts
 * first (it migrates the schema and takes the projection leases), BENCH_HTTP_ACCOUNTS accounts
 * are opened through it (customers, accounts, an opening deposit), then instance B starts and
 * stays alive to the end.
 *
 * RUNS rounds, each of the two variants in alternating order, each a warm-up of
 * BENCH_HTTP_WARMUP_SECONDS (not counted) then BENCH_HTTP_SECONDS measured:
 *   - one instance: BENCH_HTTP_CONNECTIONS connections to A; B is alive but gets no request
 *     (its relay still claims messages and its sessions still listen, as an idle instance's do);
 *   - two instances: half the connections to A and half to B, two autocannon drivers in this
 *     process at the same time.
 * Every request deposits to the next account of one rotation over the seeded accounts, shared by
 * both drivers: the two instances write the same accounts, so each one's cached state of an
 * account goes stale when the other appends to it (a conflict, then a re-decision), and they
 * share the projection leases and the relay's claims. After each window the benchmark waits
 * until the projections and the outbox have caught up, so the next window does not pay for it.
 *
 * Reported per variant, as the median of RUNS with the range: answered deposits/s (both drivers
 * summed); p50 and p99 from autocannon (two instances: the worse driver's of each); the non-2xx
 * answers and connection errors (must be 0); the CPU per answered deposit, from /proc: both app
 * processes summed (B's idle work in the one-instance variant included), the PostgreSQL backends
 * of both instances' connections, and all `postgres` processes (the machine's other work
 * included); and two ÷ one for deposits/s and p99. Then who did the background work in each
 * variant, summed over the runs from each warm-up until the backlog had drained: the projection
 * leases each instance held and the batches it applied (GET /admin/projections), and the
 * messages its relay published (GET /admin/outbox).
 * Correctness: every request carries a unique reference; each one answered 2xx must be a
 * MoneyDeposited event exactly once; one committed without an answer can only be one in flight
 * when a window's time was up (at most one per connection per window); the opening deposits
 * must all be there. Any failure fails the run (exit 1).
 *
 *   npm run bench -- two-instances
 *   BENCH_HTTP_SECONDS=10 BENCH_HTTP_WARMUP_SECONDS=2 BENCH_HTTP_CONNECTIONS=32 (even)
 *   BENCH_HTTP_POOL=16 BENCH_HTTP_ACCOUNTS=1000 RUNS=3 by default (about 2-3 minutes on 2 cores).
 * The schema, the exchanges, the queues and both app processes are removed at the end, even on
 * failure. Needs the build: dist/src/main.js and dist/bench (npm run bench builds both).
 * Linux only (/proc).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { Client } from 'pg';
import { depositRequest } from './http/deposit-request';
import { startLedgerlineApp } from './http/ledgerline-app';
import {
  outboxStatus,
  projectionViews,
  seedAccounts,
  waitForBacklog,
  waitForBroker,
} from './http/ledgerline-client';
import { snapshotUsage, UsageBetween, usageBetween } from './http/proc-usage';
import { backendsOf } from './http/server-backends';
import { ServerProcess } from './http/start-server';
import { runTaggedLoad, TaggedLoadResult } from './http/tagged-load';
import { AuthHeaders, openBenchAuth } from './support/bench-auth';
import { appQueueNames, BENCH_AMQP_URL, deleteTopology } from './support/bench-broker';
import { BENCH_URL, median } from './support/bench-database';
import { cleanUp } from './support/clean-up';
import { positiveInteger } from './support/env-settings';
import { round } from './support/load-driver';

const SECONDS = positiveInteger('BENCH_HTTP_SECONDS', 10);
const WARM_UP_SECONDS = positiveInteger('BENCH_HTTP_WARMUP_SECONDS', 2);
const CONNECTIONS = positiveInteger('BENCH_HTTP_CONNECTIONS', 32);
const POOL_SIZE = positiveInteger('BENCH_HTTP_POOL', 16);
const ACCOUNTS = positiveInteger('BENCH_HTTP_ACCOUNTS', 1000);
const RUNS = positiveInteger('RUNS', 3);
/** Far more than all deposits of a run add: no account's balance is ever near a limit. */
const OPENING_BALANCE = 1_000_000_000;

type InstanceKey = 'a' | 'b';
type VariantKey = 'one' | 'two';
/** First letter of a driver's tags: which variant and instance a reference was sent in. */
type DriverPrefix = 'o' | 'a' | 'b';

/** One autocannon run of a variant, against one instance. */
interface Driver {
  readonly instance: InstanceKey;
  readonly connections: number;
  readonly prefix: DriverPrefix;
}
/** Each driver's name in the report. */
const DRIVER_LABELS: Record<DriverPrefix, string> = {
  o: 'one instance, to A',
  a: 'two instances, to A',
  b: 'two instances, to B',
};
interface Variant {
  readonly key: VariantKey;
  readonly label: string;
  readonly drivers: readonly Driver[];
}

/** What one measured window gave, over all its drivers. */
interface Measured {
  readonly loads: readonly TaggedLoadResult[];
  readonly usage: UsageBetween;
  readonly settleSeconds: number;
}

/** Background work done by one instance, as its admin API counts it since it started. */
interface InstanceWork {
  /** Names of the projections whose lease this instance holds. */
  readonly leases: readonly string[];
  readonly projections: number;
  readonly batches: number;
  readonly published: number;
  readonly duplicates: number;
  readonly resent: number;
}

/** Work of one instance in one variant: counter differences summed over the runs. */
interface WorkTally {
  batches: number;
  published: number;
  duplicates: number;
  resent: number;
  /** The leases it held after the variant's last window. */
  leases: readonly string[];
  projections: number;
}

const INSTANCES: readonly InstanceKey[] = ['a', 'b'];

async function workOf(server: ServerProcess, admin: AuthHeaders): Promise<InstanceWork> {
  const [projections, outbox] = await Promise.all([
    projectionViews(server.baseUrl, admin),
    outboxStatus(server.baseUrl, admin),
  ]);
  return {
    leases: projections.filter((view) => view.leaseHeldHere).map((view) => view.name),
    projections: projections.length,
    batches: projections.reduce((sum, view) => sum + view.batchesAppliedHere, 0),
    published: outbox.relay.published,
    duplicates: outbox.relay.duplicates,
    resent: outbox.relay.resent,
  };
}

/** "median (min-max)", each rounded to `digits`. */
function spread(values: readonly number[], digits = 0): string {
  const shown = (value: number) => round(value, digits).toString();
  return `${shown(median([...values]))} (${shown(Math.min(...values))}-${shown(Math.max(...values))})`;
}

async function main(): Promise<void> {
  if (CONNECTIONS % 2 !== 0)
    throw new Error('BENCH_HTTP_CONNECTIONS must be even: half per instance');
  const variants: readonly Variant[] = [
    {
      key: 'one',
      label: 'one instance (A; B alive, idle)',
      drivers: [{ instance: 'a', connections: CONNECTIONS, prefix: 'o' }],
    },
    {
      key: 'two',
      label: 'two instances (A and B)',
      drivers: [
        { instance: 'a', connections: CONNECTIONS / 2, prefix: 'a' },
        { instance: 'b', connections: CONNECTIONS / 2, prefix: 'b' },
      ],
    },
  ];
  const opened: (() => Promise<unknown>)[] = [];
  const failures: string[] = [];
  try {
    const admin = new Client({ connectionString: BENCH_URL, application_name: 'bench-two' });
    await admin.connect();
    opened.push(() => admin.end());
    const hex = randomBytes(3).toString('hex');
    const schema = `bench_two_${hex}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    opened.push(() => admin.query(`DROP SCHEMA ${schema} CASCADE`));
    // The apps declare the exchange and their queues; deleted after both have stopped (the
    // clean-up runs newest first), else a consumer channel would declare its queue again.
    const exchange = `bench.two-instances.${hex}`;
    opened.push(() => deleteTopology(BENCH_AMQP_URL, exchange, appQueueNames(exchange)));
    const auth = await openBenchAuth();
    opened.push(() => auth.remove());
    const tellers = await auth.principals('teller');

    // Everything the instances share: one database schema, one broker exchange, one issuer key
    // (auth), one personal-data master key (a fresh schema: a key of the run's own).
    const sharedEnv = {
      PII_MASTER_KEY: randomBytes(32).toString('base64'),
      AMQP_URL: BENCH_AMQP_URL,
      AMQP_EXCHANGE: exchange,
    };
    const start = async (instance: InstanceKey): Promise<ServerProcess> => {
      const server = await startLedgerlineApp({
        name: `app-${instance}`,
        auth,
        schema,
        poolSize: POOL_SIZE,
        // Tells the two apart in pg_stat_activity for whoever watches the run.
        env: { ...sharedEnv, DATABASE_APPLICATION_NAME: `bench-two-${instance}` },
      });
      opened.push(() => server.stop());
      // /health answers before the broker is connected; until then the relay cannot publish.
      await waitForBroker(server.baseUrl, auth.admin);
      return server;
    };

    // A alone first: it runs the migrations (no two instances migrating one schema at once).
    const a = await start('a');
    const seeding = Date.now();
    const accounts = await seedAccounts(a.baseUrl, tellers, ACCOUNTS, OPENING_BALANCE);
    await waitForBacklog(a.baseUrl, auth.admin);
    console.log(
      `seeded ${accounts.length} accounts through instance A in ${((Date.now() - seeding) / 1000).toFixed(1)} s`,
    );
    const b = await start('b');
    const servers: Record<InstanceKey, ServerProcess> = { a, b };
    const pids = { a: a.pid, b: b.pid };

    let rotation = 0;
    // One rotation for both drivers: consecutive deposits, to A and to B, go to the same pool of
    // accounts. The account is taken first: the amount comes from the rotation it advanced.
    const deposit = (ref: string) =>
      depositRequest(accounts[rotation++ % accounts.length], 100 + (rotation % 900), ref);
    console.log(
      `schema ${schema}, exchange ${exchange} on ${new URL(BENCH_AMQP_URL).host}; ` +
        `${CONNECTIONS} connections (two instances: ${CONNECTIONS / 2} to each), ` +
        `${WARM_UP_SECONDS} s warm-up + ${SECONDS} s, pools of ${POOL_SIZE} per instance, ` +
        `${RUNS} runs; instance B stays alive and idle during the one-instance windows`,
    );

    /** References answered 2xx, by driver, over every window (warm-ups included). */
    const answered: Record<DriverPrefix, string[]> = { o: [], a: [], b: [] };
    /** Connections of every window, by driver: at most one commit each cut off unanswered. */
    const inFlightAtStops: Record<DriverPrefix, number> = { o: 0, a: 0, b: 0 };
    const measured: Record<VariantKey, Measured[]> = { one: [], two: [] };
    const tallyOf = (): Record<InstanceKey, WorkTally> => ({
      a: { batches: 0, published: 0, duplicates: 0, resent: 0, leases: [], projections: 0 },
      b: { batches: 0, published: 0, duplicates: 0, resent: 0, leases: [], projections: 0 },
    });
    const work: Record<VariantKey, Record<InstanceKey, WorkTally>> = {
      one: tallyOf(),
      two: tallyOf(),
    };
    const workNow = async () => ({
      a: await workOf(servers.a, auth.admin),
      b: await workOf(servers.b, auth.admin),
    });

    for (let run = 1; run <= RUNS; run++) {
      const order = run % 2 === 1 ? [...variants] : [...variants].reverse();
      const line: string[] = [];
      for (const variant of order) {
        // Both drivers at once; each window's tags are unique in the run.
        const load = (phase: 'w' | 'm', seconds: number) =>
          Promise.all(
            variant.drivers.map((driver) => {
              inFlightAtStops[driver.prefix] += driver.connections;
              return runTaggedLoad({
                url: servers[driver.instance].baseUrl,
                connections: driver.connections,
                seconds,
                tag: `${driver.prefix}${run}${phase}`,
                headers: tellers,
                build: deposit,
              });
            }),
          );
        const workBefore = await workNow();
        const warmUp = await load('w', WARM_UP_SECONDS);
        // After the warm-up: the pools have opened the connections the load needs.
        const backends = {
          a: await backendsOf(admin, servers.a),
          b: await backendsOf(admin, servers.b),
        };
        const before = snapshotUsage(pids);
        const loads = await load('m', SECONDS);
        const after = snapshotUsage(pids);
        for (const [phase, outcomes] of [
          ['warm-up', warmUp],
          ['run', loads],
        ] as const) {
          outcomes.forEach((outcome, index) => {
            const driver = variant.drivers[index];
            answered[driver.prefix].push(...outcome.answered);
            const { non2xx, errors, timeouts } = outcome.result;
            if (non2xx + errors + timeouts > 0) {
              failures.push(
                `${DRIVER_LABELS[driver.prefix]} run ${run} ${phase}: ${non2xx} non-2xx ${JSON.stringify(outcome.failures)}, ` +
                  `${errors} errors, ${timeouts} timeouts; first: ${outcome.firstFailure ?? '-'}`,
              );
            }
          });
        }
        // The log, projections and outbox are shared: A's view is the whole backlog; B's
        // confirms that it sees the same.
        const settleSeconds =
          (await waitForBacklog(servers.a.baseUrl, auth.admin)) +
          (await waitForBacklog(servers.b.baseUrl, auth.admin));
        const workAfter = await workNow();
        for (const instance of INSTANCES) {
          const tally = work[variant.key][instance];
          const was = workBefore[instance];
          const is = workAfter[instance];
          tally.batches += is.batches - was.batches;
          tally.published += is.published - was.published;
          tally.duplicates += is.duplicates - was.duplicates;
          tally.resent += is.resent - was.resent;
          tally.leases = is.leases;
          tally.projections = is.projections;
        }
        const window: Measured = {
          loads,
          usage: usageBetween(before, after, backends),
          settleSeconds,
        };
        measured[variant.key].push(window);
        line.push(
          `${variant.key} ${Math.round(okPerSecond(window))} deposits/s p99 ${worstP99(window)} ms ` +
            `(backlog ${settleSeconds.toFixed(1)} s)`,
        );
      }
      console.log(`run ${run}: ${line.join(', ')}`);
    }

    const checks = await checkDeposits(admin, schema, answered, inFlightAtStops, ACCOUNTS);
    failures.push(...checks.problems);

    /** ms of CPU per answered deposit, from % of one core over the window. */
    const ms = (window: Measured, percent: number) => (10 * percent) / okPerSecond(window);
    const across = (key: VariantKey, pick: (window: Measured) => number) => measured[key].map(pick);
    console.log(
      `\nHTTP deposits, median (min-max) of ${RUNS} runs of ${SECONDS} s (after ${WARM_UP_SECONDS} s ` +
        `warm-up), ${CONNECTIONS} connections in all; two instances: deposits/s of both drivers ` +
        "summed, p50 and p99 the worse driver's; CPU per answered deposit in ms, from /proc " +
        `(the machine has ${cpus().length} cores):`,
    );
    console.table(
      variants.map((variant) => {
        const key = variant.key;
        return {
          variant: variant.label,
          'deposits/s (2xx)': spread(across(key, okPerSecond)),
          'p50 ms': spread(across(key, worstP50)),
          'p99 ms': spread(across(key, worstP99)),
          'non-2xx': measured[key].reduce((sum, w) => sum + count(w, 'non2xx'), 0),
          errors: measured[key].reduce(
            (sum, w) => sum + count(w, 'errors') + count(w, 'timeouts'),
            0,
          ),
          'app ms/deposit (A+B)': spread(
            across(key, (w) => ms(w, w.usage.percent.a + w.usage.percent.b)),
            2,
          ),
          'their backends ms/deposit': spread(
            across(key, (w) => ms(w, w.usage.percent['pg:a'] + w.usage.percent['pg:b'])),
            2,
          ),
          'all postgres ms/deposit': spread(
            across(key, (w) => ms(w, w.usage.percent.postgres)),
            2,
          ),
        };
      }),
    );
    console.log(
      `The same windows in % of one core (the machine has ${cpus().length * 100}%); "autocannon" ` +
        'is this process, both drivers:',
    );
    console.table(
      variants.map((variant) => ({
        variant: variant.key,
        'app A %': spread(across(variant.key, (w) => w.usage.percent.a)),
        'app B %': spread(across(variant.key, (w) => w.usage.percent.b)),
        'their backends %': spread(
          across(variant.key, (w) => w.usage.percent['pg:a'] + w.usage.percent['pg:b']),
        ),
        'all postgres %': spread(across(variant.key, (w) => w.usage.percent.postgres)),
        'autocannon %': spread(across(variant.key, (w) => w.usage.percent.bench)),
        'backlog after, s': spread(
          across(variant.key, (w) => w.settleSeconds),
          1,
        ),
      })),
    );
    // A round measures both variants within half a minute, before the machine's speed drifts:
    // each round's own ratio, then their spread.
    const ratios = (pick: (window: Measured) => number) =>
      measured.two.map((window, index) => pick(window) / pick(measured.one[index]));
    console.log(
      `two ÷ one: deposits/s ${(median(across('two', okPerSecond)) / median(across('one', okPerSecond))).toFixed(2)} ` +
        `(per round ${spread(ratios(okPerSecond), 2)}), p99 ` +
        `${(median(across('two', worstP99)) / median(across('one', worstP99))).toFixed(2)} ` +
        `(per round ${spread(ratios(worstP99), 2)}; the worse driver's p99 for two)`,
    );

    console.log(
      '\nWho did the background work, summed over the runs from each warm-up until the backlog ' +
        'had drained (projection batches: GET /admin/projections batchesAppliedHere; messages: ' +
        "GET /admin/outbox relay.published, each instance's own relay):",
    );
    console.table(
      variants.flatMap((variant) =>
        INSTANCES.map((instance) => {
          const tally = work[variant.key][instance];
          return {
            variant: variant.key,
            instance: instance.toUpperCase(),
            'deposits answered (warm-ups too)': variant.drivers
              .filter((driver) => driver.instance === instance)
              .reduce((sum, driver) => sum + answered[driver.prefix].length, 0),
            'projection leases held': `${tally.leases.length} of ${tally.projections}`,
            'projection batches': tally.batches,
            'messages published': tally.published,
            duplicates: tally.duplicates,
            resent: tally.resent,
          };
        }),
      ),
    );
    for (const instance of INSTANCES) {
      const leases = work.two[instance].leases;
      console.log(
        `instance ${instance.toUpperCase()} holds the leases of: ${leases.length ? leases.join(', ') : 'none'}`,
      );
    }

    console.log(
      '\nEvery 2xx answer committed exactly once (all windows, warm-ups included; opening ' +
        `deposits: ${checks.openings} of ${ACCOUNTS}):`,
    );
    console.table(checks.rows);

    if (failures.length > 0) {
      throw new Error(`INVALID RUN:\n  ${failures.join('\n  ')}`);
    }
  } finally {
    await cleanUp(opened);
  }
}

/** Answered deposits per second of a window: its drivers' summed. */
const okPerSecond = (window: Measured): number =>
  window.loads.reduce((sum, load) => sum + load.okPerSecond, 0);
/** The worse driver's p50: latencies of two drivers cannot be merged from their quantiles. */
const worstP50 = (window: Measured): number => Math.max(...window.loads.map((load) => load.p50Ms));
const worstP99 = (window: Measured): number => Math.max(...window.loads.map((load) => load.p99Ms));
const count = (window: Measured, field: 'non2xx' | 'errors' | 'timeouts'): number =>
  window.loads.reduce((sum, load) => sum + load.result[field], 0);

interface CheckRow {
  driver: string;
  '2xx answered': number;
  'in DB': number;
  'answered, not in DB': number;
  duplicated: number;
  'in DB, unanswered': number;
}

/**
 * Compares the references answered 2xx with the MoneyDeposited events of the schema: each
 * answered one present exactly once; those present but unanswered no more than the requests in
 * flight when windows ended; the opening deposits all there; nothing else.
 */
async function checkDeposits(
  admin: Client,
  schema: string,
  answered: Readonly<Record<DriverPrefix, readonly string[]>>,
  inFlightAtStops: Readonly<Record<DriverPrefix, number>>,
  openingDeposits: number,
): Promise<{ rows: CheckRow[]; problems: string[]; openings: number }> {
  const problems: string[] = [];
  const stored: Record<DriverPrefix, string[]> = { o: [], a: [], b: [] };
  const events = await admin.query<{ ref: string | null }>(
    `SELECT split_part(data->>'reference', ' ', 1) AS ref FROM ${schema}.es_events
      WHERE type = 'MoneyDeposited'`,
  );
  let openings = 0;
  for (const { ref } of events.rows) {
    const prefix = ref?.[0];
    if (ref && /^[oab]\d+[wm]-\d+$/.test(ref) && isPrefix(prefix)) stored[prefix].push(ref);
    else if (ref === 'opening') openings++;
    else problems.push(`unexpected MoneyDeposited with reference ${ref}`);
  }
  if (openings !== openingDeposits) {
    problems.push(`${openings} opening deposits in the DB, ${openingDeposits} answered`);
  }
  const rows = (Object.keys(stored) as DriverPrefix[]).map((prefix) => {
    const counts = new Map<string, number>();
    for (const ref of stored[prefix]) counts.set(ref, (counts.get(ref) ?? 0) + 1);
    const answeredSet = new Set(answered[prefix]);
    const row: CheckRow = {
      driver: DRIVER_LABELS[prefix],
      '2xx answered': answered[prefix].length,
      'in DB': stored[prefix].length,
      'answered, not in DB': answered[prefix].filter((ref) => !counts.has(ref)).length,
      duplicated: [...counts.values()].filter((n) => n > 1).length,
      'in DB, unanswered': [...counts.keys()].filter((ref) => !answeredSet.has(ref)).length,
    };
    if (row['answered, not in DB'] > 0 || row.duplicated > 0) {
      problems.push(`${row.driver}: ${JSON.stringify(row)}`);
    }
    if (row['in DB, unanswered'] > inFlightAtStops[prefix]) {
      problems.push(`${row.driver}: more unanswered commits than requests in flight at stops`);
    }
    return row;
  });
  return { rows, problems, openings };
}

const isPrefix = (value: string | undefined): value is DriverPrefix =>
  value === 'o' || value === 'a' || value === 'b';

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
