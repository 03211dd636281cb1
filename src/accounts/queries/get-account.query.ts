import { Query } from '@nestjs/cqrs';
import { AccessScope } from '../../auth/principal';
import { AccountView } from './account.views';

export class GetAccountQuery extends Query<AccountView> {
  constructor(
    readonly accountId: string,
    readonly scope: AccessScope,
  ) {
    super();
  }
}
