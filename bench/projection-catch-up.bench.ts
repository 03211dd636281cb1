/**
 * Catch-up speed of the account-summaries projection from a backlog, beside a baseline in the
 * same run: the same rows written by plain batched SQL (read by position, one upsert per
 * batch, no gap-safe read, no checkpoint transaction). Prints medians of RUNS runs each.
 *   npm run bench            BENCH_EVENTS=100000 RUNS=3 by default
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { DEFAULT_PROJECTION_RUNNER_OPTIONS, ProjectionRunner } from '@ledgerline/event-sourcing';
import { PostgresEventStore, PostgresProjectionStore } from '@ledgerline/event-sourcing/postgres';
import { accountSummariesProjection } from '../src/accounts/projections/account-summaries.projection';
import { median, openBenchSchema } from './support/bench-database';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 3);
const PER_ACCOUNT = 50;
const CATCH_UP_GOAL = 0.6;
const BATCH = DEFAULT_PROJECTION_RUNNER_OPTIONS.batchSize;

async function seed(dataSource: DataSource): Promise<void> {
  await dataSource.query(
    `WITH a AS MATERIALIZED (SELECT gen_random_uuid() AS id FROM generate_series(1, $1::int))
     INSERT INTO es_events (event_id, stream_id, stream_version, type, data, metadata, occurred_at)
     SELECT gen_random_uuid(), 'account-' || a.id, v,
            CASE WHEN v = 1 THEN 'AccountOpened' ELSE 'MoneyDeposited' END,
            CASE WHEN v = 1 THEN jsonb_build_object('accountId', a.id, 'customerId', gen_random_uuid(), 'currency', 'EUR')
                 ELSE jsonb_build_object('accountId', a.id, 'amount', v, 'reference', 'bench') END,
            jsonb_build_object('commandId', gen_random_uuid(), 'correlationId', 'bench', 'causationId', 'bench',
                               'actor', 'bench', 'occurredAt', '2026-11-01T10:00:00.000Z'),
            '2026-11-01T10:00:00Z'
       FROM a, generate_series(1, ${PER_ACCOUNT}) v ORDER BY a.id, v`,
    [EVENTS / PER_ACCOUNT],
  );
  await dataSource.query('ANALYZE es_events');
}

async function reset(dataSource: DataSource): Promise<void> {
  await dataSource.query('TRUNCATE account_summaries');
  await dataSource.query('DELETE FROM es_projections');
}

/** Ours: the real runner, gap-safe reads, rows + checkpoint in one transaction per batch. */
async function runProjection(dataSource: DataSource): Promise<number> {
  const runner = new ProjectionRunner(
    new PostgresEventStore(dataSource),
    new PostgresProjectionStore(dataSource),
    accountSummariesProjection,
  );
  const started = performance.now();
  if ((await runner.catchUp()) !== 'caught-up') throw new Error('projection did not catch up');
  return performance.now() - started;
}

/** Baseline: plain batched SQL producing the same rows. */
async function runPlainSql(dataSource: DataSource): Promise<number> {
  const started = performance.now();
  for (let after = 0; ; after += BATCH) {
    const done: { n: number }[] = await dataSource.query(
      `WITH batch AS (SELECT * FROM es_events WHERE global_position > $1 ORDER BY global_position LIMIT $2),
            opened AS (
              INSERT INTO account_summaries (account_id, customer_id, currency, balance, status, version, opened_at, updated_at)
              SELECT (data->>'accountId')::uuid, (data->>'customerId')::uuid, data->>'currency', 0, 'OPEN', 0, occurred_at, occurred_at
                FROM batch WHERE type = 'AccountOpened')
       SELECT count(*)::int AS n FROM batch`,
      [after, BATCH],
    );
    await dataSource.query(
      `WITH batch AS (SELECT * FROM es_events WHERE global_position > $1 ORDER BY global_position LIMIT $2)
       UPDATE account_summaries s SET balance = s.balance + c.delta, version = c.version, updated_at = c.at
         FROM (SELECT (data->>'accountId')::uuid AS id, sum(COALESCE((data->>'amount')::bigint, 0)) AS delta,
                      max(stream_version) AS version, max(occurred_at) AS at
                 FROM batch GROUP BY 1) c
        WHERE s.account_id = c.id`,
      [after, BATCH],
    );
    if (done[0].n < BATCH) return performance.now() - started;
  }
}

async function checksum(dataSource: DataSource): Promise<string> {
  const [{ sum }] = await dataSource.query<{ sum: string }[]>(
    `SELECT md5(string_agg(account_id || ':' || balance || ':' || version, ',' ORDER BY account_id)) AS sum FROM account_summaries`,
  );
  return sum;
}

async function main(): Promise<void> {
  const bench = await openBenchSchema('catch_up');
  try {
    console.log(`seeding ${EVENTS} events (${EVENTS / PER_ACCOUNT} accounts x ${PER_ACCOUNT})...`);
    await seed(bench.dataSource);
    const times = { projection: [] as number[], plain: [] as number[] };
    const sums = new Set<string>();
    for (let run = 1; run <= RUNS; run++) {
      // Alternate the order so neither side always gets the warmer cache.
      for (const variant of run % 2
        ? (['projection', 'plain'] as const)
        : (['plain', 'projection'] as const)) {
        await reset(bench.dataSource);
        times[variant].push(
          variant === 'projection'
            ? await runProjection(bench.dataSource)
            : await runPlainSql(bench.dataSource),
        );
        sums.add(await checksum(bench.dataSource));
      }
    }
    if (sums.size !== 1) throw new Error('the two variants did not write the same rows');
    const rate = (ms: number) => Math.round(EVENTS / (ms / 1000));
    const ours = median(times.projection);
    const plain = median(times.plain);
    console.log(
      `\nProjection catch-up, ${EVENTS} events, median of ${RUNS} runs (batch ${BATCH}), same rows (checksum equal):`,
    );
    console.table([
      {
        variant: 'ProjectionRunner (account-summaries)',
        'median ms': Math.round(ours),
        'events/s': rate(ours),
      },
      {
        variant: 'plain batched SQL (baseline)',
        'median ms': Math.round(plain),
        'events/s': rate(plain),
      },
    ]);
    const ratio = plain / ours;
    const spread = (runs: number[]) =>
      runs
        .map(rate)
        .sort((a, b) => a - b)
        .join('-');
    console.log(
      `runs: ProjectionRunner ${spread(times.projection)} events/s, plain SQL ${spread(times.plain)}`,
    );
    console.log(`ratio ours/baseline (throughput): ${ratio.toFixed(2)}`);
    console.log(
      `goal (catch-up ≥ ${CATCH_UP_GOAL}x the plain-SQL baseline): ${ratio >= CATCH_UP_GOAL ? 'MET' : 'MISSED'}: x${ratio.toFixed(2)}`,
    );
  } finally {
    await bench.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
