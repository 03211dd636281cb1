import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../common/commands/command-context';
import { TransferOutcome } from '../domain/transfer.decide';
import { TransferWriteResult } from './transfer-command.results';

/** The transfer process ends a transfer. */
export class SettleTransferCommand extends Command<TransferWriteResult> {
  constructor(
    readonly transferId: string,
    readonly outcome: TransferOutcome,
    readonly reason: string | null,
    readonly context: CommandContext,
  ) {
    super();
  }
}
