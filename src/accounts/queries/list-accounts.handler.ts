import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  decodeCursor,
  encodeCursor,
  INSTANT_PART,
  instantKeySql,
  UUID_PART,
} from '../../common/pagination/cursor';
import { AccountPage, ListAccountsQuery } from './list-accounts.query';

interface SummaryRow {
  account_id: string;
  customer_id: string;
  currency: string;
  balance: string;
  status: 'OPEN' | 'CLOSED';
  version: number;
  opened_at: Date;
  opened_key: string;
}

const LIST = 'accounts';

/**
 * Keyset pagination over the account_summaries read model, oldest account first (time of
 * opening, then id, so accounts opened in the same microsecond still have one order).
 */
@QueryHandler(ListAccountsQuery)
export class ListAccountsHandler implements IQueryHandler<ListAccountsQuery> {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async execute({ filter, limit, cursor, scope }: ListAccountsQuery): Promise<AccountPage> {
    const after = cursor ? decodeCursor(cursor, LIST, [INSTANT_PART, UUID_PART]) : undefined;
    // A customer asking for someone else's accounts sees an empty list, as for an unknown id.
    if (scope.kind === 'customer' && filter.customerId && filter.customerId !== scope.customerId)
      return { items: [], nextCursor: null };
    const customerId = scope.kind === 'customer' ? scope.customerId : filter.customerId;
    const rows: SummaryRow[] = await this.dataSource.query(
      `SELECT account_id, customer_id, currency, balance::text AS balance, status, version, opened_at,
              ${instantKeySql('opened_at')} AS opened_key
         FROM account_summaries
        WHERE ($1::uuid IS NULL OR customer_id = $1::uuid)
          AND ($2::text IS NULL OR status = $2::text)
          AND ($3::timestamptz IS NULL OR (opened_at, account_id) > ($3::timestamptz, $4::uuid))
        ORDER BY opened_at, account_id
        LIMIT $5`,
      [
        customerId ?? null,
        filter.status ?? null,
        after?.[0] ?? null,
        after?.[1] ?? null,
        limit + 1,
      ],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
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
      nextCursor:
        rows.length > limit ? encodeCursor(LIST, [last.opened_key, last.account_id]) : null,
    };
  }
}
