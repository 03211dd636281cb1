import { DataSource } from 'typeorm';
import { FaultKind } from '../faults/fault-kinds';
import { FaultRecord } from '../faults/fault-record';
import { AppFleet } from '../infra/app-fleet';
import { Delivery } from '../infra/delivery-tap';
import { QuiescenceResult } from '../run/quiescence';
import { History } from '../workload/history';
import { AccountLedger } from './account-ledger';
import { LogSnapshot } from './log-snapshot';
import { SubjectKeys } from './personal-data';

/** Everything a check may look at, read once after quiescence. */
export interface CheckContext {
  readonly history: History;
  readonly log: LogSnapshot;
  readonly ledgers: ReadonlyMap<string, AccountLedger>;
  readonly dataSource: DataSource;
  /** The data keys of pii_data_keys, unwrapped with the run's master key on use. */
  readonly dataKeys: SubjectKeys;
  readonly deliveries: readonly Delivery[];
  /** The kinds the run was asked to inject, and what was injected. */
  readonly requestedFaults: readonly FaultKind[];
  readonly faults: readonly FaultRecord[];
  readonly fleet: AppFleet;
  readonly quiescence: QuiescenceResult;
  /** GET as the run's auditor through a serving instance; undefined when it did not answer 200. */
  readonly get: (path: string) => Promise<unknown>;
}
