import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadMasterKey } from '../../src/personal-data/master-key';
import { AppFleet } from '../infra/app-fleet';
import { RunCallers, runCallers, RunCredentials } from '../infra/credentials';
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
  /** Mints tokens the app instances accept (the run's own issuer key). */
  readonly credentials: RunCredentials;
  /**
   * The run's personal-data master key file (PII_MASTER_KEY_FILE of every instance): the
   * checks unwrap the data keys with it to read the sealed personal fields of the log.
   */
  readonly masterKeyFile: string;
  readonly callers: RunCallers;
  /** The outage prober's client (its own principal); `as` gives one for another caller. */
  readonly client: RetryingClient;
  readonly model: BankModel;
}

/**
 * Every app instance of a run gets it: far above anything the workload sends, so the rate
 * limiter never answers 429. The checker measures correctness, not throttling. (It still
 * counts every request; each principal sends a few a second, so its in-memory hit log stays
 * as short as the default limits keep it.)
 */
const UNREACHABLE_RATE_LIMIT = '10000000';
/** Tokens outlive the run: its workload, the retries' budget, quiescence and the checks. */
const TOKEN_MARGIN_SECONDS = 3_600;

export const INSTANCE_NAMES = ['a', 'b'] as const;

/**
 * Its own PostgreSQL cluster, the checker's queue on a fresh exchange (declared before the
 * apps start, so nothing they publish is missed), the run's token issuer key (in the run
 * folder: every instance verifies with it, the checker signs with it) and personal-data
 * master key (every instance wraps and unwraps data keys with it, the checks read the sealed
 * fields with it), then two app instances on that database. Clean-up runs in the reverse
 * order: apps, the two key files, tap, broker back up if the run killed it, the run's broker
 * objects, the cluster (its log kept in the run folder).
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

  const keyFile = join(outDir, 'local-issuer-key.json');
  const masterKeyFile = join(outDir, 'pii-master-key');
  const appEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    DATABASE_URL: cluster.url,
    AMQP_URL: options.amqpUrl,
    AMQP_EXCHANGE: exchange,
    LOG_LEVELS: 'error,warn,log',
    NO_COLOR: '1',
    // Authentication stays on: the local issuer (no AUTH_JWKS_URL), one key pair for every
    // instance and incarnation of the run, so the checker's tokens are valid on all of them.
    AUTH_LOCAL_KEY_FILE: keyFile,
    // One personal-data master key for every instance and incarnation of the run: data keys
    // one instance wrapped, the others (and the checks) unwrap.
    PII_MASTER_KEY_FILE: masterKeyFile,
    RATE_LIMIT_REQUESTS_PER_MINUTE: UNREACHABLE_RATE_LIMIT,
    RATE_LIMIT_WRITES_PER_MINUTE: UNREACHABLE_RATE_LIMIT,
    // No second teller takes part in the workload, and its checks expect every transfer to end:
    // a balance grown past the approval threshold would leave a transfer awaiting approval.
    APPROVAL_THRESHOLD: '100000000000',
  };
  // Created here, before any app starts (an app would create it too, with the same code).
  const credentials = await RunCredentials.open(
    appEnv,
    options.minutes * 60 + options.quiescenceTimeoutMs / 1000 + TOKEN_MARGIN_SECONDS,
  );
  // A throwaway key, but a private one: it does not stay behind with the report.
  scope.add(() => rm(keyFile, { force: true }));
  // The master key as well, generated here by the app's own code before any instance starts
  // (each would otherwise race to create it; the app's loader settles that race too). It
  // opens every customer's personal data: it does not stay behind with the report either.
  scope.add(() => rm(masterKeyFile, { force: true }));
  loadMasterKey({ masterKeyFile });
  const callers = await runCallers(credentials);

  const fleet = new AppFleet(INSTANCE_NAMES, {
    main: options.appMain,
    nodeArgs: options.appNodeArgs,
    logFile: (instance) => join(outDir, `app-${instance}.log`),
    env: appEnv,
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
      ` (tokens of the issuer key ${keyFile}), output in ${outDir}`,
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
    credentials,
    masterKeyFile,
    callers,
    client: new RetryingClient(fleet, history, mode, callers.prober),
    model: new BankModel(random.fork(1_000)),
  };
}
