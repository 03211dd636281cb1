import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ACCOUNT_COMMANDS, ACCOUNT_REPOSITORY } from '../accounts.tokens';
import { assertAccountVisible } from '../queries/account-access';
import { AccountRepository } from '../accounts.repository';
import { decideDeposit } from '../domain/account.decide';
import { MoneyMovementResult } from './account-command.results';
import { AccountCommands } from './account.executor';
import { DepositMoneyCommand } from './deposit-money.command';
import { moneyMovement } from './money-movement.execution';

@CommandHandler(DepositMoneyCommand)
export class DepositMoneyHandler implements ICommandHandler<DepositMoneyCommand> {
  constructor(
    @Inject(ACCOUNT_COMMANDS) private readonly accounts: AccountCommands,
    @Inject(ACCOUNT_REPOSITORY) private readonly repository: AccountRepository,
  ) {}

  async execute(command: DepositMoneyCommand): Promise<MoneyMovementResult> {
    // Before If-Match is compared (see WithdrawMoneyHandler).
    await assertAccountVisible(this.repository, command.context.scope, command.accountId);
    return this.accounts.execute(
      moneyMovement(command, (movement, state) =>
        decideDeposit({ ...movement, channel: command.channel }, state),
      ),
    );
  }
}
