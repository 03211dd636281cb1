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
  holdPlaced: 'HoldPlaced',
  holdCaptured: 'HoldCaptured',
  holdReleased: 'HoldReleased',
  holdExpired: 'HoldExpired',
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

/**
 * Money reserved for a later debit (a card authorisation): the ledger balance is unchanged, the
 * available balance is lower by `amount` until the hold is captured, released or expires at
 * `expiresAt` (ISO 8601).
 */
export interface HoldPlaced {
  readonly type: typeof AccountEventType.holdPlaced;
  readonly data: {
    accountId: string;
    holdId: string;
    amount: number;
    reason: string;
    expiresAt: string;
  };
}

/**
 * A hold was captured for `amount` (at most the hold's; the rest is released with it). Always
 * appended together with the MoneyWithdrawn that moves the money, so every reader of movements
 * (balances, statements, totals, published events) sees a capture as the withdrawal it is.
 */
export interface HoldCaptured {
  readonly type: typeof AccountEventType.holdCaptured;
  readonly data: { accountId: string; holdId: string; amount: number };
}

/** A hold was given up before its expiry: its amount is available again. */
export interface HoldReleased {
  readonly type: typeof AccountEventType.holdReleased;
  readonly data: { accountId: string; holdId: string };
}

/** A hold reached its expiry uncaptured (recorded by its deadline): its amount is available again. */
export interface HoldExpired {
  readonly type: typeof AccountEventType.holdExpired;
  readonly data: { accountId: string; holdId: string };
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
  | OverdraftLimitSet
  | HoldPlaced
  | HoldCaptured
  | HoldReleased
  | HoldExpired;

export const ACCOUNT_EVENT_TYPES: readonly AccountEvent['type'][] = Object.values(AccountEventType);
