import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TRANSFER_COMMANDS } from '../transfers.tokens';
import { decideRejectTransfer } from '../domain/transfer.decide';
import { transferStreamId } from '../domain/transfer.state';
import { RejectTransferCommand } from './reject-transfer.command';
import { toTransferDecisionResult, TransferDecisionResult } from './transfer-command.results';
import { TransferCommands } from './transfer.executor';

/** Records the rejection; the transfer process ends with nothing moved. */
@CommandHandler(RejectTransferCommand)
export class RejectTransferHandler implements ICommandHandler<RejectTransferCommand> {
  constructor(@Inject(TRANSFER_COMMANDS) private readonly transfers: TransferCommands) {}

  execute({ transferId, reason, context }: RejectTransferCommand): Promise<TransferDecisionResult> {
    return this.transfers.execute({
      streamId: transferStreamId(transferId),
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      decide: (state) =>
        decideRejectTransfer({ transferId, rejecter: context.metadata.actor, reason }, state),
      result: toTransferDecisionResult(transferId),
    });
  }
}
