import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../common/pagination/uuid-cursor';
import { AccountPage, ListAccountsQuery } from './list-accounts.query';

interface SummaryRow {
  account_id: string;
  customer_id: string;
  currency: string;
  balance: string;
  status: 'OPEN' | 'CLOSED';
  version: number;
  opened_at: Date;
}

/** Keyset pagination over the account_summaries read model, ordered by account id. */
@QueryHandler(ListAccountsQuery)
export class ListAccountsHandler implements IQueryHandler<ListAccountsQuery> {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async execute({ filter, limit, cursor, scope }: ListAccountsQuery): Promise<AccountPage> {
    // A customer asking for someone else's accounts sees an empty list, as for an unknown id.
    if (scope.kind === 'customer' && filter.customerId && filter.customerId !== scope.customerId)
      return { items: [], nextCursor: null };
    const customerId = scope.kind === 'customer' ? scope.customerId : filter.customerId;
    const rows: SummaryRow[] = await this.dataSource.query(
      `SELECT account_id, customer_id, currency, balance::text AS balance, status, version, opened_at
         FROM account_summaries
        WHERE ($1::uuid IS NULL OR customer_id = $1::uuid)
          AND ($2::text IS NULL OR status = $2::text)
          AND ($3::uuid IS NULL OR account_id > $3::uuid)
        ORDER BY account_id
        LIMIT $4`,
      [customerId ?? null, filter.status ?? null, cursor ? decodeCursor(cursor) : null, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map((row) => ({
        id: row.account_id,
        customerId: row.customer_id,
        currency: row.currency,
        balance: Number(row.balance),
        status: row.status,
        version: row.version,
        openedAt: row.opened_at.toISOString(),
      })),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].account_id) : null,
    };
  }
}
