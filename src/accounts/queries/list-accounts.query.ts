import { Query } from '@nestjs/cqrs';
import { AccessScope } from '../../auth/principal';
import { AccountBalances } from '../domain/account.state';
import { AccountView } from './account.views';

/**
 * A row of the account-summaries read model: the ledger balance, without the holds and the
 * overdraft (read those from GET /accounts/{id}, folded from the stream).
 */
export type AccountSummaryView = Omit<AccountView, keyof AccountBalances> & { openedAt: string };

export interface AccountPage {
  items: AccountSummaryView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export class ListAccountsQuery extends Query<AccountPage> {
  constructor(
    readonly filter: { customerId?: string; status?: 'OPEN' | 'CLOSED' },
    readonly limit: number,
    readonly cursor: string | undefined,
    /** A customer scope lists that customer's accounts only. */
    readonly scope: AccessScope,
  ) {
    super();
  }
}
