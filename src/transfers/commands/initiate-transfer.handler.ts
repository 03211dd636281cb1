import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ACCOUNT_REPOSITORY, AccountRepository, accountStreamId } from '../../accounts';
import { TRANSFER_COMMANDS, TRANSFER_OPTIONS, TransferOptions } from '../transfers.tokens';
import { approvalSettings } from '../transfer-approval.settings';
import { decideInitiateTransfer, TransferAccount } from '../domain/transfer.decide';
import { transferStreamId } from '../domain/transfer.state';
import { InitiateTransferCommand } from './initiate-transfer.command';
import { toTransferWriteResult, TransferWriteResult } from './transfer-command.results';
import { TransferCommands } from './transfer.executor';

/**
 * Records the transfer as decided from both accounts' streams; the transfer process does the
 * rest (above the approval threshold, once a second person has approved it).
 */
@CommandHandler(InitiateTransferCommand)
export class InitiateTransferHandler implements ICommandHandler<InitiateTransferCommand> {
  constructor(
    @Inject(TRANSFER_COMMANDS) private readonly transfers: TransferCommands,
    @Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository,
    @Inject(TRANSFER_OPTIONS) private readonly options: TransferOptions,
  ) {}

  async execute({
    transferId,
    fromAccountId,
    toAccountId,
    amount,
    context,
  }: InitiateTransferCommand): Promise<TransferWriteResult> {
    const [source, destination] = await Promise.all(
      [fromAccountId, toAccountId].map((id) => this.account(id)),
    );
    return this.transfers.execute({
      streamId: transferStreamId(transferId),
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      decide: (state) =>
        decideInitiateTransfer(
          {
            transferId,
            fromAccountId,
            toAccountId,
            amount,
            source,
            destination,
            scope: context.scope,
            initiatedBy: context.metadata.actor,
            approvalThreshold: approvalSettings(this.options).threshold,
          },
          state,
        ),
      result: toTransferWriteResult(transferId),
    });
  }

  private async account(accountId: string): Promise<TransferAccount | null> {
    const { state } = await this.accounts.load(accountStreamId(accountId));
    return state.status === 'NONE'
      ? null
      : { customerId: state.customerId, currency: state.currency };
  }
}
