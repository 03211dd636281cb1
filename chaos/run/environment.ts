import { randomBytes } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AppFleet } from '../infra/app-fleet';
import { deleteRunTopology, DeliveryTap } from '../infra/delivery-tap';
import { PgCluster } from '../infra/pg-cluster';
import { RabbitNode } from '../infra/rabbitmq-node';
import { CleanupScope } from '../support/cleanup-scope';
import { Random } from '../support/random';
import { BankModel } from '../workload/bank-model';
import { History } from '../workload/history';
import { ClientMode, RetryingClient } from '../workload/retrying-client';
import { RunOptions } from './run-options';

/** Everything a run works with, set up in order and registered for clean-up. */
export interface Environment {
  readonly runId: string;
  readonly outDir: string;
  readonly exchange: string;
  readonly random: Random;
  readonly cluster: PgCluster;
  readonly rabbit: RabbitNode;
  readonly tap: DeliveryTap;
  readonly fleet: AppFleet;
  readonly history: History;
  readonly mode: ClientMode;
  readonly client: RetryingClient;
  readonly model: BankModel;
}

export const INSTANCE_NAMES = ['a', 'b'] as const;

/**
 * Its own PostgreSQL cluster, the checker's queue on a fresh exchange (declared before the
 * apps start, so nothing they publish is missed), then two app instances on that database.
 * Clean-up runs in the reverse order: apps, tap, broker back up if the run killed it,
 * the run's broker objects, the cluster (its log kept in the run folder).
 */
export async function openEnvironment(
  options: RunOptions,
  scope: CleanupScope,
): Promise<Environment> {
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const outDir = join(options.outRoot, runId);
  await mkdir(outDir, { recursive: true });
  const random = new Random(options.seed);
  const rabbit = new RabbitNode();
  await rabbit.ensureUp();

  const cluster = await PgCluster.create();
  const withdrawCluster = scope.lastResort(() => cluster.destroySync());
  scope.add(async () => {
    await copyFile(cluster.logFile, join(outDir, 'postgres.log')).catch(() => undefined);
    await cluster.destroy();
    withdrawCluster();
  });

  const exchange = `chaos.${runId}`;
  const tap = await DeliveryTap.open(options.amqpUrl, exchange);
  scope.add(() => deleteRunTopology(options.amqpUrl, exchange));
  // A run that killed the broker leaves it up, even if it failed half-way.
  scope.add(() => rabbit.ensureUp());
  scope.add(() => tap.close());

  const fleet = new AppFleet(INSTANCE_NAMES, {
    main: options.appMain,
    nodeArgs: options.appNodeArgs,
    logFile: (instance) => join(outDir, `app-${instance}.log`),
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      DATABASE_URL: cluster.url,
      AMQP_URL: options.amqpUrl,
      AMQP_EXCHANGE: exchange,
      LOG_LEVELS: 'error,warn,log',
      NO_COLOR: '1',
    },
  });
  const withdrawApps = scope.lastResort(() => fleet.killSync());
  scope.add(async () => {
    await fleet.stop();
    withdrawApps();
  });
  await fleet.start();

  console.log(
    `run ${runId}: PostgreSQL on port ${cluster.port}, exchange ${exchange}, apps ` +
      fleet.instances.map((i) => `${i.name}=${i.endpoint?.baseUrl}`).join(' ') +
      `, output in ${outDir}`,
  );
  const history = new History(runId);
  const mode: ClientMode = { shortTimeouts: false };
  return {
    runId,
    outDir,
    exchange,
    random,
    cluster,
    rabbit,
    tap,
    fleet,
    history,
    mode,
    client: new RetryingClient(fleet, history, mode),
    model: new BankModel(random.fork(1_000)),
  };
}
