import { AccessScope } from '../../auth/principal';
import { Query } from '@nestjs/cqrs';
import { TransferStatus } from '../domain/transfer.state';
import { TransferPage } from './transfer.views';

/** What a transfer list is narrowed to: one account's transfers, one status, or both. */
export type TransferListFilter =
  | { readonly accountId: string; readonly status?: TransferStatus }
  | { readonly accountId?: undefined; readonly status: TransferStatus };

/** Transfers from or to one account and/or in one status, oldest first, keyset-paged. */
export class ListTransfersQuery extends Query<TransferPage> {
  constructor(
    readonly filter: TransferListFilter,
    readonly limit: number,
    readonly cursor: string | undefined,
    /** A customer sees the transfers of their own accounts only. */
    readonly scope: AccessScope,
  ) {
    super();
  }
}
