import { Query } from '@nestjs/cqrs';

export interface AccountSummaryView {
  id: string;
  customerId: string;
  currency: string;
  balance: number;
  status: 'OPEN' | 'CLOSED';
  version: number;
  openedAt: string;
}

export interface AccountPage {
  items: AccountSummaryView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export class ListAccountsQuery extends Query<AccountPage> {
  constructor(
    readonly filter: { customerId?: string; status?: 'OPEN' | 'CLOSED' },
    readonly limit: number,
    readonly cursor?: string,
  ) {
    super();
  }
}
