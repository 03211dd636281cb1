import { Query } from '@nestjs/cqrs';
import { AccessScope } from '../../auth/principal';
import { BalanceAsOfView } from './account.views';

export class GetBalanceAsOfQuery extends Query<BalanceAsOfView> {
  constructor(
    readonly accountId: string,
    readonly asOf: Date,
    readonly scope: AccessScope,
  ) {
    super();
  }
}
