import { join } from 'node:path';
import { formatVerdict, Verdict } from '../checks/verdict';
import { FaultRecord } from '../faults/fault-record';
import { clockOrigin } from '../support/clock';
import { writeJsonFile } from '../support/json-file';
import { problemCode } from '../workload/retrying-client';
import { Environment } from './environment';
import { QuiescenceResult } from './quiescence';
import { RunOptions } from './run-options';

export interface Totals {
  readonly operations: number;
  readonly probeOperations: number;
  readonly attempts: number;
  /** How attempts ended: "201", "409 IDEMPOTENCY_KEY_IN_USE", "no answer: timeout"… */
  readonly attemptResults: Readonly<Record<string, number>>;
  readonly reads: number;
  readonly acknowledged: number;
  readonly refused: number;
  readonly indefinite: number;
  readonly faults: Readonly<Record<string, { alone: number; mixed: number; failed: number }>>;
  readonly deliveries: number;
  readonly duplicatesDelivered: number;
  readonly unexpectedExits: number;
  readonly startFailures: number;
}

export function totalsOf(env: Environment, faults: readonly FaultRecord[]): Totals {
  const operations = env.history.operations;
  const outcome = (o: string) => operations.filter((operation) => operation.outcome === o).length;
  const byKind: Record<string, { alone: number; mixed: number; failed: number }> = {};
  for (const fault of faults) {
    const entry = (byKind[fault.kind] ??= { alone: 0, mixed: 0, failed: 0 });
    if (fault.mixed) entry.mixed++;
    else entry.alone++;
    if (fault.error) entry.failed++;
  }
  const ids = env.tap.deliveries.map((delivery) => delivery.messageId);
  const attemptResults: Record<string, number> = {};
  for (const attempt of operations.flatMap((operation) => operation.attempts)) {
    const result = attempt.result;
    const label =
      result.kind === 'no-answer'
        ? `no answer (${result.reason})`
        : result.status >= 400
          ? `${result.status} ${problemCode(result.body) ?? ''}`.trim()
          : String(result.status);
    attemptResults[label] = (attemptResults[label] ?? 0) + 1;
  }
  return {
    operations: operations.length,
    probeOperations: operations.filter((operation) => operation.source === 'probe').length,
    attempts: env.history.attemptCount(),
    attemptResults,
    reads: env.history.reads.length,
    acknowledged: outcome('acknowledged'),
    refused: outcome('refused'),
    indefinite: outcome('indefinite'),
    faults: byKind,
    deliveries: ids.length,
    duplicatesDelivered: ids.length - new Set(ids).size,
    unexpectedExits: env.fleet.unexpectedExits.length,
    startFailures: env.fleet.startFailures.length,
  };
}

export function printSummary(
  options: RunOptions,
  env: Environment,
  totals: Totals,
  verdicts: readonly Verdict[],
): void {
  const faults = Object.entries(totals.faults)
    .map(
      ([kind, n]) =>
        `${kind} ${n.alone + n.mixed} (${n.mixed} mixed${n.failed ? `, ${n.failed} failed` : ''})`,
    )
    .join(', ');
  console.log('');
  console.log(`== ${options.label} ${env.runId}: seed ${options.seed}`);
  console.log(
    `requests: ${totals.operations} writes (${totals.probeOperations} outage probes), ` +
      `${totals.attempts} attempts, ${totals.reads} reads; ` +
      `${totals.acknowledged} acknowledged, ${totals.refused} refused, ${totals.indefinite} indefinite`,
  );
  const results = Object.entries(totals.attemptResults)
    .sort(([, a], [, b]) => b - a)
    .map(([label, n]) => `${n}× ${label}`)
    .join(', ');
  console.log(`attempts: ${results}`);
  console.log(`faults: ${faults || 'none'}`);
  console.log(
    `broker: ${totals.deliveries} deliveries, ${totals.duplicatesDelivered} duplicates; ` +
      `app exits on their own: ${totals.unexpectedExits}, failed starts: ${totals.startFailures}`,
  );
  for (const v of verdicts) console.log(formatVerdict(v));
}

/** The whole history and every verdict's details, as JSON in the run's folder. */
export async function writeReport(
  options: RunOptions,
  env: Environment,
  totals: Totals,
  verdicts: readonly Verdict[],
  faults: readonly FaultRecord[],
  quiescence: QuiescenceResult,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const path = join(env.outDir, 'report.json');
  const head = {
    runId: env.runId,
    options,
    clockOrigin,
    note: 'times are milliseconds since clockOrigin (monotonic clock)',
    totals,
    verdicts,
    quiescence,
    faults,
    instances: env.fleet.instances.map((instance) => ({
      name: instance.name,
      incarnations: instance.incarnations,
    })),
    unexpectedExits: env.fleet.unexpectedExits,
    startFailures: env.fleet.startFailures,
    ...extra,
  };
  await writeJsonFile(path, head, {
    operations: env.history.operations,
    reads: env.history.reads,
    deliveries: env.tap.deliveries,
  });
  return path;
}
