import { Query } from '@nestjs/cqrs';
import { AccountView } from './account.views';

export class GetAccountQuery extends Query<AccountView> {
  constructor(readonly accountId: string) {
    super();
  }
}
