import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TRANSFER_COMMANDS } from '../transfers.tokens';
import { decideApproveTransfer } from '../domain/transfer.decide';
import { transferStreamId } from '../domain/transfer.state';
import { ApproveTransferCommand } from './approve-transfer.command';
import { toTransferDecisionResult, TransferDecisionResult } from './transfer-command.results';
import { TransferCommands } from './transfer.executor';

/** Records the approval; the transfer process reacts to it by debiting the source. */
@CommandHandler(ApproveTransferCommand)
export class ApproveTransferHandler implements ICommandHandler<ApproveTransferCommand> {
  constructor(@Inject(TRANSFER_COMMANDS) private readonly transfers: TransferCommands) {}

  execute({ transferId, context }: ApproveTransferCommand): Promise<TransferDecisionResult> {
    return this.transfers.execute({
      streamId: transferStreamId(transferId),
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      decide: (state) =>
        decideApproveTransfer({ transferId, approver: context.metadata.actor }, state),
      result: toTransferDecisionResult(transferId),
    });
  }
}
