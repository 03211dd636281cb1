/**
 * What the HTTP adapter alone costs: the two servers `http-deposits` measures the app against
 * (the bare Nest INSERT endpoint and the CRUD baseline), each started twice, on Express (the
 * adapter the app runs on) and on Fastify (`@nestjs/platform-fastify`), everything else equal:
 * the same module, validation pipe, pg pool size, requests and connections. Side by side in one
 * run, under autocannon (in this process; HTTP/1.1 keep-alive, no pipelining).
 *
 * The four servers run as child processes, each on a fresh schema of BENCH_URL (created and
 * dropped here). The CRUD servers get the same BENCH_HTTP_ACCOUNTS accounts, opened through
 * their API. Each run loads every server in turn (alternating order): a warm-up, then the
 * measured window; deposits to the CRUD servers are the app's deposit requests, the bare
 * servers get the ~260-byte deposit payload.
 *
 * Reported: medians of RUNS runs of 2xx req/s, p50 and p99 (autocannon, ms), each server's CPU
 * per answered request (/proc) and its PostgreSQL backends'; Fastify ÷ Express per server. No
 * goal: the figure says how much of a request's cost the adapter is, and so what moving the app
 * to Fastify could give (the CRUD baseline of the goals would move with it, being on "the same
 * framework adapter").
 * Correctness: every request answered 2xx is in its database exactly once (a row of the bare
 * server, a ledger entry of the CRUD one), and the CRUD books balance after every run (each
 * balance the sum of its ledger entries, one outbox message per entry).
 *
 *   npm run bench -- http-adapters
 *   BENCH_HTTP_SECONDS=10 BENCH_HTTP_WARMUP_SECONDS=2 BENCH_HTTP_CONNECTIONS=32 BENCH_HTTP_POOL=16
 *   BENCH_HTTP_ACCOUNTS=1000 RUNS=3 by default (about 3 minutes on 2 cores).
 * Needs the build: dist/bench/http (npm run bench builds it).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { BENCH_URL, median } from './support/bench-database';
import { BENCH_ADAPTERS, BenchAdapter } from './http/bench-server';
import { crudInvariants, seedCrudAccounts } from './http/crud-books';
import { depositRequest } from './http/deposit-request';
import { benchServerEnv, createBenchSchema } from './http/ledgerline-app';
import { snapshotUsage, UsageBetween, usageBetween } from './http/proc-usage';
import { backendsOf } from './http/server-backends';
import { ServerProcess, startServer } from './http/start-server';
import { runTaggedLoad, TaggedLoadResult } from './http/tagged-load';
import { cleanUp } from './support/clean-up';
import { positiveInteger } from './support/env-settings';
import { round } from './support/load-driver';
import { depositData } from './support/event-payload';

const SECONDS = positiveInteger('BENCH_HTTP_SECONDS', 10);
const WARM_UP_SECONDS = positiveInteger('BENCH_HTTP_WARMUP_SECONDS', 2);
const CONNECTIONS = positiveInteger('BENCH_HTTP_CONNECTIONS', 32);
const POOL_SIZE = positiveInteger('BENCH_HTTP_POOL', 16);
const ACCOUNTS = positiveInteger('BENCH_HTTP_ACCOUNTS', 1000);
const RUNS = positiveInteger('RUNS', 3);
/** Far more than all deposits of a run add; the CRUD books stay below MAX_BALANCE. */
const OPENING_BALANCE = 1_000_000;

type Kind = 'bare' | 'crud';
const SCRIPTS: Readonly<Record<Kind, string>> = {
  bare: join(__dirname, 'http', 'bare-nest-insert.server.js'),
  crud: join(__dirname, 'http', 'crud-baseline.server.js'),
};

interface Variant {
  readonly key: string;
  readonly kind: Kind;
  readonly adapter: BenchAdapter;
}
const VARIANTS: readonly Variant[] = (['bare', 'crud'] as const).flatMap((kind) =>
  BENCH_ADAPTERS.map((adapter) => ({ key: `${kind}-${adapter}`, kind, adapter })),
);

interface Measured {
  readonly load: TaggedLoadResult;
  readonly usage: UsageBetween;
}

async function main(): Promise<void> {
  const opened: (() => Promise<unknown>)[] = [];
  const failures: string[] = [];
  try {
    const admin = new Client({ connectionString: BENCH_URL });
    await admin.connect();
    opened.push(() => admin.end());
    const schemas = new Map<string, string>();
    const servers = new Map<string, ServerProcess>();
    for (const variant of VARIANTS) {
      const schema = await createBenchSchema(admin, `adapters_${variant.kind}_${variant.adapter}`);
      opened.push(() => admin.query(`DROP SCHEMA ${schema} CASCADE`));
      schemas.set(variant.key, schema);
      const server = await startServer({
        name: variant.key,
        script: SCRIPTS[variant.kind],
        env: {
          ...benchServerEnv(),
          DATABASE_SCHEMA: schema,
          DATABASE_POOL_SIZE: String(POOL_SIZE),
          BENCH_HTTP_ADAPTER: variant.adapter,
        },
      });
      opened.push(() => server.stop());
      servers.set(variant.key, server);
    }
    const serverOf = (variant: Variant) => servers.get(variant.key)!;
    const schemaOf = (variant: Variant) => schemas.get(variant.key)!;

    const accounts = Array.from({ length: ACCOUNTS }, () => randomUUID());
    for (const variant of VARIANTS.filter((v) => v.kind === 'crud')) {
      await seedCrudAccounts(serverOf(variant).baseUrl, accounts, OPENING_BALANCE);
      const books = await crudInvariants(admin, schemaOf(variant), ACCOUNTS);
      failures.push(...books.map((problem) => `${variant.key} after seeding: ${problem}`));
    }
    let rotation = 0;
    const nextAccount = () => accounts[rotation++ % accounts.length];
    const bodies: Record<Kind, (ref: string) => { path: string; body: string }> = {
      crud: (ref) => depositRequest(nextAccount(), 100 + (rotation % 900), ref),
      bare: (ref) => ({
        path: '/events',
        body: JSON.stringify({
          ...depositData(nextAccount(), 100 + (rotation % 900)),
          reference: ref,
        }),
      }),
    };
    console.log(
      `${VARIANTS.map((v) => v.key).join(', ')}; ${CONNECTIONS} connections, ${WARM_UP_SECONDS} s ` +
        `warm-up + ${SECONDS} s, pools of ${POOL_SIZE}, ${ACCOUNTS} accounts, ${RUNS} runs`,
    );

    const answered = new Map<string, string[]>(VARIANTS.map((v) => [v.key, []]));
    const measured = new Map<string, Measured[]>(VARIANTS.map((v) => [v.key, []]));
    for (let run = 1; run <= RUNS; run++) {
      const order = run % 2 === 1 ? [...VARIANTS] : [...VARIANTS].reverse();
      const line: string[] = [];
      for (const variant of order) {
        const server = serverOf(variant);
        const load = (tag: string, seconds: number) =>
          runTaggedLoad({
            url: server.baseUrl,
            connections: CONNECTIONS,
            seconds,
            tag,
            build: bodies[variant.kind],
          });
        const tag = `${variant.kind[0]}${variant.adapter[0]}${run}`;
        const warmUp = await load(`${tag}w`, WARM_UP_SECONDS);
        const backends = await backendsOf(admin, server);
        const before = snapshotUsage({ [variant.key]: server.pid });
        const result = await load(`${tag}m`, SECONDS);
        const after = snapshotUsage({ [variant.key]: server.pid });
        answered.get(variant.key)!.push(...warmUp.answered, ...result.answered);
        for (const outcome of [warmUp, result]) {
          const { non2xx, errors, timeouts } = outcome.result;
          if (non2xx + errors + timeouts > 0) {
            failures.push(
              `${variant.key} run ${run}: ${non2xx} non-2xx ${JSON.stringify(outcome.failures)}, ` +
                `${errors} errors, ${timeouts} timeouts; first: ${outcome.firstFailure ?? '-'}`,
            );
          }
        }
        measured.get(variant.key)!.push({
          load: result,
          usage: usageBetween(before, after, { [variant.key]: backends }),
        });
        if (variant.kind === 'crud') {
          const books = await crudInvariants(admin, schemaOf(variant), ACCOUNTS);
          failures.push(...books.map((problem) => `${variant.key} run ${run}: ${problem}`));
        }
        line.push(`${variant.key} ${Math.round(result.okPerSecond)} req/s p99 ${result.p99Ms} ms`);
      }
      console.log(`run ${run}: ${line.join(', ')}`);
    }

    for (const variant of VARIANTS) {
      failures.push(
        ...(await committedOnce(admin, variant, schemaOf(variant), answered.get(variant.key)!)).map(
          (problem) => `${variant.key}: ${problem}`,
        ),
      );
    }

    const medianOf = (variant: Variant, pick: (m: Measured) => number) =>
      median(measured.get(variant.key)!.map(pick));
    // ms of CPU per answered request, from % of one core over the window
    const perRequest = (m: Measured, percent: number) => (10 * percent) / m.load.okPerSecond;
    const figures = (variant: Variant) => ({
      rate: medianOf(variant, (m) => m.load.okPerSecond),
      p99: medianOf(variant, (m) => m.load.p99Ms),
      cpu: medianOf(variant, (m) => perRequest(m, m.usage.percent[variant.key])),
      pg: medianOf(variant, (m) => perRequest(m, m.usage.percent[`pg:${variant.key}`])),
    });
    console.log(
      `\nThe same servers on Express and on Fastify, median of ${RUNS} runs of ${SECONDS} s, ` +
        `${CONNECTIONS} connections, pools of ${POOL_SIZE}:`,
    );
    console.table(
      VARIANTS.map((variant) => {
        const f = figures(variant);
        return {
          server: variant.key,
          'req/s (2xx)': Math.round(f.rate),
          'p50 ms': medianOf(variant, (m) => m.load.p50Ms),
          'p99 ms': f.p99,
          'server ms/req': round(f.cpu, 3),
          'its backends ms/req': round(f.pg, 3),
        };
      }),
    );
    for (const kind of ['bare', 'crud'] as const) {
      const [express, fastify] = BENCH_ADAPTERS.map((adapter) =>
        figures(VARIANTS.find((v) => v.kind === kind && v.adapter === adapter)!),
      );
      console.log(
        `${kind}: Fastify ÷ Express req/s ${round(fastify.rate / express.rate, 2)}, p99 ` +
          `${round(fastify.p99 / express.p99, 2)}; server CPU per request ` +
          `${Math.round(1000 * express.cpu)} µs on Express, ${Math.round(1000 * fastify.cpu)} µs ` +
          `on Fastify (${Math.round(1000 * (express.cpu - fastify.cpu))} µs less)`,
      );
    }
    if (failures.length > 0) throw new Error(`INVALID RUN:\n  ${failures.join('\n  ')}`);
  } finally {
    await cleanUp(opened);
  }
}

/**
 * Every reference answered 2xx is in the server's database exactly once; the others there
 * can only be requests in flight when a load ended.
 */
async function committedOnce(
  admin: Client,
  variant: Variant,
  schema: string,
  answered: readonly string[],
): Promise<string[]> {
  const sql =
    variant.kind === 'bare'
      ? `SELECT data->>'reference' AS ref FROM ${schema}.bare_events`
      : `SELECT split_part(reference, ' ', 1) AS ref FROM ${schema}.ledger_entries
          WHERE reference NOT LIKE 'opening balance %'`;
  const { rows } = await admin.query<{ ref: string }>(sql);
  const stored = new Map<string, number>();
  for (const { ref } of rows) stored.set(ref, (stored.get(ref) ?? 0) + 1);
  const problems: string[] = [];
  const missing = answered.filter((ref) => !stored.has(ref)).length;
  const duplicated = [...stored.values()].filter((count) => count > 1).length;
  const unanswered = stored.size - new Set(answered).size;
  if (missing > 0) problems.push(`${missing} answered 2xx but not in the database`);
  if (duplicated > 0) problems.push(`${duplicated} references stored more than once`);
  // At most one request per connection is cut off when a load ends: two loads per run.
  if (unanswered > CONNECTIONS * RUNS * 2) {
    problems.push(`${unanswered} stored but unanswered: more than the requests cut at the ends`);
  }
  return problems;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
