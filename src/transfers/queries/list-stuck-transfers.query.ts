import { Query } from '@nestjs/cqrs';
import { StuckTransferPage } from './transfer.views';

/** Transfers still PENDING at least `olderThanSeconds` after they were initiated, oldest first. */
export class ListStuckTransfersQuery extends Query<StuckTransferPage> {
  constructor(
    readonly olderThanSeconds: number,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}
