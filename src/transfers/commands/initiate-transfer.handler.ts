import { coversCustomer } from '../../auth/principal';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ACCOUNT_REPOSITORY, AccountRepository, accountStreamId } from '../../accounts';
import { ApiError } from '../../common/errors/api-error';
import { TRANSFER_COMMANDS } from '../transfers.tokens';
import { decideInitiateTransfer } from '../domain/transfer.decide';
import { transferStreamId } from '../domain/transfer.state';
import { InitiateTransferCommand } from './initiate-transfer.command';
import { TransferCommands, TransferWriteResult } from './transfer-repositories';

/**
 * Records the transfer (its currency is the source account's); the transfer process does the
 * rest. Both accounts must exist now; whether money can move is decided by their streams later.
 */
@CommandHandler(InitiateTransferCommand)
export class InitiateTransferHandler implements ICommandHandler<InitiateTransferCommand> {
  constructor(
    @Inject(TRANSFER_COMMANDS) private readonly transfers: TransferCommands,
    @Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository,
  ) {}

  async execute({
    transferId,
    fromAccountId,
    toAccountId,
    amount,
    context,
  }: InitiateTransferCommand): Promise<TransferWriteResult> {
    const [from, to] = await Promise.all(
      [fromAccountId, toAccountId].map((id) => this.accounts.load(accountStreamId(id))),
    );
    // The source first, and another customer's source exactly like a missing one: a customer
    // moves money from their own accounts only (to any account), and learns nothing else.
    if (from.state.status === 'NONE' || !coversCustomer(context.scope, from.state.customerId))
      throw new ApiError('ACCOUNT_NOT_FOUND', `account ${fromAccountId} does not exist`);
    if (to.state.status === 'NONE')
      throw new ApiError('ACCOUNT_NOT_FOUND', `account ${toAccountId} does not exist`);
    const { currency } = from.state;
    return this.transfers.execute({
      streamId: transferStreamId(transferId),
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      decide: (state) =>
        decideInitiateTransfer({ transferId, fromAccountId, toAccountId, amount, currency }, state),
      result: ({ version, position }) => ({
        id: transferId,
        version,
        position: position === null ? null : position.globalPosition.toString(),
      }),
    });
  }
}
