import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../common/commands/command-context';
import { AccountWriteResult } from './account-command.results';

export class OpenAccountCommand extends Command<AccountWriteResult> {
  constructor(
    readonly accountId: string,
    readonly customerId: string,
    readonly currency: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
