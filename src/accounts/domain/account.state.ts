import { MAX_BALANCE } from '../../shared-kernel/money';
import { AccountEvent, AccountEventType, ACCOUNT_EVENT_TYPES } from './account.events';

interface AccountDetails {
  readonly id: string;
  readonly customerId: string;
  readonly currency: string;
  /**
   * Minor units. A debit never takes it below minus `overdraftLimit`; it may sit below that
   * only after a teller lowered the limit of an overdrawn account.
   */
  readonly balance: number;
  /** How far below zero debits may take the balance, minor units; 0 unless a teller set one. */
  readonly overdraftLimit: number;
  /** Transfer ids per step already recorded: each step happens at most once per transfer. */
  readonly transfers: TransferSteps;
  /** Every hold ever placed, by hold id: an ended one stays, so its id is never reused. */
  readonly holds: Readonly<Record<string, Hold>>;
}

export type HoldStatus = 'OPEN' | 'CAPTURED' | 'RELEASED' | 'EXPIRED';
export const HOLD_STATUSES: readonly HoldStatus[] = ['OPEN', 'CAPTURED', 'RELEASED', 'EXPIRED'];

/** A hold as the account knows it. */
export type Hold = {
  readonly amount: number;
  readonly reason: string;
  /** ISO 8601: after it the hold can no longer be captured, and its deadline expires it. */
  readonly expiresAt: string;
  readonly status: HoldStatus;
  /** What a capture took (the rest was released); null until captured. */
  readonly capturedAmount: number | null;
};

export interface TransferSteps {
  readonly debited: readonly string[];
  readonly credited: readonly string[];
  readonly cancelled: readonly string[];
  readonly refunded: readonly string[];
  readonly settled: readonly string[];
}

const NO_TRANSFERS: TransferSteps = {
  debited: [],
  credited: [],
  cancelled: [],
  refunded: [],
  settled: [],
};

type Balances = {
  readonly balance: number;
  readonly overdraftLimit: number;
  readonly holds: Readonly<Record<string, Hold>>;
};

/** What the open holds reserve. */
export const heldAmount = (account: Pick<Balances, 'holds'>): number =>
  Object.values(account.holds).reduce(
    (sum, hold) => (hold.status === 'OPEN' ? sum + hold.amount : sum),
    0,
  );

/** The ledger balance minus what open holds reserve. Never below minus the overdraft limit. */
export const availableBalance = (account: Balances): number =>
  account.balance - heldAmount(account);

/**
 * What debits and new holds may still take: the available balance plus the overdraft limit, at
 * most MAX_BALANCE (past it the sum would no longer be exact as a JSON number; no debit is that
 * large anyway).
 */
export const spendableBalance = (account: Balances): number =>
  Math.min(availableBalance(account) + account.overdraftLimit, MAX_BALANCE);

/** An account's figures as the API shows them. */
export type AccountBalances = {
  readonly ledgerBalance: number;
  readonly heldAmount: number;
  readonly availableBalance: number;
  readonly overdraftLimit: number;
  readonly spendableBalance: number;
};

export const accountBalances = (account: Balances): AccountBalances => ({
  ledgerBalance: account.balance,
  heldAmount: heldAmount(account),
  availableBalance: availableBalance(account),
  overdraftLimit: account.overdraftLimit,
  spendableBalance: spendableBalance(account),
});

/** Transfers this account was debited for that are neither refunded nor settled yet. */
export const transfersInFlight = (transfers: TransferSteps): string[] =>
  transfers.debited.filter(
    (id) => !transfers.refunded.includes(id) && !transfers.settled.includes(id),
  );

/** Records one transfer step and moves the balance by `delta`. */
function transferStep(
  state: AccountState,
  step: keyof TransferSteps,
  transferId: string,
  delta: number,
): AccountState {
  if (state.status === 'NONE') return state;
  const transfers = { ...state.transfers, [step]: [...state.transfers[step], transferId] };
  return { ...state, balance: state.balance + delta, transfers };
}

/** Moves one hold to an ended status (the money of a capture moves with its MoneyWithdrawn). */
function endHold(
  state: AccountState,
  holdId: string,
  status: Exclude<HoldStatus, 'OPEN'>,
  capturedAmount: number | null = null,
): AccountState {
  if (state.status === 'NONE') return state;
  const hold = state.holds[holdId];
  if (hold === undefined) return state;
  return { ...state, holds: { ...state.holds, [holdId]: { ...hold, status, capturedAmount } } };
}

export type OpenAccount = AccountDetails & { readonly status: 'OPEN' };
export type ClosedAccount = AccountDetails & { readonly status: 'CLOSED' };
export type AccountState = { readonly status: 'NONE' } | OpenAccount | ClosedAccount;

export const initialAccountState = (): AccountState => ({ status: 'NONE' });

/** Applies one recorded event. Pure; trusts the event (rules were checked when it was decided). */
export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case AccountEventType.opened:
      return {
        status: 'OPEN',
        id: event.data.accountId,
        customerId: event.data.customerId,
        currency: event.data.currency,
        balance: 0,
        overdraftLimit: 0,
        transfers: NO_TRANSFERS,
        holds: {},
      };
    case AccountEventType.deposited:
      return state.status === 'NONE'
        ? state
        : { ...state, balance: state.balance + event.data.amount };
    case AccountEventType.withdrawn:
      return state.status === 'NONE'
        ? state
        : { ...state, balance: state.balance - event.data.amount };
    case AccountEventType.closed:
      return state.status === 'NONE' ? state : { ...state, status: 'CLOSED' };
    case AccountEventType.debitedForTransfer:
      return transferStep(state, 'debited', event.data.transferId, -event.data.amount);
    case AccountEventType.creditedForTransfer:
      return transferStep(state, 'credited', event.data.transferId, event.data.amount);
    case AccountEventType.transferCreditCancelled:
      return transferStep(state, 'cancelled', event.data.transferId, 0);
    case AccountEventType.transferDebitRefunded:
      return transferStep(state, 'refunded', event.data.transferId, event.data.amount);
    case AccountEventType.transferDebitSettled:
      return transferStep(state, 'settled', event.data.transferId, 0);
    case AccountEventType.overdraftLimitSet:
      return state.status === 'NONE' ? state : { ...state, overdraftLimit: event.data.limit };
    case AccountEventType.holdPlaced: {
      if (state.status === 'NONE') return state;
      const { holdId, amount, reason, expiresAt } = event.data;
      const hold: Hold = { amount, reason, expiresAt, status: 'OPEN', capturedAmount: null };
      return { ...state, holds: { ...state.holds, [holdId]: hold } };
    }
    case AccountEventType.holdCaptured:
      return endHold(state, event.data.holdId, 'CAPTURED', event.data.amount);
    case AccountEventType.holdReleased:
      return endHold(state, event.data.holdId, 'RELEASED');
    case AccountEventType.holdExpired:
      return endHold(state, event.data.holdId, 'EXPIRED');
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

/** The account aggregate as the event-sourcing library sees it. */
export const accountAggregate = {
  eventTypes: ACCOUNT_EVENT_TYPES,
  initialState: initialAccountState,
  evolve: evolveAccount,
};

/** Streams are named by aggregate type and id, so one id can never load another type's events. */
export const accountStreamId = (accountId: string): string => `account-${accountId}`;
