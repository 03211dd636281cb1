import { join } from 'node:path';
import { parseCliOptions } from './cli-options';
import { runChaos } from './run/chaos-run';
import { RunOptions } from './run/run-options';
import { runSelfTest } from './self-test';
import { runSoak } from './soak/soak-run';
import { CleanupScope } from './support/cleanup-scope';

/**
 * `npm run chaos`: a randomized bank workload against real app processes under injected
 * faults, checked afterwards against the book of record. Exit code 1 when any property fails.
 */
async function main(): Promise<number> {
  const cli = parseCliOptions(process.argv.slice(2));
  const scope = new CleanupScope();
  // Ctrl-C: undo everything (apps, cluster, broker objects) before leaving.
  const interrupt = (signal: string) => {
    console.log(`\n${signal}: cleaning up`);
    void scope.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const options: RunOptions = {
    label: cli.mode,
    seed: cli.seed,
    minutes: cli.minutes,
    faults: cli.faults,
    clients: cli.clients,
    thinkMs: cli.mode === 'soak' ? 60 : 20,
    appMain: join(cli.distDir, 'src', 'main.js'),
    appNodeArgs: cli.mode === 'soak' ? ['--trace-gc'] : [],
    outRoot: cli.outRoot,
    amqpUrl: process.env.CHAOS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    // A transfer whose credit was lost waits out its 30 s deadline, a dispatched command its
    // 30 s lease: 90 s covers both. The self-test's broken build may never settle.
    quiescenceTimeoutMs: cli.mode === 'self-test' ? 30_000 : 90_000,
  };
  switch (cli.mode) {
    case 'self-test':
      return (await runSelfTest(options, cli.distDir, scope)) ? 0 : 1;
    case 'soak': {
      const outcome = await runSoak(options, scope);
      return outcome.verdicts.some((v) => v.status === 'FAIL') ? 1 : 0;
    }
    case 'chaos': {
      const outcome = await runChaos(options, scope);
      return outcome.verdicts.some((v) => v.status === 'FAIL') ? 1 : 0;
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(2);
  },
);
