import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../common/commands/command-context';
import { TransferDecisionResult } from './transfer-command.results';

/** A second person lets a transfer awaiting approval proceed; the caller is the approver. */
export class ApproveTransferCommand extends Command<TransferDecisionResult> {
  constructor(
    readonly transferId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
