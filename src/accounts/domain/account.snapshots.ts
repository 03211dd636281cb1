import { JsonValue, SnapshotPolicy } from '@ledgerline/event-sourcing';
import { AccountState, Hold, HOLD_STATUSES, TransferSteps } from './account.state';

const STEPS: readonly (keyof TransferSteps)[] = [
  'debited',
  'credited',
  'cancelled',
  'refunded',
  'settled',
];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isHold = (value: unknown): value is Hold =>
  isRecord(value) &&
  Number.isSafeInteger(value.amount) &&
  typeof value.reason === 'string' &&
  typeof value.expiresAt === 'string' &&
  HOLD_STATUSES.some((status) => status === value.status) &&
  (value.capturedAmount === null || Number.isSafeInteger(value.capturedAmount));
const isHolds = (value: unknown): value is Record<string, Hold> =>
  isRecord(value) && Object.values(value).every(isHold);
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** A snapshot's JSON, if it has the shape of the current AccountState. */
function accountStateFromJson(json: JsonValue): AccountState | undefined {
  if (!isRecord(json)) return undefined;
  if (json.status === 'NONE') return { status: 'NONE' };
  if (json.status !== 'OPEN' && json.status !== 'CLOSED') return undefined;
  const { id, customerId, currency, balance, overdraftLimit, transfers, holds } = json;
  if (typeof id !== 'string' || typeof customerId !== 'string' || typeof currency !== 'string')
    return undefined;
  if (typeof balance !== 'number' || !Number.isSafeInteger(balance)) return undefined;
  // A balance may be below minus the limit: a limit lowered while overdrawn.
  if (typeof overdraftLimit !== 'number' || !Number.isSafeInteger(overdraftLimit)) return undefined;
  if (overdraftLimit < 0) return undefined;
  if (!isRecord(transfers) || !STEPS.every((step) => isStringArray(transfers[step])))
    return undefined;
  if (!isHolds(holds)) return undefined;
  return {
    status: json.status,
    id,
    customerId,
    currency,
    balance,
    overdraftLimit,
    transfers: transfers as unknown as TransferSteps,
    holds,
  };
}

/**
 * Accounts are snapshotted every 100 events. Bump `schemaVersion` whenever AccountState's
 * shape changes: older snapshots are then ignored, the stream replayed and a fresh snapshot
 * written with the next command.
 */
export const accountSnapshots: SnapshotPolicy<AccountState> = {
  // 2: overdraftLimit was added (and a balance may be negative, down to minus it).
  // 3: holds were added.
  schemaVersion: 3,
  every: 100,
  toJson: (state) => state as unknown as JsonValue,
  fromJson: accountStateFromJson,
};
