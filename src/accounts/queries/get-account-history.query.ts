import { Query } from '@nestjs/cqrs';
import { AccessScope } from '../../auth/principal';
import { AccountHistoryPage } from './account.views';

/** A page of an account's events: from a version, or after the page a cursor ended. */
export class GetAccountHistoryQuery extends Query<AccountHistoryPage> {
  constructor(
    readonly accountId: string,
    readonly start: { readonly fromVersion: number } | { readonly cursor: string },
    readonly limit: number,
    readonly scope: AccessScope,
  ) {
    super();
  }
}
