import { Verdict } from '../checks/verdict';
import { FaultRecord } from '../faults/fault-record';
import { heal, waitForQuiescence } from './quiescence';
import { Environment } from './environment';
import { printSummary, totalsOf, writeReport } from './report';
import { runChecks } from './run-checks';
import { RunOptions } from './run-options';

export interface RunOutcome {
  readonly runId: string;
  readonly verdicts: readonly Verdict[];
  readonly reportPath: string;
}

/**
 * After the workload: undo every fault, wait (bounded) until nothing moves, check the
 * history against the log, print the verdicts and write the report.
 */
export async function concludeRun(
  options: RunOptions,
  env: Environment,
  faults: readonly FaultRecord[],
  extra: { verdicts?: readonly Verdict[]; report?: Record<string, unknown> } = {},
): Promise<RunOutcome> {
  console.log('healing (PostgreSQL, RabbitMQ and every app up) and waiting for quiescence');
  await heal(env);
  const quiescence = await waitForQuiescence(
    env,
    env.random.fork(6_000),
    options.quiescenceTimeoutMs,
  );
  console.log(
    quiescence.reached
      ? `quiet after ${(quiescence.tookMs / 1000).toFixed(1)} s; checking`
      : `not quiet after ${(quiescence.tookMs / 1000).toFixed(0)} s (${quiescence.outstanding.join('; ')}); checking anyway`,
  );
  const verdicts = [
    ...(await runChecks(env, options.faults, faults, quiescence)),
    ...(extra.verdicts ?? []),
  ];
  const totals = totalsOf(env, faults);
  printSummary(options, env, totals, verdicts);
  const reportPath = await writeReport(
    options,
    env,
    totals,
    verdicts,
    faults,
    quiescence,
    extra.report,
  );
  console.log(`report: ${reportPath}`);
  return { runId: env.runId, verdicts, reportPath };
}
