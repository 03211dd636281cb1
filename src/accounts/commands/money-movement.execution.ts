import { CommandExecution } from '@ledgerline/event-sourcing';
import { AccountEvent } from '../domain/account.events';
import { AccountState } from '../domain/account.state';
import { accountCommand } from './account-command.execution';
import { MoneyMovementResult, toMovementResult } from './account-command.results';
import { DepositMoneyCommand } from './deposit-money.command';
import { WithdrawMoneyCommand } from './withdraw-money.command';

type MoveMoneyDecision = (
  command: { accountId: string; amount: number; reference: string | null },
  state: AccountState,
) => AccountEvent[];

/** Deposits and withdrawals share their orchestration; only the decision differs. */
export function moneyMovement(
  { accountId, amount, reference, context }: DepositMoneyCommand | WithdrawMoneyCommand,
  decide: MoveMoneyDecision,
): CommandExecution<AccountState, AccountEvent, MoneyMovementResult> {
  return accountCommand(
    accountId,
    context,
    (state) => decide({ accountId, amount, reference }, state),
    toMovementResult,
  );
}
