import { Query } from '@nestjs/cqrs';
import { AccessScope } from '../../auth/principal';
import { AccountView } from './account.views';

/** An account as the account-summaries read model lists it. */
/** A row of the account-summaries read model: the ledger balance, not the overdraft. */
export type AccountSummaryView = Omit<
  AccountView,
  'ledgerBalance' | 'availableBalance' | 'overdraftLimit'
> & { openedAt: string };

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
