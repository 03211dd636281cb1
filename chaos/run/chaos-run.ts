import { FaultInjector } from '../faults/fault-injector';
import { runFaultSchedule } from '../faults/fault-schedule';
import { OutageProber } from '../faults/outage-prober';
import { CleanupScope } from '../support/cleanup-scope';
import { now, sleep } from '../support/clock';
import { concludeRun, RunOutcome } from './conclude-run';
import { openEnvironment } from './environment';
import { openProbeAccount } from './probe-account';
import { reportProgress } from './progress';
import { runWorkload } from './run-workload';
import { RunOptions } from './run-options';

/** Faults start once the bank has some customers and accounts. */
const WARM_UP_MS = 8_000;
/** The last stretch of the workload has no new faults: recovery under load is observed. */
const QUIET_TAIL_MS = 35_000;

/**
 * The workload against two app instances for `minutes`, with the listed faults injected on
 * a seeded schedule, then heal, quiesce and check. Everything it set up is undone by the
 * scope (also when it fails).
 */
export async function runChaos(options: RunOptions, scope: CleanupScope): Promise<RunOutcome> {
  console.log(
    `${options.label}: seed ${options.seed}, ${options.minutes} min, ${options.clients} clients, ` +
      `faults: ${options.faults.join(', ') || 'none'}`,
  );
  try {
    const env = await openEnvironment(options, scope);
    const prober = new OutageProber(
      env.client,
      env.random.fork(2_001),
      await openProbeAccount(env),
    );
    const injector = new FaultInjector({ ...env, prober }, env.random.fork(3_000));
    const workload = await runWorkload(env, options);
    const stopProgress = reportProgress(env);
    const startedAt = now();
    const endAt = startedAt + options.minutes * 60_000;
    workload.start();
    await runFaultSchedule(injector, options.faults, env.random.fork(5_000), {
      startAt: startedAt + WARM_UP_MS,
      endAt: endAt - QUIET_TAIL_MS,
    });
    await sleep(Math.max(0, endAt - now()));
    console.log('stopping the workload (operations in progress finish their retries)');
    await workload.stop();
    await prober.drain();
    stopProgress();
    if (workload.errors.length)
      console.log(`  ! checker client errors: ${workload.errors.slice(0, 3).join('; ')}`);
    return await concludeRun(options, env, injector.records, {
      report: { workloadErrors: workload.errors },
    });
  } finally {
    await scope.close();
  }
}
