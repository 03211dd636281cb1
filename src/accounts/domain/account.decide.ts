import { MAX_AMOUNT, MAX_BALANCE } from '../../shared-kernel/money';
import {
  AccountClosed,
  AccountEventType,
  DepositChannel,
  AccountOpened,
  MoneyCreditedForTransfer,
  MoneyDebitedForTransfer,
  MoneyDeposited,
  MoneyWithdrawn,
  OverdraftLimitSet,
  TransferCreditCancelled,
  TransferDebitRefunded,
  TransferDebitSettled,
} from './account.events';
import {
  AccountAlreadyExistsError,
  AccountNotFoundError,
  BalanceLimitExceededError,
  BalanceNotZeroError,
  CurrencyMismatchError,
  InvalidOverdraftLimitError,
  TransferAlreadyCreditedError,
  TransferCreditCancelledError,
  TransferInFlightError,
} from './account.errors';
import { AccountState, transfersInFlight } from './account.state';
import { requireAvailable, requireOpen, requireValidAmount } from './account.rules';
import { AccountHasOpenHoldsError } from './hold.errors';

type OpenAccountCommand = { accountId: string; customerId: string; currency: string };
type MoveMoneyCommand = { accountId: string; amount: number; reference: string | null };
type DepositCommand = MoveMoneyCommand & { channel: DepositChannel };

export function decideOpenAccount(
  command: OpenAccountCommand,
  state: AccountState,
): AccountOpened[] {
  if (state.status !== 'NONE') throw new AccountAlreadyExistsError(command.accountId);
  return [{ type: AccountEventType.opened, data: { ...command } }];
}

export function decideDeposit(command: DepositCommand, state: AccountState): MoneyDeposited[] {
  requireValidAmount(command.amount);
  const account = requireOpen(state, command.accountId);
  if (account.balance > MAX_BALANCE - command.amount) {
    throw new BalanceLimitExceededError(command.accountId);
  }
  return [{ type: AccountEventType.deposited, schemaVersion: 2, data: { ...command } }];
}

export function decideWithdraw(command: MoveMoneyCommand, state: AccountState): MoneyWithdrawn[] {
  requireValidAmount(command.amount);
  const account = requireOpen(state, command.accountId);
  requireAvailable(account, command.amount);
  return [{ type: AccountEventType.withdrawn, data: { ...command } }];
}

export function decideClose(command: { accountId: string }, state: AccountState): AccountClosed[] {
  const account = requireOpen(state, command.accountId);
  if (account.balance !== 0) throw new BalanceNotZeroError(command.accountId, account.balance);
  const inFlight = transfersInFlight(account.transfers);
  if (inFlight.length > 0) throw new TransferInFlightError(command.accountId, inFlight.length);
  // A hold may still be captured: the account must stay open for it.
  const openHolds = Object.values(account.holds).filter((hold) => hold.status === 'OPEN').length;
  if (openHolds > 0) throw new AccountHasOpenHoldsError(command.accountId, openHolds);
  return [{ type: AccountEventType.closed, data: { accountId: command.accountId } }];
}

type TransferStep = { accountId: string; transferId: string; amount: number };

/** The source's side of a transfer: like a withdrawal, once per transfer id. */
export function decideDebitForTransfer(
  command: TransferStep,
  state: AccountState,
): MoneyDebitedForTransfer[] {
  requireValidAmount(command.amount);
  const account = requireOpen(state, command.accountId);
  if (account.transfers.debited.includes(command.transferId)) return [];
  requireAvailable(account, command.amount);
  return [{ type: AccountEventType.debitedForTransfer, data: { ...command } }];
}

/** The destination's side: refused when closed, in another currency, or cancelled. */
export function decideCreditForTransfer(
  command: TransferStep & { currency: string },
  state: AccountState,
): MoneyCreditedForTransfer[] {
  requireValidAmount(command.amount);
  const account = requireOpen(state, command.accountId);
  if (account.transfers.credited.includes(command.transferId)) return [];
  if (account.transfers.cancelled.includes(command.transferId))
    throw new TransferCreditCancelledError(command.accountId, command.transferId);
  if (account.currency !== command.currency)
    throw new CurrencyMismatchError(command.accountId, account.currency, command.currency);
  if (account.balance > MAX_BALANCE - command.amount)
    throw new BalanceLimitExceededError(command.accountId);
  const { accountId, transferId, amount } = command;
  return [{ type: AccountEventType.creditedForTransfer, data: { accountId, transferId, amount } }];
}

/**
 * Makes a late credit impossible (the transfer's deadline passed). Refused once the credit
 * happened: then the transfer completes instead. A closed account records it too.
 */
export function decideCancelTransferCredit(
  command: { accountId: string; transferId: string },
  state: AccountState,
): TransferCreditCancelled[] {
  if (state.status === 'NONE') throw new AccountNotFoundError(command.accountId);
  if (state.transfers.credited.includes(command.transferId))
    throw new TransferAlreadyCreditedError(command.accountId, command.transferId);
  if (state.transfers.cancelled.includes(command.transferId)) return [];
  return [{ type: AccountEventType.transferCreditCancelled, data: { ...command } }];
}

/**
 * The compensating credit: gives a transfer's debit back, once. Accepted on a closed account
 * too (the money was the customer's), and only for a transfer this account was debited for.
 */
export function decideRefundTransfer(
  command: TransferStep,
  state: AccountState,
): TransferDebitRefunded[] {
  if (state.status === 'NONE') throw new AccountNotFoundError(command.accountId);
  if (
    !state.transfers.debited.includes(command.transferId) ||
    state.transfers.refunded.includes(command.transferId)
  )
    return [];
  return [{ type: AccountEventType.transferDebitRefunded, data: { ...command } }];
}

/** The transfer completed: its debit on this (source) account is final. Once per transfer. */
export function decideSettleTransferDebit(
  command: { accountId: string; transferId: string },
  state: AccountState,
): TransferDebitSettled[] {
  if (state.status === 'NONE') throw new AccountNotFoundError(command.accountId);
  if (
    !state.transfers.debited.includes(command.transferId) ||
    state.transfers.settled.includes(command.transferId)
  )
    return [];
  return [{ type: AccountEventType.transferDebitSettled, data: { ...command } }];
}

/**
 * Sets how far below zero debits may take the account. Nothing to record when the limit is
 * already that one. A limit below what the account already owes is accepted (a bank may
 * lower it): debits are then refused until the balance is back above minus the new limit.
 */
export function decideSetOverdraftLimit(
  command: { accountId: string; limit: number; reason: string },
  state: AccountState,
): OverdraftLimitSet[] {
  if (!Number.isSafeInteger(command.limit) || command.limit < 0 || command.limit > MAX_AMOUNT)
    throw new InvalidOverdraftLimitError(command.limit);
  const account = requireOpen(state, command.accountId);
  if (account.overdraftLimit === command.limit) return [];
  return [{ type: AccountEventType.overdraftLimitSet, data: { ...command } }];
}
