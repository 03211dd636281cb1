import { AccessScope, coversCustomer } from '../../auth/principal';
import { AccountNotFoundError } from '../domain/account.errors';
import { AccountState, accountStreamId } from '../domain/account.state';
import { AccountRepository } from '../accounts.repository';

/**
 * Refuses an account outside the caller's scope exactly as a missing one (no existence
 * oracle). The account's customer never changes, so its stream is the proof of ownership.
 */
export function assertAccountInScope(
  scope: AccessScope,
  accountId: string,
  state: AccountState,
): void {
  if (state.status !== 'NONE' && !coversCustomer(scope, state.customerId))
    throw new AccountNotFoundError(accountId);
}

/** Loads the account when the scope needs it; staff scopes skip the read. */
export async function assertAccountVisible(
  accounts: AccountRepository,
  scope: AccessScope,
  accountId: string,
): Promise<void> {
  if (scope.kind === 'all') return;
  const { state } = await accounts.load(accountStreamId(accountId));
  if (state.status === 'NONE') throw new AccountNotFoundError(accountId);
  assertAccountInScope(scope, accountId, state);
}

/** Whether the caller may see the account (a missing one is not visible to a customer). */
export async function isAccountVisible(
  accounts: AccountRepository,
  scope: AccessScope,
  accountId: string,
): Promise<boolean> {
  if (scope.kind === 'all') return true;
  const { state } = await accounts.load(accountStreamId(accountId));
  return state.status !== 'NONE' && coversCustomer(scope, state.customerId);
}
