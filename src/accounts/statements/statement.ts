import { RecordedEvent } from '@ledgerline/event-sourcing';
import { AccountEvent, AccountEventType } from '../domain/account.events';
import { counterpartOf, TransferAccounts } from './transfer-counterparts';

/** One movement of a statement: signed amount (negative for money out) and the balance after it. */
export interface StatementEntry {
  /** When it occurred (ISO 8601, UTC). */
  at: string;
  type: AccountEvent['type'];
  amount: number;
  runningBalance: number;
  /** The account's stream version of the movement: /accounts/{id}/events/{version}. */
  version: number;
  /** The client's reference of a deposit or withdrawal. */
  reference?: string;
  /** The transfer a transfer movement belongs to: GET /transfers/{transferId}. */
  transferId?: string;
  /** The other account of a transfer movement. */
  counterpartAccountId?: string;
}

/** GET /accounts/{id}/statement: the movements that occurred in [from, to). */
export interface StatementView {
  accountId: string;
  currency: string;
  from: string;
  to: string;
  openingBalance: number;
  closingBalance: number;
  entries: StatementEntry[];
}

/** How a recorded event moves the balance, or undefined when it moves none. */
function movementOf(
  event: AccountEvent,
): Pick<StatementEntry, 'amount' | 'reference' | 'transferId'> | undefined {
  switch (event.type) {
    case AccountEventType.deposited:
      return {
        amount: event.data.amount,
        ...(event.data.reference ? { reference: event.data.reference } : {}),
      };
    case AccountEventType.withdrawn:
      return {
        amount: -event.data.amount,
        ...(event.data.reference ? { reference: event.data.reference } : {}),
      };
    case AccountEventType.debitedForTransfer:
      return { amount: -event.data.amount, transferId: event.data.transferId };
    case AccountEventType.creditedForTransfer:
    case AccountEventType.transferDebitRefunded:
      return { amount: event.data.amount, transferId: event.data.transferId };
    default:
      return undefined;
  }
}

/**
 * Folds an account's recorded events (in version order) into its statement for [from, to):
 * the balance of everything that occurred before `from`, then every movement that occurred in
 * the period, with the balance after it. Pure: the same events give the same statement.
 */
export function buildStatement(
  accountId: string,
  currency: string,
  events: readonly RecordedEvent[],
  from: Date,
  to: Date,
): StatementView {
  // Movements belong to the period by when they occurred. Two commands may occur in one order
  // and commit in the other, so the opening balance sums everything before `from`, and the
  // running balance counts on from it in the account's own order (its versions).
  const movements = events.flatMap((recorded) => {
    const event = { type: recorded.type, data: recorded.data } as AccountEvent;
    const movement = movementOf(event);
    const at = new Date(recorded.metadata.occurredAt);
    return movement && at < to
      ? [{ at, type: event.type, version: recorded.streamVersion, ...movement }]
      : [];
  });
  const openingBalance = movements
    .filter((movement) => movement.at < from)
    .reduce((sum, movement) => sum + movement.amount, 0);
  let balance = openingBalance;
  const entries: StatementEntry[] = movements
    .filter((movement) => movement.at >= from)
    .map(({ at, ...movement }) => {
      balance += movement.amount;
      return { at: at.toISOString(), ...movement, runningBalance: balance };
    });
  return {
    accountId,
    currency,
    from: from.toISOString(),
    to: to.toISOString(),
    openingBalance,
    closingBalance: balance,
    entries,
  };
}

/** The transfers the statement's own entries belong to (not those of the whole history). */
export const transfersOf = (statement: StatementView): string[] => [
  ...new Set(statement.entries.flatMap((entry) => (entry.transferId ? [entry.transferId] : []))),
];

/** Names the other account of each transfer entry whose transfer `transfers` knows. */
export function withCounterparts(
  statement: StatementView,
  transfers: ReadonlyMap<string, TransferAccounts>,
): StatementView {
  const entries = statement.entries.map((entry) => {
    const accounts = entry.transferId === undefined ? undefined : transfers.get(entry.transferId);
    return accounts
      ? { ...entry, counterpartAccountId: counterpartOf(statement.accountId, accounts) }
      : entry;
  });
  return { ...statement, entries };
}
