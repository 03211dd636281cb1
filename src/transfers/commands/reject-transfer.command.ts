import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../common/commands/command-context';
import { TransferDecisionResult } from './transfer-command.results';

/** Turns down a transfer awaiting approval, with an optional reason for the record. */
export class RejectTransferCommand extends Command<TransferDecisionResult> {
  constructor(
    readonly transferId: string,
    readonly reason: string | null,
    readonly context: CommandContext,
  ) {
    super();
  }
}
