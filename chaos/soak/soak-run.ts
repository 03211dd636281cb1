import { INSTANCE_NAMES, openEnvironment } from '../run/environment';
import { concludeRun, RunOutcome } from '../run/conclude-run';
import { reportProgress } from '../run/progress';
import { RunOptions } from '../run/run-options';
import { runWorkload } from '../run/run-workload';
import { CleanupScope } from '../support/cleanup-scope';
import { now, sleep } from '../support/clock';
import { MemorySampler } from './memory-sampler';
import { heapVerdict, tableGrowthVerdict } from './soak-verdicts';
import { outgrowingTheLog, tableSizes } from './table-sizes';

const RSS_EVERY_MS = 10_000;

/**
 * Steady moderate load, no faults, for `minutes`: memory of each app and the size of each
 * table are taken after a warm-up (a fifth of the run, at least 30 s) and at the end. Then
 * the same history checks as a chaos run, plus the soak's two verdicts.
 */
export async function runSoak(options: RunOptions, scope: CleanupScope): Promise<RunOutcome> {
  console.log(
    `soak: seed ${options.seed}, ${options.minutes} min, ${options.clients} clients, no faults`,
  );
  try {
    const env = await openEnvironment(options, scope);
    const sampler = new MemorySampler(env.fleet.instances);
    sampler.start(RSS_EVERY_MS);
    const workload = await runWorkload(env, options);
    const stopProgress = reportProgress(env);
    const startedAt = now();
    const durationMs = options.minutes * 60_000;
    const warmAt = startedAt + Math.max(30_000, durationMs / 5);
    workload.start();
    await sleep(warmAt - now());
    const warmSizes = await tableSizes(env.cluster);
    console.log(`  warmed up at ${(now() / 1000).toFixed(0)} s; table sizes taken`);
    await sleep(Math.max(0, startedAt + durationMs - now()));
    const endAt = now();
    const endSizes = await tableSizes(env.cluster);
    sampler.stop();
    await workload.stop();
    stopProgress();
    const growth = outgrowingTheLog(warmSizes, endSizes);
    return await concludeRun(options, env, [], {
      verdicts: [
        heapVerdict(INSTANCE_NAMES, sampler.heap, sampler.rss, { warmAt, endAt }),
        tableGrowthVerdict(growth.events, growth.faster),
      ],
      report: { soak: { warmAt, endAt, heap: sampler.heap, rss: sampler.rss, tables: growth.all } },
    });
  } finally {
    await scope.close();
  }
}
