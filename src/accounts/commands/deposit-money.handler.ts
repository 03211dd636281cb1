import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ACCOUNT_COMMANDS } from '../accounts.tokens';
import { decideDeposit } from '../domain/account.decide';
import { MoneyMovementResult } from './account-command.results';
import { AccountCommands } from './account-commands';
import { DepositMoneyCommand } from './deposit-money.command';
import { moneyMovement } from './move-money';

@CommandHandler(DepositMoneyCommand)
export class DepositMoneyHandler implements ICommandHandler<DepositMoneyCommand> {
  constructor(@Inject(ACCOUNT_COMMANDS) private readonly accounts: AccountCommands) {}

  execute(command: DepositMoneyCommand): Promise<MoneyMovementResult> {
    return this.accounts.execute(
      moneyMovement(command, (movement, state) =>
        decideDeposit({ ...movement, channel: command.channel }, state),
      ),
    );
  }
}
