import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../common/commands/command-context';
import { DepositChannel } from '../domain/account.events';
import { MoneyMovementResult } from './account-command.results';

export class DepositMoneyCommand extends Command<MoneyMovementResult> {
  constructor(
    readonly accountId: string,
    readonly amount: number,
    readonly reference: string | null,
    readonly channel: DepositChannel,
    readonly context: CommandContext,
  ) {
    super();
  }
}
