import { isValidAmount, MAX_BALANCE } from '../../shared-kernel/money';
import {
  AccountClosed,
  AccountEventType,
  AccountOpened,
  MoneyDeposited,
  MoneyWithdrawn,
} from './account.events';
import {
  AccountAlreadyExistsError,
  AccountClosedError,
  AccountNotFoundError,
  BalanceLimitExceededError,
  BalanceNotZeroError,
  InsufficientFundsError,
  InvalidAmountError,
} from './account.errors';
import { AccountState, OpenAccount } from './account.state';

type OpenAccountCommand = { accountId: string; customerId: string; currency: string };
type MoveMoneyCommand = { accountId: string; amount: number; reference: string | null };

function requireOpen(state: AccountState, accountId: string): OpenAccount {
  if (state.status === 'NONE') throw new AccountNotFoundError(accountId);
  if (state.status === 'CLOSED') throw new AccountClosedError(accountId);
  return state;
}

function requireValidAmount(amount: number): void {
  if (!isValidAmount(amount)) throw new InvalidAmountError(amount);
}

export function decideOpenAccount(
  command: OpenAccountCommand,
  state: AccountState,
): AccountOpened[] {
  if (state.status !== 'NONE') throw new AccountAlreadyExistsError(command.accountId);
  return [{ type: AccountEventType.opened, data: { ...command } }];
}

export function decideDeposit(command: MoveMoneyCommand, state: AccountState): MoneyDeposited[] {
  requireValidAmount(command.amount);
  const account = requireOpen(state, command.accountId);
  if (account.balance > MAX_BALANCE - command.amount) {
    throw new BalanceLimitExceededError(command.accountId);
  }
  return [{ type: AccountEventType.deposited, data: { ...command } }];
}

export function decideWithdraw(command: MoveMoneyCommand, state: AccountState): MoneyWithdrawn[] {
  requireValidAmount(command.amount);
  const account = requireOpen(state, command.accountId);
  if (account.balance < command.amount) {
    throw new InsufficientFundsError(command.accountId, account.balance, command.amount);
  }
  return [{ type: AccountEventType.withdrawn, data: { ...command } }];
}

export function decideClose(command: { accountId: string }, state: AccountState): AccountClosed[] {
  const account = requireOpen(state, command.accountId);
  if (account.balance !== 0) throw new BalanceNotZeroError(command.accountId, account.balance);
  return [{ type: AccountEventType.closed, data: { accountId: command.accountId } }];
}
