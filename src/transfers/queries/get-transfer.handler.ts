import { ACCOUNT_REPOSITORY, AccountRepository, isAccountVisible } from '../../accounts';
import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TransferRepository } from '../transfers.repository';
import { TransferNotFoundError } from '../domain/transfer.errors';
import { transferStreamId } from '../domain/transfer.state';
import { TRANSFER_REPOSITORY } from '../transfers.tokens';
import { GetTransferQuery } from './get-transfer.query';
import { TransferView } from './transfer.views';

/** The transfer folded from its stream: never stale. */
@QueryHandler(GetTransferQuery)
export class GetTransferHandler implements IQueryHandler<GetTransferQuery> {
  constructor(
    @Inject(TRANSFER_REPOSITORY) private readonly transfers: TransferRepository,
    @Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository,
  ) {}

  async execute({ transferId, scope }: GetTransferQuery): Promise<TransferView> {
    const { state, events } = await this.transfers.load(transferStreamId(transferId));
    if (state.status === 'NONE') throw new TransferNotFoundError(transferId);
    // A customer sees a transfer from one of their accounts, or to one once it is credited
    // (an attempt that moved nothing is the sender's business); any other is "not found".
    const visible =
      (await isAccountVisible(this.accounts, scope, state.fromAccountId)) ||
      (state.status === 'COMPLETED' &&
        (await isAccountVisible(this.accounts, scope, state.toAccountId)));
    if (!visible) throw new TransferNotFoundError(transferId);
    return {
      id: state.id,
      fromAccountId: state.fromAccountId,
      toAccountId: state.toAccountId,
      amount: state.amount,
      currency: state.currency,
      status: state.status,
      reason: state.reason,
      createdAt: events[0].metadata.occurredAt,
      updatedAt: events[events.length - 1].metadata.occurredAt,
    };
  }
}
