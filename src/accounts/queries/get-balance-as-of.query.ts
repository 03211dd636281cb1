import { Query } from '@nestjs/cqrs';
import { BalanceAsOfView } from './account.views';

export class GetBalanceAsOfQuery extends Query<BalanceAsOfView> {
  constructor(
    readonly accountId: string,
    readonly asOf: Date,
  ) {
    super();
  }
}
