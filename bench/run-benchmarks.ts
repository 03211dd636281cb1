/**
 * Runs the benchmarks one after the other, each in its own process (a fresh heap and event
 * loop, so one cannot warm or slow the other):
 *   npm run bench                     all of them, in the order below
 *   npm run bench -- outbox           only those whose name contains "outbox"
 *   npm run bench -- catch-up outbox  several filters: any match
 * Those that need something set up first (ON_REQUEST) run only when named exactly.
 * Exits non-zero when a benchmark fails or a filter matches none.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHMARKS = [
  'append-throughput',
  'tamper-evidence',
  'hot-stream',
  'gap-safety',
  'aggregate-load',
  'account-reads',
  'http-deposits',
  'http-customers',
  'auth-cost',
  'observability-cost',
  'freshness',
  'projection-catch-up',
  'outbox-relay',
  'deposit-drift',
] as const;
/**
 * http-revisions: another revision's build to compare with (bench/compare-revisions.sh);
 * command-cost: long windows made for such comparisons;
 * two-instances: a figure for the scaling docs, not a goal's check (and it needs RabbitMQ);
 * http-adapters: the baselines' servers on Express and Fastify, a figure, not a goal's check.
 */
const ON_REQUEST = ['http-revisions', 'command-cost', 'two-instances', 'http-adapters'] as const;

function main(): number {
  const filters = process.argv.slice(2);
  const chosen: string[] = filters.length
    ? [
        ...BENCHMARKS.filter((name) => filters.some((filter) => name.includes(filter))),
        ...ON_REQUEST.filter((name) => filters.includes(name)),
      ]
    : [...BENCHMARKS];
  if (chosen.length === 0) {
    console.error(
      `no benchmark matches ${filters.join(', ')}; known: ${[...BENCHMARKS, ...ON_REQUEST].join(', ')}`,
    );
    return 2;
  }
  for (const name of chosen) {
    console.log(`\n=== ${name} ===`);
    const result = spawnSync(process.execPath, [join(__dirname, `${name}.bench.js`)], {
      stdio: 'inherit',
    });
    if (result.status !== 0) {
      const how =
        result.error?.message ??
        (result.signal ? `signal ${result.signal}` : `exit ${result.status}`);
      console.error(`${name} failed (${how})`);
      return 1;
    }
  }
  return 0;
}

process.exit(main());
