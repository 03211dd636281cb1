/** Stable event type names (past tense); never derived from class names. */
export const AccountEventType = {
  opened: 'AccountOpened',
  deposited: 'MoneyDeposited',
  withdrawn: 'MoneyWithdrawn',
  closed: 'AccountClosed',
  debitedForTransfer: 'MoneyDebitedForTransfer',
  creditedForTransfer: 'MoneyCreditedForTransfer',
  transferCreditCancelled: 'TransferCreditCancelled',
  transferDebitRefunded: 'TransferDebitRefunded',
  transferDebitSettled: 'TransferDebitSettled',
  overdraftLimitSet: 'OverdraftLimitSet',
} as const;

export interface AccountOpened {
  readonly type: typeof AccountEventType.opened;
  readonly data: { accountId: string; customerId: string; currency: string };
}

/** How money came in. Deposits recorded before channels existed read as `unknown`. */
export type DepositChannel = 'online' | 'branch' | 'atm' | 'unknown';
export const DEPOSIT_CHANNELS: readonly DepositChannel[] = ['online', 'branch', 'atm'];

/**
 * Schema version 2 (current): `channel` was added. Version 1 events stay in the store as they
 * were written and are upcast on every read (see account.upcasters.ts).
 */
export interface MoneyDeposited {
  readonly type: typeof AccountEventType.deposited;
  readonly schemaVersion?: 2;
  readonly data: {
    accountId: string;
    amount: number;
    reference: string | null;
    channel: DepositChannel;
  };
}

export interface MoneyWithdrawn {
  readonly type: typeof AccountEventType.withdrawn;
  readonly data: { accountId: string; amount: number; reference: string | null };
}

export interface AccountClosed {
  readonly type: typeof AccountEventType.closed;
  readonly data: { accountId: string };
}

/** The source account's part of a transfer; at most once per transfer id. */
export interface MoneyDebitedForTransfer {
  readonly type: typeof AccountEventType.debitedForTransfer;
  readonly data: { accountId: string; transferId: string; amount: number };
}

/** The destination account's part of a transfer; at most once, never after a cancellation. */
export interface MoneyCreditedForTransfer {
  readonly type: typeof AccountEventType.creditedForTransfer;
  readonly data: { accountId: string; transferId: string; amount: number };
}

/**
 * The destination will never take this transfer's credit (its deadline passed): recorded on
 * the destination's stream, so a late credit and the cancellation cannot both happen.
 */
export interface TransferCreditCancelled {
  readonly type: typeof AccountEventType.transferCreditCancelled;
  readonly data: { accountId: string; transferId: string };
}

/** The compensation: a transfer's debit given back to the source. */
export interface TransferDebitRefunded {
  readonly type: typeof AccountEventType.transferDebitRefunded;
  readonly data: { accountId: string; transferId: string; amount: number };
}

/**
 * The source learns that a transfer it was debited for completed: the debit is final. Until a
 * debit is settled or refunded the transfer is in flight, and the account cannot be closed
 * (a refund would land on a closed account).
 */
export interface TransferDebitSettled {
  readonly type: typeof AccountEventType.transferDebitSettled;
  readonly data: { accountId: string; transferId: string };
}

/**
 * A teller set how far below zero the account may go: withdrawals and transfer debits are
 * then checked against balance + limit. `reason` says why (recorded for audit).
 */
export interface OverdraftLimitSet {
  readonly type: typeof AccountEventType.overdraftLimitSet;
  readonly data: { accountId: string; limit: number; reason: string };
}

export type AccountEvent =
  | AccountOpened
  | MoneyDeposited
  | MoneyWithdrawn
  | AccountClosed
  | MoneyDebitedForTransfer
  | MoneyCreditedForTransfer
  | TransferCreditCancelled
  | TransferDebitRefunded
  | TransferDebitSettled
  | OverdraftLimitSet;

export const ACCOUNT_EVENT_TYPES: readonly AccountEvent['type'][] = Object.values(AccountEventType);
