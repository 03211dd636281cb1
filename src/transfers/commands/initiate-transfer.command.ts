import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../common/commands/command-context';
import { TransferWriteResult } from './transfer-command.results';

export class InitiateTransferCommand extends Command<TransferWriteResult> {
  constructor(
    readonly transferId: string,
    readonly fromAccountId: string,
    readonly toAccountId: string,
    readonly amount: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}
