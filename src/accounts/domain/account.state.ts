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
}

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

/**
 * What debits may still take: the balance plus the overdraft limit, at most MAX_BALANCE (past
 * it the sum would no longer be exact as a JSON number; no debit is that large anyway).
 */
export const availableBalance = (account: { balance: number; overdraftLimit: number }): number =>
  Math.min(account.balance + account.overdraftLimit, MAX_BALANCE);

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
