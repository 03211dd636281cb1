import { Query } from '@nestjs/cqrs';
import { AccessScope } from '../../auth/principal';
import { AccountHistoryPage } from './account.views';

export class GetAccountHistoryQuery extends Query<AccountHistoryPage> {
  constructor(
    readonly accountId: string,
    readonly fromVersion: number,
    readonly limit: number,
    readonly scope: AccessScope,
  ) {
    super();
  }
}
