import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TRANSFER_COMMANDS } from '../transfers.tokens';
import { decideSettleTransfer } from '../domain/transfer.decide';
import { transferStreamId } from '../domain/transfer.state';
import { SettleTransferCommand } from './settle-transfer.command';
import { toTransferWriteResult, TransferWriteResult } from './transfer-command.results';
import { TransferCommands } from './transfer.executor';

@CommandHandler(SettleTransferCommand)
export class SettleTransferHandler implements ICommandHandler<SettleTransferCommand> {
  constructor(@Inject(TRANSFER_COMMANDS) private readonly transfers: TransferCommands) {}

  execute({
    transferId,
    outcome,
    reason,
    context,
  }: SettleTransferCommand): Promise<TransferWriteResult> {
    return this.transfers.execute({
      streamId: transferStreamId(transferId),
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      decide: (state) => decideSettleTransfer({ transferId, outcome, reason }, state),
      result: toTransferWriteResult(transferId),
    });
  }
}
