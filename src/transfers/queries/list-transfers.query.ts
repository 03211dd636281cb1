import { AccessScope } from '../../auth/principal';
import { Query } from '@nestjs/cqrs';
import { TransferPage } from './transfer.views';

/** Transfers from or to one account, oldest first, keyset-paged. */
export class ListTransfersQuery extends Query<TransferPage> {
  constructor(
    readonly accountId: string,
    readonly limit: number,
    readonly cursor: string | undefined,
    /** A customer sees the transfers of their own accounts only. */
    readonly scope: AccessScope,
  ) {
    super();
  }
}
