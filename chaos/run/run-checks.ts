import { DataSource } from 'typeorm';
import { loadMasterKey } from '../../src/personal-data/master-key';
import { accountLedgers } from '../checks/account-ledger';
import { checkAppKillRecovery } from '../checks/app-kill.check';
import { checkBrokerDelivery } from '../checks/broker-delivery.check';
import { CheckContext } from '../checks/check-context';
import { checkCustomers } from '../checks/customers.check';
import { checkDatabaseOutages } from '../checks/db-outage.check';
import { checkFaultsInjected } from '../checks/faults-injected.check';
import { readLog } from '../checks/log-snapshot';
import { checkMoney, checkNoNegativeBalance } from '../checks/money.check';
import { SubjectKeys } from '../checks/personal-data';
import { checkPersonalDataSealed } from '../checks/personal-data.check';
import { checkProcessManagers } from '../checks/process-managers.check';
import { checkReadModels } from '../checks/read-models.check';
import { checkAppExits, checkHttpProtocol, checkQuiescence } from '../checks/run-health.check';
import { checkTransfers } from '../checks/transfers.check';
import { checkWritesOnce } from '../checks/writes-once.check';
import { Verdict, verdict } from '../checks/verdict';
import { FaultKind } from '../faults/fault-kinds';
import { FaultRecord } from '../faults/fault-record';
import { apiGet } from '../infra/admin-api';
import { CHECKER_APPLICATION_NAME } from '../infra/pg-cluster';
import { Environment } from './environment';
import { QuiescenceResult } from './quiescence';

type Check = (context: CheckContext) => Verdict | Promise<Verdict>;

const CHECKS: readonly [string, Check][] = [
  ['writes-once', checkWritesOnce],
  ['money-conserved', checkMoney],
  ['no-negative-balance', checkNoNegativeBalance],
  ['transfers-terminal', checkTransfers],
  ['one-active-per-document', checkCustomers],
  ['personal-data-sealed', checkPersonalDataSealed],
  ['broker-delivery', checkBrokerDelivery],
  ['read-models', checkReadModels],
  ['process-managers', checkProcessManagers],
  ['db-outage', checkDatabaseOutages],
  ['app-kill-recovery', checkAppKillRecovery],
  ['faults-injected', checkFaultsInjected],
  ['app-processes', checkAppExits],
  ['quiescence', checkQuiescence],
  ['http-protocol', checkHttpProtocol],
];

/** Reads the log once and runs every check; a check that throws is a FAIL, not a crash. */
export async function runChecks(
  env: Environment,
  requestedFaults: readonly FaultKind[],
  faults: readonly FaultRecord[],
  quiescence: QuiescenceResult,
): Promise<Verdict[]> {
  const dataSource = await new DataSource({
    type: 'postgres',
    url: env.cluster.url,
    extra: { application_name: CHECKER_APPLICATION_NAME, max: 4 },
  }).initialize();
  try {
    // The key file the instances were given (created before they started).
    const dataKeys = await SubjectKeys.read(
      dataSource,
      loadMasterKey({ masterKeyFile: env.masterKeyFile }),
    );
    const log = await readLog(dataSource, dataKeys);
    const context: CheckContext = {
      history: env.history,
      log,
      ledgers: accountLedgers(log),
      dataSource,
      dataKeys,
      deliveries: env.tap.deliveries,
      requestedFaults,
      faults,
      fleet: env.fleet,
      quiescence,
      get: (path) => apiGet(env.fleet, env.random, env.callers.auditor, path),
    };
    const verdicts: Verdict[] = [];
    for (const [property, check] of CHECKS) {
      try {
        verdicts.push(await check(context));
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        verdicts.push(
          verdict(property, false, `the check itself failed: ${message.split('\n')[0]}`, message),
        );
      }
    }
    return verdicts;
  } finally {
    await dataSource.destroy();
  }
}
