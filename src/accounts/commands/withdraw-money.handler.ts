import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ACCOUNT_COMMANDS, ACCOUNT_REPOSITORY } from '../accounts.tokens';
import { assertAccountVisible } from '../queries/account-access';
import { AccountRepository } from '../accounts.repository';
import { decideWithdraw } from '../domain/account.decide';
import { MoneyMovementResult } from './account-command.results';
import { AccountCommands } from './account.executor';
import { WithdrawMoneyCommand } from './withdraw-money.command';
import { moneyMovement } from './money-movement.execution';

@CommandHandler(WithdrawMoneyCommand)
export class WithdrawMoneyHandler implements ICommandHandler<WithdrawMoneyCommand> {
  constructor(
    @Inject(ACCOUNT_COMMANDS) private readonly accounts: AccountCommands,
    @Inject(ACCOUNT_REPOSITORY) private readonly repository: AccountRepository,
  ) {}

  async execute(command: WithdrawMoneyCommand): Promise<MoneyMovementResult> {
    // Before If-Match is compared: a version conflict must not tell a customer that another
    // customer's account exists.
    await assertAccountVisible(this.repository, command.context.scope, command.accountId);
    return this.accounts.execute(moneyMovement(command, decideWithdraw));
  }
}
