import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../common/commands/command-context';
import { OverdraftLimitResult } from './account-command.results';

export class SetOverdraftLimitCommand extends Command<OverdraftLimitResult> {
  constructor(
    readonly accountId: string,
    readonly limit: number,
    readonly reason: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
