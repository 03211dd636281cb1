import { Query } from '@nestjs/cqrs';
import { StuckTransferView } from './transfer.views';

/** Transfers still PENDING at least `olderThanSeconds` after they were initiated, oldest first. */
export class ListStuckTransfersQuery extends Query<StuckTransferView[]> {
  constructor(
    readonly olderThanSeconds: number,
    readonly limit: number,
  ) {
    super();
  }
}
