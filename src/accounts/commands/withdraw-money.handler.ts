import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ACCOUNT_COMMANDS } from '../accounts.tokens';
import { decideWithdraw } from '../domain/account.decide';
import { MoneyMovementResult } from './account-command.results';
import { AccountCommands } from './account-commands';
import { WithdrawMoneyCommand } from './withdraw-money.command';
import { moneyMovement } from './move-money';

@CommandHandler(WithdrawMoneyCommand)
export class WithdrawMoneyHandler implements ICommandHandler<WithdrawMoneyCommand> {
  constructor(@Inject(ACCOUNT_COMMANDS) private readonly accounts: AccountCommands) {}

  execute(command: WithdrawMoneyCommand): Promise<MoneyMovementResult> {
    return this.accounts.execute(moneyMovement(command, decideWithdraw));
  }
}
