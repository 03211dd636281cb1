import { isValidAmount } from '../../shared-kernel/money';
import {
  AccountClosedError,
  AccountNotFoundError,
  InsufficientFundsError,
  InvalidAmountError,
} from './account.errors';
import { AccountState, OpenAccount, spendableBalance } from './account.state';

/** The rules every account decision shares. */
export function requireOpen(state: AccountState, accountId: string): OpenAccount {
  if (state.status === 'NONE') throw new AccountNotFoundError(accountId);
  if (state.status === 'CLOSED') throw new AccountClosedError(accountId);
  return state;
}

export function requireValidAmount(amount: number): void {
  if (!isValidAmount(amount)) throw new InvalidAmountError(amount);
}

/**
 * A debit or a new hold may use the available balance (what open holds do not reserve) and the
 * overdraft limit, never more: the available balance never goes below minus the limit.
 */
export function requireAvailable(account: OpenAccount, amount: number): void {
  const spendable = spendableBalance(account);
  if (spendable < amount) throw new InsufficientFundsError(account.id, spendable, amount);
}
